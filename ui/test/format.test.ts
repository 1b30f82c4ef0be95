import { describe, expect, it } from "vitest";

import {
  aggregateLabel,
  formatBytes,
  formatCpu,
  formatExit,
  formatUptime,
  stateLabel,
  stateTone,
} from "../src/model/format";
import { STATE_NAMES } from "../src/types";

describe("formatUptime", () => {
  it.each([
    [0, "0s"],
    [999, "0s"],
    [45_000, "45s"],
    [192_000, "3m 12s"],
    [3_600_000, "1h 00m"],
    [7_500_000, "2h 05m"],
    [356_400_000, "4d 03h"],
  ])("%d ms is %s", (ms, expected) => {
    expect(formatUptime(ms)).toBe(expected);
  });

  it("shows a dash for missing or invalid values", () => {
    expect(formatUptime(null)).toBe("–");
    expect(formatUptime(-1)).toBe("–");
    expect(formatUptime(Number.NaN)).toBe("–");
  });
});

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.00 KiB"],
    [1536, "1.50 KiB"],
    [12.3 * 1024 * 1024, "12.3 MiB"],
    [512 * 1024 * 1024, "512 MiB"],
    [3 * 1024 ** 3, "3.00 GiB"],
  ])("%d bytes is %s", (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });

  it("shows a dash when unknown", () => {
    expect(formatBytes(null)).toBe("–");
  });
});

describe("formatCpu", () => {
  it.each([
    [0, "0.0%"],
    [0.44, "0.4%"],
    [9.96, "10.0%"],
    [12.4, "12%"],
    [230.2, "230%"],
  ])("%d percent is %s", (percent, expected) => {
    expect(formatCpu(percent)).toBe(expected);
  });

  it("shows a dash when unknown", () => {
    expect(formatCpu(null)).toBe("–");
  });
});

describe("state labels", () => {
  it("gives every state a capitalised label", () => {
    for (const state of STATE_NAMES) {
      const label = stateLabel(state);
      expect(label.toLowerCase()).toBe(state);
    }
  });

  it("marks a failed exit in the text, not only the colour", () => {
    expect(stateLabel("exited", true)).toBe("Exited (failed)");
    expect(stateTone("exited", true)).toBe("bad");
  });

  it.each([
    ["running", false, "ok"],
    ["healthy", false, "ok"],
    ["completed", false, "ok"],
    ["stopped", false, "idle"],
    ["fatal", true, "bad"],
    ["blocked", true, "bad"],
    ["backoff", false, "busy"],
    ["starting", false, "busy"],
  ] as const)("%s (failed %s) has tone %s", (state, failed, tone) => {
    expect(stateTone(state, failed)).toBe(tone);
  });

  it("labels the aggregate states", () => {
    expect(aggregateLabel("degraded")).toBe("Degraded");
  });
});

describe("formatExit", () => {
  it("names the code or the signal and the run time", () => {
    expect(formatExit({ code: 1, signal: null, uptime_ms: 3000 })).toBe("exit 1 after 3s");
    expect(formatExit({ code: null, signal: "SIGKILL", uptime_ms: 121_000 })).toBe(
      "SIGKILL after 2m 01s",
    );
  });
});
