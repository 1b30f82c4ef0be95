import { describe, expect, it } from "vitest";

import { SseParser } from "../src/transport/sse";

function parseAll(chunks: string[]) {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

describe("SseParser", () => {
  it("parses one event with type, id and data", () => {
    const messages = parseAll(['id: 7\nevent: component\ndata: {"seq":7}\n\n']);
    expect(messages).toEqual([{ event: "component", data: '{"seq":7}', id: "7" }]);
  });

  it("joins data lines with a newline", () => {
    const messages = parseAll(["data: first\ndata: second\n\n"]);
    expect(messages[0].data).toBe("first\nsecond");
    expect(messages[0].event).toBe("message");
  });

  it("ignores comments and retry", () => {
    const messages = parseAll([": keep-alive\nretry: 3000\ndata: x\n\n: another\n\n"]);
    expect(messages).toEqual([{ event: "message", data: "x", id: "" }]);
  });

  it("handles CRLF and lone CR line endings", () => {
    expect(parseAll(["event: a\r\ndata: 1\r\n\r\n"])).toEqual([{ event: "a", data: "1", id: "" }]);
    expect(parseAll(["event: b\rdata: 2\r\r"])).toEqual([{ event: "b", data: "2", id: "" }]);
  });

  it("handles a CRLF split across chunks", () => {
    const messages = parseAll(["data: 1\r", "\n\r", "\n"]);
    expect(messages).toEqual([{ event: "message", data: "1", id: "" }]);
  });

  it("reassembles events split anywhere", () => {
    const text = 'event: log\ndata: {"text":"hello"}\n\nevent: log\ndata: {"text":"world"}\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      const messages = parseAll([text.slice(0, cut), text.slice(cut)]);
      expect(
        messages.map((message) => message.data),
        `cut at ${cut}`,
      ).toEqual(['{"text":"hello"}', '{"text":"world"}']);
    }
  });

  it("strips only one leading space and keeps colons in values", () => {
    const messages = parseAll(["data:  two spaces: yes\n\n", "data:none\n\n"]);
    expect(messages.map((message) => message.data)).toEqual([" two spaces: yes", "none"]);
  });

  it("dispatches nothing for an event without data", () => {
    expect(parseAll(["event: ping\n\n"])).toEqual([]);
  });

  it("keeps the last id for later events", () => {
    const messages = parseAll(["id: 3\ndata: a\n\ndata: b\n\n"]);
    expect(messages.map((message) => message.id)).toEqual(["3", "3"]);
  });

  it("resets the event type after each dispatch", () => {
    const messages = parseAll(["event: snapshot\ndata: a\n\ndata: b\n\n"]);
    expect(messages.map((message) => message.event)).toEqual(["snapshot", "message"]);
  });

  it("discards an unterminated event at the end", () => {
    const parser = new SseParser();
    expect(parser.push("data: partial\n")).toEqual([]);
    parser.end();
    expect(parser.push("\n")).toEqual([]);
  });
});
