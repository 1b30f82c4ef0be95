// The interface the views use to reach the supervisor, whichever way it is
// reached (HTTP in a browser, IPC in the Tauri webview).

import type {
  ActionResult,
  ComponentDetail,
  Event,
  HistoryEntry,
  LogLine,
  ReloadOutcome,
  Snapshot,
  Target,
  Verb,
} from "../types";
import type { ApiError } from "./errors";

/** Stops a subscription. Calling it twice is harmless. */
export type Unsubscribe = () => void;

/** The state of the event stream, for the connection indicator. */
export type ConnectionStatus =
  | { state: "connecting" }
  | { state: "open" }
  /** The stream broke; `retryInMs` until the next attempt. */
  | { state: "retrying"; retryInMs: number; error: ApiError | null }
  /** The stream could not be opened and will not be retried. */
  | { state: "failed"; error: ApiError };

export interface EventHandlers {
  onEvent: (event: Event) => void;
  onStatus?: (status: ConnectionStatus) => void;
}

export interface LogHandlers {
  onLine: (line: LogLine) => void;
  onError?: (error: ApiError) => void;
  /** The server skipped `missed` lines because this client fell behind. */
  onLagged?: (missed: number) => void;
}

/** Every request rejects with an `ApiError`. */
export interface Transport {
  /** "http" or "tauri", for the footer and for tests. */
  readonly name: string;
  snapshot(): Promise<Snapshot>;
  detail(name: string): Promise<ComponentDetail>;
  componentAction(name: string, verb: Verb): Promise<ActionResult[]>;
  actions(verb: Verb, target: Target): Promise<ActionResult[]>;
  logs(name: string, n: number): Promise<LogLine[]>;
  history(name: string): Promise<HistoryEntry[]>;
  /** Resolves with the outcome even when the reload was rejected (`ok: false`). */
  reload(): Promise<ReloadOutcome>;
  /**
   * Opens the event stream. It starts with a snapshot, and after every
   * reconnect a new snapshot arrives first, so the caller can resync.
   */
  subscribe(handlers: EventHandlers): Unsubscribe;
  /** Delivers the last `n` lines of a component's output, then every new line. */
  tailLogs(name: string, n: number, handlers: LogHandlers): Unsubscribe;
  /**
   * Calls `handler` when the host asks to show a component's logs (the tray
   * menu's or a notification's "Show logs"). Only the app's webview has a host.
   */
  onShowLogs?(handler: (name: string) => void): Unsubscribe;
}
