// Builders for contract objects used across the unit tests.

import type { ComponentSnapshot, Snapshot } from "../src/types";

export function component(overrides: Partial<ComponentSnapshot> = {}): ComponentSnapshot {
  return {
    name: "web",
    kind: "daemon",
    state: "running",
    desired: "running",
    pid: 4242,
    since: "2025-01-01T00:00:00.000Z",
    uptime_ms: 1000,
    restarts: 0,
    last_exit: null,
    diagnosis: null,
    health: null,
    cpu_percent: 1.5,
    memory_bytes: 10 * 1024 * 1024,
    waiting_on: [],
    next_attempt_ms: null,
    restart_pending: false,
    log_path: "/tmp/state/logs/web.log",
    failed: false,
    ...overrides,
  };
}

export function snapshot(components: ComponentSnapshot[]): Snapshot {
  return {
    aggregate: "healthy",
    counts: {
      total: components.length,
      running: components.length,
      starting: 0,
      failed: 0,
      stopped: 0,
      completed: 0,
    },
    summary: `${components.length} running`,
    config_path: "/tmp/tend.toml",
    components,
    last_reload_error: null,
  };
}
