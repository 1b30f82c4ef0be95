import { describe, expect, it } from "vitest";

import { METRIC_MAX_SAMPLES, METRIC_WINDOW_MS, Store, pushSample } from "../src/model/store";
import { LogBuffer } from "../src/model/logbuffer";
import type { LogLine } from "../src/types";
import { component, snapshot } from "./fixtures";

function clock(start = 0) {
  const state = { now: start };
  return { state, now: () => state.now };
}

describe("Store", () => {
  it("keeps components in snapshot order and updates them by name", () => {
    const time = clock();
    const store = new Store(time.now);
    store.apply({
      seq: 1,
      type: "snapshot",
      snapshot: snapshot([component({ name: "a" }), component({ name: "b" })]),
    });
    expect(store.order).toEqual(["a", "b"]);

    const change = store.apply({
      seq: 2,
      type: "component",
      component: component({ name: "b", pid: 9 }),
      previous: "running",
    });
    expect(change).toEqual({ kind: "upsert", name: "b", added: false });
    expect(store.components.get("b")?.snapshot.pid).toBe(9);

    const added = store.apply({
      seq: 3,
      type: "component",
      component: component({ name: "c" }),
      previous: null,
    });
    expect(added).toEqual({ kind: "upsert", name: "c", added: true });
    expect(store.order).toEqual(["a", "b", "c"]);

    store.apply({ seq: 4, type: "removed", name: "a" });
    expect(store.order).toEqual(["b", "c"]);
    expect(store.components.has("a")).toBe(false);
  });

  it("ticks uptime from the time of receipt", () => {
    const time = clock(1000);
    const store = new Store(time.now);
    store.apply({ seq: 1, type: "snapshot", snapshot: snapshot([component({ uptime_ms: 5000 })]) });
    time.state.now = 4000;
    const entry = store.components.get("web")!;
    expect(store.uptimeNow(entry)).toBe(8000);
  });

  it("has no uptime without a live process", () => {
    const store = new Store(clock().now);
    store.apply({
      seq: 1,
      type: "snapshot",
      snapshot: snapshot([component({ uptime_ms: null, state: "stopped" })]),
    });
    expect(store.uptimeNow(store.components.get("web")!)).toBeNull();
  });

  it("keeps metric samples across a resync snapshot", () => {
    const time = clock();
    const store = new Store(time.now);
    store.apply({ seq: 1, type: "snapshot", snapshot: snapshot([component({ cpu_percent: 1 })]) });
    time.state.now = 5000;
    store.apply({
      seq: 2,
      type: "component",
      component: component({ cpu_percent: 2 }),
      previous: "running",
    });
    time.state.now = 10_000;
    store.apply({ seq: 3, type: "snapshot", snapshot: snapshot([component({ cpu_percent: 3 })]) });
    expect(store.components.get("web")!.samples.map((sample) => sample.cpu)).toEqual([1, 2, 3]);
  });

  it("sets and clears the reload error from events and snapshots", () => {
    const store = new Store(clock().now);
    const rejected = { ...snapshot([]), last_reload_error: { at: "t", errors: ["bad key"] } };
    store.apply({ seq: 1, type: "snapshot", snapshot: rejected });
    expect(store.reloadError?.errors).toEqual(["bad key"]);
    store.apply({
      seq: 2,
      type: "reload",
      ok: true,
      errors: [],
      added: [],
      removed: [],
      changed: [],
    });
    expect(store.reloadError).toBeNull();
    store.apply({
      seq: 3,
      type: "reload",
      ok: false,
      errors: ["x"],
      added: [],
      removed: [],
      changed: [],
    });
    expect(store.reloadError?.errors).toEqual(["x"]);
  });
});

describe("pushSample", () => {
  it("drops samples older than the window", () => {
    const samples = [{ at: 0, cpu: 1, memory: 1 }];
    pushSample(samples, { at: METRIC_WINDOW_MS + 1, cpu: 2, memory: 2 });
    expect(samples.map((sample) => sample.cpu)).toEqual([2]);
  });

  it("keeps at most the sample limit", () => {
    const samples: { at: number; cpu: number; memory: number }[] = [];
    for (let index = 0; index < METRIC_MAX_SAMPLES + 50; index++) {
      pushSample(samples, { at: index, cpu: index, memory: index });
    }
    expect(samples.length).toBe(METRIC_MAX_SAMPLES);
    expect(samples[samples.length - 1].cpu).toBe(METRIC_MAX_SAMPLES + 49);
  });
});

function line(at: string, text: string, stream: "out" | "err" = "out"): LogLine {
  return { component: "web", stream, at, text, continued: false };
}

describe("LogBuffer", () => {
  it("stays within its cap and keeps the newest lines", () => {
    const buffer = new LogBuffer(100);
    for (let index = 0; index < 1000; index++) {
      buffer.push(line(`2025-01-01T00:00:${String(index).padStart(4, "0")}Z`, `line ${index}`));
    }
    expect(buffer.size).toBe(100);
    const all = buffer.all();
    expect(all.length).toBe(100);
    expect(all[all.length - 1].line.text).toBe("line 999");
    expect(all[0].line.text).toBe("line 900");
  });

  it("keeps lines whatever their timestamps", () => {
    const buffer = new LogBuffer();
    buffer.push(line("t2", "b"));
    buffer.push(line("t1", "a"));
    buffer.push(line("t2", "b"));
    expect(buffer.size).toBe(3);
  });

  it("returns only the lines after a sequence number", () => {
    const buffer = new LogBuffer();
    buffer.push(line("t1", "a"));
    buffer.push(line("t2", "b"));
    buffer.push(line("t3", "c"));
    expect(buffer.after(1).map((entry) => entry.line.text)).toEqual(["b", "c"]);
    expect(buffer.after(buffer.lastSeq)).toEqual([]);
  });
});
