// A server-sent events parser for streams read with `fetch()`, because
// `EventSource` cannot send an Authorization header. It follows the WHATWG
// "event stream interpretation": lines end in LF, CR or CRLF; `data:` lines
// join with "\n"; a blank line dispatches; comments and `retry:` are ignored.

/** One dispatched server-sent event. */
export interface SseMessage {
  /** The `event:` field, "message" when the server sent none. */
  event: string;
  data: string;
  /** The last `id:` seen on the stream, or "" when none. */
  id: string;
}

/** An incremental parser: feed it decoded text chunks in order. */
export class SseParser {
  private buffer = "";
  /** A chunk ended in CR, so an LF at the start of the next one belongs to it. */
  private pendingCr = false;
  private eventType = "";
  private dataLines: string[] = [];
  private lastId = "";

  /** Parses a chunk and returns the events it completed. */
  push(chunk: string): SseMessage[] {
    let text = chunk;
    if (this.pendingCr && text.startsWith("\n")) {
      text = text.slice(1);
    }
    this.pendingCr = false;
    this.buffer += text;

    const messages: SseMessage[] = [];
    let start = 0;
    for (let index = 0; index < this.buffer.length; index++) {
      const char = this.buffer[index];
      if (char !== "\n" && char !== "\r") {
        continue;
      }
      const line = this.buffer.slice(start, index);
      if (char === "\r") {
        if (index + 1 === this.buffer.length) {
          this.pendingCr = true;
        } else if (this.buffer[index + 1] === "\n") {
          index++;
        }
      }
      start = index + 1;
      const message = this.processLine(line);
      if (message) {
        messages.push(message);
      }
    }
    this.buffer = this.buffer.slice(start);
    return messages;
  }

  /** Ends the stream. A final event without its blank line is discarded, as the spec says. */
  end(): void {
    this.buffer = "";
    this.pendingCr = false;
    this.eventType = "";
    this.dataLines = [];
  }

  private processLine(line: string): SseMessage | null {
    if (line === "") {
      return this.dispatch();
    }
    if (line.startsWith(":")) {
      return null;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) {
      value = value.slice(1);
    }
    switch (field) {
      case "event":
        this.eventType = value;
        break;
      case "data":
        this.dataLines.push(value);
        break;
      case "id":
        if (!value.includes("\0")) {
          this.lastId = value;
        }
        break;
      default:
        // `retry:` and unknown fields are ignored: reconnect timing is the client's own.
        break;
    }
    return null;
  }

  private dispatch(): SseMessage | null {
    const eventType = this.eventType;
    const dataLines = this.dataLines;
    this.eventType = "";
    this.dataLines = [];
    if (dataLines.length === 0) {
      return null;
    }
    return { event: eventType || "message", data: dataLines.join("\n"), id: this.lastId };
  }
}
