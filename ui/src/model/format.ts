// Text for numbers and states: uptime, bytes, CPU, state labels and exits.

import type { Aggregate, LastExit, StateName } from "../types";

/** Formats a duration as the two largest units: "45s", "3m 12s", "2h 05m", "4d 03h". */
export function formatUptime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) {
    return "–";
  }
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (days > 0) {
    return `${days}d ${pad(hours)}h`;
  }
  if (hours > 0) {
    return `${hours}h ${pad(minutes)}m`;
  }
  if (minutes > 0) {
    return `${minutes}m ${pad(seconds)}s`;
  }
  return `${seconds}s`;
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** Formats a byte count in binary units, e.g. "12.3 MiB"; three significant digits. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) {
    return "–";
  }
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) {
    return `${value} B`;
  }
  let digits = 2;
  if (value >= 100) {
    digits = 0;
  } else if (value >= 10) {
    digits = 1;
  }
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** Formats CPU as percent of one core, e.g. "0.4%", "12%", "230%". */
export function formatCpu(percent: number | null | undefined): string {
  if (percent === null || percent === undefined || !Number.isFinite(percent) || percent < 0) {
    return "–";
  }
  if (percent < 10) {
    return `${percent.toFixed(1)}%`;
  }
  return `${Math.round(percent)}%`;
}

const STATE_LABELS: Record<StateName, string> = {
  stopped: "Stopped",
  starting: "Starting",
  running: "Running",
  healthy: "Healthy",
  unhealthy: "Unhealthy",
  exited: "Exited",
  backoff: "Backoff",
  stopping: "Stopping",
  fatal: "Fatal",
  blocked: "Blocked",
  waiting: "Waiting",
  completed: "Completed",
};

/** Returns the badge text for a state, which marks a failed exit in words, not only by colour. */
export function stateLabel(state: StateName, failed = false): string {
  const label = STATE_LABELS[state] ?? state;
  if (failed && state === "exited") {
    return "Exited (failed)";
  }
  return label;
}

/** Picks the tone class of a state badge: "ok", "busy", "bad" or "idle". */
export function stateTone(state: StateName, failed: boolean): "ok" | "busy" | "bad" | "idle" {
  if (failed) {
    return "bad";
  }
  switch (state) {
    case "running":
    case "healthy":
    case "completed":
      return "ok";
    case "stopped":
      return "idle";
    case "fatal":
    case "blocked":
    case "unhealthy":
      return "bad";
    default:
      return "busy";
  }
}

const AGGREGATE_LABELS: Record<Aggregate, string> = {
  healthy: "Healthy",
  degraded: "Degraded",
  failed: "Failed",
  idle: "Idle",
};

export function aggregateLabel(aggregate: Aggregate): string {
  return AGGREGATE_LABELS[aggregate] ?? aggregate;
}

/** Describes how a run ended: "exit 1 after 3s", "SIGKILL after 2m 01s". */
export function formatExit(exit: Pick<LastExit, "code" | "signal" | "uptime_ms">): string {
  let how = "ended";
  if (exit.signal) {
    how = exit.signal;
  } else if (exit.code !== null) {
    how = `exit ${exit.code}`;
  }
  return `${how} after ${formatUptime(exit.uptime_ms)}`;
}

/** Formats an RFC 3339 time as local "HH:MM:SS", keeping the input when it does not parse. */
export function formatClock(at: string): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) {
    return at;
  }
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function pad(value: number): string {
  return value.toString().padStart(2, "0");
}
