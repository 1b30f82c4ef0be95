// Reconnect delays for the event and log streams: exponential with jitter.

/** The first delay after a stream breaks. */
export const RECONNECT_INITIAL_MS = 500;
/** The longest delay between attempts. */
export const RECONNECT_MAX_MS = 10_000;
/** Each delay is scaled by a random factor in [1 - JITTER, 1 + JITTER]. */
const JITTER = 0.2;

/** The delay before reconnect attempt `attempt` (0 for the first). */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(RECONNECT_INITIAL_MS * 2 ** attempt, RECONNECT_MAX_MS);
  const factor = 1 - JITTER + random() * 2 * JITTER;
  return Math.round(base * factor);
}
