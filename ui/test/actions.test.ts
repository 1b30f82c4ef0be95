import { describe, expect, it } from "vitest";

import { canRestart, canStart, canStop, isEnabled } from "../src/model/actions";
import type { StateName } from "../src/types";
import { component } from "./fixtures";

/** Expected [start, stop, restart] per state, with no restart pending and no retry scheduled. */
const TABLE: [StateName, boolean, boolean, boolean][] = [
  ["stopped", true, false, false],
  ["starting", false, true, true],
  ["running", false, true, true],
  ["healthy", false, true, true],
  ["unhealthy", false, true, true],
  ["exited", true, false, true],
  ["backoff", false, true, true],
  ["stopping", false, false, false],
  ["fatal", true, false, true],
  ["blocked", true, true, true],
  ["waiting", false, true, true],
  ["completed", true, false, true],
];

describe("actions per state", () => {
  it.each(TABLE)("%s: start %s, stop %s, restart %s", (state, start, stop, restart) => {
    const facts = component({ state });
    expect(canStart(facts)).toBe(start);
    expect(canStop(facts)).toBe(stop);
    expect(canRestart(facts)).toBe(restart);
  });

  it("offers Stop on an exit with a restart coming", () => {
    const facts = component({ state: "exited", restart_pending: true });
    expect(canStop(facts)).toBe(true);
    expect(canStart(facts)).toBe(true);
  });

  it("offers Stop on fatal while the slow retry is scheduled", () => {
    expect(canStop(component({ state: "fatal", next_attempt_ms: 300_000 }))).toBe(true);
    expect(canStop(component({ state: "fatal", next_attempt_ms: null }))).toBe(false);
  });

  it("never offers Restart on a stopped component", () => {
    expect(isEnabled("restart", component({ state: "stopped", desired: "stopped" }))).toBe(false);
    expect(isEnabled("start", component({ state: "stopped", desired: "stopped" }))).toBe(true);
  });
});
