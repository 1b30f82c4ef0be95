// The Tauri transport for the app's webview: IPC commands through `invoke`,
// and one `Channel` per subscription for events and log lines.

import { Channel, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";

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
import { toApiError } from "./errors";
import { ReplayFilter } from "./replay";
import type { EventHandlers, LogHandlers, Transport, Unsubscribe } from "./types";

/** The `invoke` signature, so tests can pass a fake IPC. */
export type Invoke = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;

/** Tells whether the page runs inside a Tauri webview. */
export function inTauri(scope: object = globalThis): boolean {
  return "__TAURI_INTERNALS__" in scope;
}

/** Reaches the supervisor through the Tauri app's IPC commands. */
export class TauriTransport implements Transport {
  readonly name = "tauri";
  private readonly invokeImpl: Invoke;

  constructor(invokeImpl: Invoke = invoke) {
    this.invokeImpl = invokeImpl;
  }

  snapshot(): Promise<Snapshot> {
    return this.call("snapshot");
  }

  detail(name: string): Promise<ComponentDetail> {
    return this.call("detail", { name });
  }

  componentAction(name: string, verb: Verb): Promise<ActionResult[]> {
    return this.call("component_action", { name, verb });
  }

  actions(verb: Verb, target: Target): Promise<ActionResult[]> {
    return this.call("actions", { verb, target });
  }

  logs(name: string, n: number): Promise<LogLine[]> {
    return this.call("logs", { name, n });
  }

  history(name: string): Promise<HistoryEntry[]> {
    return this.call("history", { name });
  }

  onShowLogs(handler: (name: string) => void): Unsubscribe {
    let closed = false;
    let unlisten: (() => void) | null = null;
    listen<string>("show-logs", (event) => handler(event.payload))
      .then((stop) => {
        if (closed) {
          stop();
        } else {
          unlisten = stop;
        }
      })
      .catch((error: unknown) => {
        console.warn("cannot listen for show-logs requests", error);
      });
    return () => {
      closed = true;
      unlisten?.();
    };
  }

  reload(): Promise<ReloadOutcome> {
    return this.call("reload");
  }

  subscribe(handlers: EventHandlers): Unsubscribe {
    let active = true;
    let opened = false;
    const markOpen = () => {
      if (active && !opened) {
        opened = true;
        handlers.onStatus?.({ state: "open" });
      }
    };
    const channel = new Channel<Event>();
    channel.onmessage = (event) => {
      if (active) {
        // The command may stay pending while it forwards events, so the first event also opens.
        markOpen();
        handlers.onEvent(event);
      }
    };
    handlers.onStatus?.({ state: "connecting" });
    this.call("subscribe", { onEvent: channel }).then(markOpen, (error: unknown) => {
      if (active) {
        handlers.onStatus?.({ state: "failed", error: toApiError(error) });
      }
    });
    // The app drops the channel when a send fails, so ignoring messages is enough here.
    return () => {
      active = false;
    };
  }

  tailLogs(name: string, n: number, handlers: LogHandlers): Unsubscribe {
    let active = true;
    let backlogDone = false;
    const early: LogLine[] = [];
    const replay = new ReplayFilter();
    const channel = new Channel<LogLine>();
    channel.onmessage = (line) => {
      if (!active) {
        return;
      }
      if (backlogDone) {
        handlers.onLine(line);
      } else {
        early.push(line);
      }
    };
    const fail = (error: unknown) => active && handlers.onError?.(toApiError(error));

    // Subscribe before reading the backlog so that no line falls between the two.
    this.call("subscribe_logs", { name, onLine: channel })
      .then(() => this.logs(name, n))
      .then((backlog) => {
        if (!active) {
          return;
        }
        for (const line of backlog) {
          replay.accept(line);
          handlers.onLine(line);
        }
        // Lines that arrived while the backlog was read and are already in it are dropped.
        replay.startReplay();
        for (const line of early) {
          if (replay.accept(line)) {
            handlers.onLine(line);
          }
        }
        backlogDone = true;
      })
      .catch(fail);

    return () => {
      if (!active) {
        return;
      }
      active = false;
      this.call("unsubscribe_logs", { name }).catch(() => {
        // The panel is closing; a failed unsubscribe only leaves a channel the app drops later.
      });
    };
  }

  private async call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
    try {
      return await this.invokeImpl<T>(command, args);
    } catch (error) {
      throw toApiError(error);
    }
  }
}
