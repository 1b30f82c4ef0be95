// The aggregate state and counts of a set of components, recomputed locally
// after each `component` event (which carries one component only). This
// mirrors `aggregate` and `Counts` in the core's `src/state.rs`, using the
// `failed` flag the core computes for each component.

import type { Aggregate, ComponentSnapshot, Counts } from "../types";

type Facts = Pick<ComponentSnapshot, "state" | "failed">;

/** Maps the components to healthy, degraded, failed or idle, as the tray icon does. */
export function aggregateOf(components: Iterable<Facts>): Aggregate {
  let anyActive = false;
  let anyDegraded = false;
  for (const component of components) {
    if (component.failed) {
      return "failed";
    }
    switch (component.state) {
      case "stopped":
      case "completed":
        break;
      case "running":
      case "healthy":
        anyActive = true;
        break;
      case "fatal":
      case "blocked":
      case "unhealthy":
        // The core always flags these as failed; treat one that is not as failed anyway.
        return "failed";
      default:
        anyActive = true;
        anyDegraded = true;
    }
  }
  if (anyDegraded) {
    return "degraded";
  }
  return anyActive ? "healthy" : "idle";
}

/** Counts components per group for the header line. */
export function countsOf(components: Iterable<Facts>): Counts {
  const counts: Counts = { total: 0, running: 0, starting: 0, failed: 0, stopped: 0, completed: 0 };
  for (const component of components) {
    counts.total++;
    if (component.failed) {
      counts.failed++;
      continue;
    }
    switch (component.state) {
      case "running":
      case "healthy":
        counts.running++;
        break;
      case "stopped":
        counts.stopped++;
        break;
      case "completed":
        counts.completed++;
        break;
      default:
        counts.starting++;
    }
  }
  return counts;
}

/** Words the counts as the core does, e.g. "7 running, 1 failing". */
export function summaryOf(counts: Counts): string {
  if (counts.total === 0) {
    return "no components";
  }
  const parts: string[] = [];
  if (counts.running > 0) parts.push(`${counts.running} running`);
  if (counts.starting > 0) parts.push(`${counts.starting} starting`);
  if (counts.failed > 0) parts.push(`${counts.failed} failing`);
  if (counts.completed > 0) parts.push(`${counts.completed} completed`);
  if (counts.stopped > 0) parts.push(`${counts.stopped} stopped`);
  return parts.join(", ");
}
