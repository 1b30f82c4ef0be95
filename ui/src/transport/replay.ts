// Drops the log lines a stream repeats when it is opened again: a follow
// stream starts with its backlog, part of which the client has already shown.

import type { LogLine } from "../types";

/** Passes live lines through, and after `startReplay` drops backlog lines already delivered. */
export class ReplayFilter {
  private lastAt = "";
  /** Stream and text of the delivered lines stamped `lastAt`, to tell a repeat from a new line. */
  private keysAtLast = new Set<string>();
  private replaying = false;

  /** Marks the start of a new connection, whose first lines may repeat delivered ones. */
  startReplay(): void {
    this.replaying = this.lastAt !== "";
  }

  /** Tells whether to deliver a line, and records it when delivered. */
  accept(line: LogLine): boolean {
    const key = `${line.stream}\u0000${line.text}`;
    if (this.replaying) {
      if (line.at < this.lastAt || (line.at === this.lastAt && this.keysAtLast.has(key))) {
        return false;
      }
      if (line.at > this.lastAt) {
        this.replaying = false;
      }
    }
    // Live lines of stdout and stderr may arrive slightly out of timestamp order; they all pass.
    if (line.at > this.lastAt) {
      this.lastAt = line.at;
      this.keysAtLast = new Set([key]);
    } else if (line.at === this.lastAt) {
      this.keysAtLast.add(key);
    }
    return true;
  }
}
