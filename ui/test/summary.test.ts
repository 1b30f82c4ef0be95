import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { aggregateOf, countsOf, summaryOf } from "../src/model/summary";
import type { Aggregate, StateName } from "../src/types";

const FAILED_STATES: StateName[] = ["fatal", "blocked", "unhealthy"];

function facts(states: StateName[]) {
  return states.map((state) => ({ state, failed: FAILED_STATES.includes(state) }));
}

describe("aggregateOf", () => {
  // The same table as the core's aggregate test, so the header matches the tray.
  it.each<[StateName[], Aggregate]>([
    [[], "idle"],
    [["stopped", "stopped"], "idle"],
    [["completed"], "idle"],
    [["running", "healthy"], "healthy"],
    [["running", "completed", "stopped"], "healthy"],
    [["running", "backoff"], "degraded"],
    [["waiting"], "degraded"],
    [["running", "starting"], "degraded"],
    [["running", "fatal"], "failed"],
    [["backoff", "blocked"], "failed"],
    [["unhealthy"], "failed"],
  ])("%j is %s", (states, expected) => {
    expect(aggregateOf(facts(states))).toBe(expected);
  });

  it("counts an exit the core flags as failed", () => {
    expect(aggregateOf([{ state: "exited", failed: true }])).toBe("failed");
    expect(aggregateOf([{ state: "exited", failed: false }])).toBe("degraded");
  });
});

describe("the core's shared aggregate table", () => {
  // The core's `state` tests read the same file, so the header matches the tray and CLI.
  const path = join(
    dirname(fileURLToPath(import.meta.url)),
    "../../tests/fixtures/aggregate-cases.json",
  );
  const cases = JSON.parse(readFileSync(path, "utf8")) as {
    components: { state: StateName; failed: boolean }[];
    aggregate: Aggregate;
    summary: string;
  }[];

  it("has cases", () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases.map((entry) => [entry.summary, entry] as const))("%s", (_, entry) => {
    expect(aggregateOf(entry.components)).toBe(entry.aggregate);
    expect(summaryOf(countsOf(entry.components))).toBe(entry.summary);
  });
});

describe("countsOf and summaryOf", () => {
  it("words the counts as the core does", () => {
    const counts = countsOf(facts(["running", "running", "healthy", "fatal", "stopped"]));
    expect(counts).toEqual({
      total: 5,
      running: 3,
      starting: 0,
      failed: 1,
      stopped: 1,
      completed: 0,
    });
    expect(summaryOf(counts)).toBe("3 running, 1 failing, 1 stopped");
  });

  it("says when there are no components", () => {
    expect(summaryOf(countsOf([]))).toBe("no components");
  });
});
