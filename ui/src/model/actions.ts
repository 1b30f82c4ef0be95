// The rules for which of Start, Stop and Restart a row offers in each state.

import type { ComponentSnapshot, Verb } from "../types";

/** The facts of a snapshot that decide which actions make sense. */
export type ActionFacts = Pick<
  ComponentSnapshot,
  "state" | "restart_pending" | "next_attempt_ms" | "failed"
>;

/** Start: the component has no process and none is coming on its own. */
export function canStart(facts: ActionFacts): boolean {
  switch (facts.state) {
    case "stopped":
    case "fatal":
    case "blocked":
    case "completed":
    case "exited":
      return true;
    default:
      return false;
  }
}

/** Stop: the component has a process, or the supervisor will start one by itself. */
export function canStop(facts: ActionFacts): boolean {
  switch (facts.state) {
    case "starting":
    case "running":
    case "healthy":
    case "unhealthy":
    case "backoff":
    case "waiting":
    case "blocked":
      return true;
    case "exited":
      return facts.restart_pending;
    case "fatal":
      // The slow retry after giving up only runs when one is scheduled.
      return facts.next_attempt_ms !== null;
    default:
      return false;
  }
}

/**
 * Restart: everywhere but `stopped` and `stopping`. A stopped component was
 * stopped on purpose and is never failed, so Start is the one clear action
 * there. While stopping, the stop has to finish first. A completed task may be
 * restarted to run it again.
 */
export function canRestart(facts: ActionFacts): boolean {
  return facts.state !== "stopped" && facts.state !== "stopping";
}

/** Tells whether `verb` is offered for a component in its current state. */
export function isEnabled(verb: Verb, facts: ActionFacts): boolean {
  switch (verb) {
    case "start":
      return canStart(facts);
    case "stop":
      return canStop(facts);
    case "restart":
      return canRestart(facts);
  }
}
