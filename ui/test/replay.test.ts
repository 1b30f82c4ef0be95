import { describe, expect, it } from "vitest";

import { ReplayFilter } from "../src/transport/replay";
import type { LogLine } from "../src/types";

function line(at: string, text: string, stream: "out" | "err" = "out"): LogLine {
  return { component: "web", stream, at, text, continued: false };
}

describe("ReplayFilter", () => {
  it("passes live lines even out of timestamp order", () => {
    const filter = new ReplayFilter();
    expect(filter.accept(line("t2", "out line"))).toBe(true);
    expect(filter.accept(line("t1", "late err line", "err"))).toBe(true);
    expect(filter.accept(line("t2", "out line"))).toBe(true);
  });

  it("drops the repeated backlog after a reconnect", () => {
    const filter = new ReplayFilter();
    filter.accept(line("t1", "a"));
    filter.accept(line("t2", "b"));
    filter.accept(line("t2", "c"));
    filter.startReplay();
    expect(filter.accept(line("t1", "a"))).toBe(false);
    expect(filter.accept(line("t2", "b"))).toBe(false);
    expect(filter.accept(line("t2", "c"))).toBe(false);
    expect(filter.accept(line("t2", "b", "err"))).toBe(true);
    expect(filter.accept(line("t3", "d"))).toBe(true);
    expect(filter.accept(line("t1", "late"))).toBe(true);
  });

  it("drops nothing on the first connection", () => {
    const filter = new ReplayFilter();
    filter.startReplay();
    expect(filter.accept(line("t1", "a"))).toBe(true);
    expect(filter.accept(line("t1", "a"))).toBe(true);
  });
});
