// The client's copy of the supervisor state, kept current by events: the
// components keyed by name in config order, their recent metric samples, and
// the last rejected reload.

import type { ComponentSnapshot, Event, ReloadError } from "../types";

/** How far back the sparklines reach. */
export const METRIC_WINDOW_MS = 5 * 60_000;
/** The maximum number of samples kept per component, whatever the event rate. */
export const METRIC_MAX_SAMPLES = 120;

export interface MetricSample {
  /** Milliseconds on the `now()` clock the store was given. */
  at: number;
  cpu: number | null;
  memory: number | null;
}

export interface ComponentEntry {
  snapshot: ComponentSnapshot;
  /** When the snapshot arrived, on the store's clock; uptime ticks from here. */
  receivedAt: number;
  samples: MetricSample[];
}

/** The part of the state an event changed, so the view updates only that. */
export type Change =
  | { kind: "reset" }
  | { kind: "upsert"; name: string; added: boolean }
  | { kind: "removed"; name: string }
  | { kind: "reload" }
  | { kind: "shutdown" }
  | { kind: "none" };

export class Store {
  readonly components = new Map<string, ComponentEntry>();
  /** Component names in the order the supervisor lists them. */
  order: string[] = [];
  reloadError: ReloadError | null = null;
  configPath: string | null = null;
  private readonly now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
  }

  /** Applies one event and returns what it changed. */
  apply(event: Event): Change {
    switch (event.type) {
      case "snapshot": {
        const snapshot = event.snapshot;
        this.replaceAll(snapshot.components);
        this.reloadError = snapshot.last_reload_error;
        this.configPath = snapshot.config_path;
        return { kind: "reset" };
      }
      case "component":
        return this.upsert(event.component);
      case "removed":
        this.components.delete(event.name);
        this.order = this.order.filter((name) => name !== event.name);
        return { kind: "removed", name: event.name };
      case "reload":
        this.reloadError = event.ok ? null : { at: new Date().toISOString(), errors: event.errors };
        return { kind: "reload" };
      case "shutdown":
        return { kind: "shutdown" };
      case "resync":
      case "log":
        // A snapshot follows every resync; log lines reach the log panel on their own stream.
        return { kind: "none" };
    }
  }

  /** Returns the snapshots in supervisor order. */
  snapshots(): ComponentSnapshot[] {
    return this.order.map((name) => this.components.get(name)!.snapshot);
  }

  /** Returns the milliseconds since the entry's snapshot arrived. */
  elapsed(entry: ComponentEntry, now: number = this.now()): number {
    return Math.max(0, now - entry.receivedAt);
  }

  /** Returns the uptime now, counted on from the moment the snapshot arrived. */
  uptimeNow(entry: ComponentEntry, now: number = this.now()): number | null {
    const base = entry.snapshot.uptime_ms;
    if (base === null) {
      return null;
    }
    return base + this.elapsed(entry, now);
  }

  private replaceAll(components: ComponentSnapshot[]): void {
    const previous = new Map(this.components);
    this.components.clear();
    this.order = [];
    for (const component of components) {
      const old = previous.get(component.name);
      // Samples survive a resync, so the sparklines keep their history.
      this.insert(component, old?.samples ?? []);
    }
  }

  private upsert(component: ComponentSnapshot): Change {
    const existing = this.components.get(component.name);
    if (existing) {
      existing.snapshot = component;
      existing.receivedAt = this.now();
      pushSample(existing.samples, sampleOf(component, existing.receivedAt));
      return { kind: "upsert", name: component.name, added: false };
    }
    this.insert(component, []);
    return { kind: "upsert", name: component.name, added: true };
  }

  private insert(component: ComponentSnapshot, samples: MetricSample[]): void {
    const receivedAt = this.now();
    pushSample(samples, sampleOf(component, receivedAt));
    this.components.set(component.name, { snapshot: component, receivedAt, samples });
    this.order.push(component.name);
  }
}

function sampleOf(component: ComponentSnapshot, at: number): MetricSample {
  return { at, cpu: component.cpu_percent, memory: component.memory_bytes };
}

/** Appends a sample and drops those past the window or the count limit. */
export function pushSample(samples: MetricSample[], sample: MetricSample): void {
  samples.push(sample);
  const oldest = sample.at - METRIC_WINDOW_MS;
  let drop = 0;
  while (drop < samples.length && samples[drop].at < oldest) {
    drop++;
  }
  drop = Math.max(drop, samples.length - METRIC_MAX_SAMPLES);
  if (drop > 0) {
    samples.splice(0, drop);
  }
}
