// The log panel's memory: a bounded tail of lines with sequence numbers, so
// the view can append only what is new.

import type { LogLine } from "../types";

/** The maximum number of lines the panel keeps in memory and in the DOM. */
export const LOG_CAP = 10_000;

export interface BufferedLine {
  /** Position in arrival order, starting at 1; never reused. */
  seq: number;
  line: LogLine;
}

export class LogBuffer {
  private lines: BufferedLine[] = [];
  private nextSeq = 1;

  constructor(private readonly cap: number = LOG_CAP) {}

  /** Adds a line, dropping the oldest beyond the cap. */
  push(line: LogLine): void {
    this.lines.push({ seq: this.nextSeq++, line });
    // Trimming in chunks keeps a full buffer from shifting the array on every line.
    if (this.lines.length > this.cap + Math.ceil(this.cap / 10)) {
      this.lines = this.lines.slice(this.lines.length - this.cap);
    }
  }

  /** Returns the kept lines, oldest first, at most `cap` of them. */
  all(): BufferedLine[] {
    return this.lines.length > this.cap
      ? this.lines.slice(this.lines.length - this.cap)
      : this.lines;
  }

  /** Returns the kept lines after sequence number `seq`. */
  after(seq: number): BufferedLine[] {
    const all = this.all();
    let start = all.length;
    while (start > 0 && all[start - 1].seq > seq) {
      start--;
    }
    return all.slice(start);
  }

  get size(): number {
    return Math.min(this.lines.length, this.cap);
  }

  /** The sequence number of the newest line, or 0 when empty. */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }
}
