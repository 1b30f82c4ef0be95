// The Tauri runtime cannot run here, so these tests stand in for its IPC
// layer: `__TAURI_INTERNALS__` callbacks as the real webview provides them,
// and an `invoke` that returns what the app's commands return.
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { ApiError } from "../src/transport/errors";
import { inTauri, type Invoke, TauriTransport } from "../src/transport/tauri";
import type { ConnectionStatus } from "../src/transport/types";
import type { Event, LogLine } from "../src/types";
import { component, snapshot } from "./fixtures";

type Callback = (message: unknown) => void;

const callbacks = new Map<number, Callback>();
let nextId = 1;

beforeEach(() => {
  (globalThis as Record<string, unknown>).window = {
    __TAURI_INTERNALS__: {
      transformCallback: (callback: Callback) => {
        const id = nextId++;
        callbacks.set(id, callback);
        return id;
      },
      unregisterCallback: (id: number) => callbacks.delete(id),
    },
  };
});

afterEach(() => {
  delete (globalThis as Record<string, unknown>).window;
  callbacks.clear();
});

/** Sends channel messages the way the Rust side does: indexed, in order. */
function send(channel: { id: number }, messages: unknown[]): void {
  messages.forEach((message, index) => callbacks.get(channel.id)?.({ index, message }));
}

function line(at: string, text: string): LogLine {
  return { component: "web", stream: "out", at, text, continued: false };
}

describe("TauriTransport", () => {
  it("detects the webview", () => {
    expect(inTauri({ __TAURI_INTERNALS__: {} })).toBe(true);
    expect(inTauri({})).toBe(false);
  });

  it("names commands and arguments as the app defines them", async () => {
    const calls: [string, Record<string, unknown> | undefined][] = [];
    const invoke: Invoke = async <T>(command: string, args?: Record<string, unknown>) => {
      calls.push([command, args]);
      return [] as T;
    };
    const transport = new TauriTransport(invoke);
    await transport.componentAction("web", "stop");
    await transport.actions("restart", "failed");
    await transport.actions("start", { names: ["a"] });
    await transport.logs("web", 50);
    await transport.reload();
    expect(calls).toEqual([
      ["component_action", { name: "web", verb: "stop" }],
      ["actions", { verb: "restart", target: "failed" }],
      ["actions", { verb: "start", target: { names: ["a"] } }],
      ["logs", { name: "web", n: 50 }],
      ["reload", undefined],
    ]);
  });

  it("rejects with the app's {kind, message}", async () => {
    const invoke: Invoke = () =>
      Promise.reject({ kind: "no-such-component", message: 'no component named "x"' });
    const error = await new TauriTransport(invoke).detail("x").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).kind).toBe("no-such-component");
  });

  it("delivers events from the subscribe channel", async () => {
    let channel: { id: number } | null = null;
    const invoke: Invoke = async <T>(command: string, args?: Record<string, unknown>) => {
      if (command === "subscribe") channel = args?.onEvent as { id: number };
      return undefined as T;
    };
    const events: Event[] = [];
    const stop = new TauriTransport(invoke).subscribe({ onEvent: (event) => events.push(event) });
    await Promise.resolve();
    expect(channel).not.toBeNull();
    send(channel!, [
      { seq: 1, type: "snapshot", snapshot: snapshot([component()]) },
      { seq: 2, type: "removed", name: "web" },
    ]);
    stop();
    send(channel!, [{ seq: 3, type: "shutdown" }]);
    expect(events.map((event) => event.seq)).toEqual([1, 2]);
  });

  it("reports a failed subscribe without retrying", async () => {
    const invoke: Invoke = () =>
      Promise.reject({ kind: "shutting-down", message: "the supervisor is shutting down" });
    const statuses: ConnectionStatus[] = [];
    new TauriTransport(invoke).subscribe({
      onEvent: () => {},
      onStatus: (status) => statuses.push(status),
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(statuses.map((status) => status.state)).toEqual(["connecting", "failed"]);
    const failed = statuses[1];
    expect(failed.state === "failed" ? failed.error.kind : null).toBe("shutting-down");
  });

  it("tails logs without losing or repeating lines around the backlog", async () => {
    let channel: { id: number } | null = null;
    const calls: string[] = [];
    const invoke: Invoke = async <T>(command: string, args?: Record<string, unknown>) => {
      calls.push(command);
      if (command === "subscribe_logs") {
        channel = args?.onLine as { id: number };
        // A line arrives while the backlog is being read.
        send(channel, [line("t2", "both")]);
        return undefined as T;
      }
      if (command === "logs") {
        return [line("t1", "old"), line("t2", "both")] as T;
      }
      return undefined as T;
    };
    const lines: LogLine[] = [];
    const stop = new TauriTransport(invoke).tailLogs("web", 500, {
      onLine: (entry) => lines.push(entry),
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    callbacks.get(channel!.id)?.({ index: 1, message: line("t3", "new") });
    stop();
    expect(lines.map((entry) => entry.text)).toEqual(["old", "both", "new"]);
    expect(calls).toEqual(["subscribe_logs", "logs", "unsubscribe_logs"]);
  });
});
