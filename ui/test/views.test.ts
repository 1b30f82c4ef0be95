// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";

import { LOG_CAP } from "../src/model/logbuffer";
import { Store } from "../src/model/store";
import type { Transport } from "../src/transport/types";
import type { ActionResult, ComponentSnapshot, LogLine } from "../src/types";
import { App } from "../src/view/app";
import { LogPanel } from "../src/view/logpanel";
import { ComponentRow, type RowActions } from "../src/view/row";
import { component, snapshot } from "./fixtures";

function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

function entryOf(snapshotOfComponent: ComponentSnapshot) {
  const store = new Store(() => 0);
  store.apply({ seq: 1, type: "snapshot", snapshot: snapshot([snapshotOfComponent]) });
  return store.components.get(snapshotOfComponent.name)!;
}

function rowActions(act: RowActions["act"]): RowActions {
  return { act, history: async () => [], openLogs: () => {} };
}

function buttonOf(root: ParentNode, verb: string): HTMLButtonElement {
  return root.querySelector(`button[data-verb="${verb}"]`) as HTMLButtonElement;
}

/** Creates a transport whose event stream the test drives by hand. */
function fakeTransport(
  overrides: Partial<Transport> = {},
): Transport & { emit: (event: never) => void } {
  let onEvent: ((event: never) => void) | null = null;
  return {
    name: "test",
    snapshot: async () => snapshot([]),
    detail: async () => {
      throw new Error("not used");
    },
    componentAction: async () => [],
    actions: async () => [],
    logs: async () => [],
    history: async () => [],
    reload: async () => ({ ok: true, added: [], removed: [], changed: [], errors: [] }),
    subscribe: (handlers) => {
      onEvent = handlers.onEvent as (event: never) => void;
      return () => {};
    },
    tailLogs: () => () => {},
    emit: (event: never) => onEvent?.(event),
    ...overrides,
  };
}

describe("ComponentRow", () => {
  it("enables buttons by state and shows the diagnosis line", () => {
    const diagnosis = {
      kind: "missing-module" as const,
      summary: "missing Python module flask",
      hint: "pip install flask",
      evidence: {
        exit: { code: 1, signal: null, uptime_ms: 80, signal_sent_by_tend: false },
        lines: ["ModuleNotFoundError: No module named 'flask'"],
        check: null,
      },
    };
    const row = new ComponentRow(
      entryOf(component({ state: "fatal", failed: true, pid: null, diagnosis })),
      rowActions(async () => []),
    );
    expect(buttonOf(row.element, "start").disabled).toBe(false);
    expect(buttonOf(row.element, "stop").disabled).toBe(true);
    expect(buttonOf(row.element, "restart").disabled).toBe(false);
    expect(row.element.querySelector(".diagnosis")?.textContent).toBe(
      "missing Python module flask: pip install flask",
    );
    expect(row.element.querySelector(".badge")?.textContent).toBe("Fatal");
    expect(row.element.querySelector(".evidence-lines")?.textContent).toContain(
      "No module named 'flask'",
    );
  });

  it("counts uptime up and the next attempt down", () => {
    const row = new ComponentRow(
      entryOf(
        component({ state: "backoff", uptime_ms: null, next_attempt_ms: 5000, waiting_on: ["db"] }),
      ),
      rowActions(async () => []),
    );
    expect(row.element.querySelector(".next-attempt")?.textContent).toBe("next try in 5s");
    expect(row.element.querySelector(".waiting")?.textContent).toBe("waiting on db");
    row.tick(2000);
    expect(row.element.querySelector(".next-attempt")?.textContent).toBe("next try in 3s");
    expect(row.element.querySelector(".uptime")?.textContent).toBe("up –");

    const running = new ComponentRow(
      entryOf(component({ uptime_ms: 60_000 })),
      rowActions(async () => []),
    );
    running.tick(5000);
    expect(running.element.querySelector(".uptime")?.textContent).toBe("up 1m 05s");
    expect((running.element.querySelector(".next-attempt") as HTMLElement).hidden).toBe(true);
  });

  it("shows progress while a request runs and its error in place", async () => {
    let finish: (results: ActionResult[]) => void = () => {};
    const row = new ComponentRow(
      entryOf(component()),
      rowActions(() => new Promise((resolve) => (finish = resolve))),
    );
    buttonOf(row.element, "restart").click();
    expect(buttonOf(row.element, "restart").textContent).toBe("Restarting…");
    expect(buttonOf(row.element, "stop").disabled).toBe(true);
    finish([
      { name: "web", ok: false, message: "2 processes could not be killed", state: "running" },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const error = row.element.querySelector(".row-error") as HTMLElement;
    expect(error.hidden).toBe(false);
    expect(error.textContent).toBe("restart failed: 2 processes could not be killed");
    expect(buttonOf(row.element, "restart").textContent).toBe("Restart");
  });

  it("shows a rejected request's message", async () => {
    const row = new ComponentRow(
      entryOf(component()),
      rowActions(() => Promise.reject(new Error("the supervisor is shutting down"))),
    );
    buttonOf(row.element, "stop").click();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(row.element.querySelector(".row-error")?.textContent).toBe(
      "stop failed: the supervisor is shutting down",
    );
  });
});

function logLine(index: number, stream: "out" | "err" = "out"): LogLine {
  const at = new Date(Date.UTC(2025, 0, 1) + index).toISOString();
  return { component: "web", stream, at, text: `line ${index} <b>`, continued: false };
}

describe("LogPanel", () => {
  function openPanel() {
    const frames: (() => void)[] = [];
    const panel = new LogPanel(fakeTransport(), (callback) => frames.push(callback));
    document.body.append(panel.element);
    panel.open("web", "/tmp/state/logs/web.log", null);
    const flush = () => frames.splice(0).forEach((callback) => callback());
    return { panel, flush };
  }

  // happy-dom is far slower than a browser at 10,000 nodes, so this test gets more time.
  it("caps the DOM at the line limit and batches appends per frame", () => {
    const { panel, flush } = openPanel();
    for (let index = 0; index < LOG_CAP + 500; index++) {
      panel.add(logLine(index));
    }
    const lines = panel.element.querySelector(".log-lines")!;
    expect(lines.children.length).toBe(0);
    flush();
    expect(lines.children.length).toBe(LOG_CAP);
    expect(lines.lastElementChild?.textContent).toContain(`line ${LOG_CAP + 499}`);
    panel.close();
  }, 30_000);

  it("tells stderr apart and keeps markup as text", () => {
    const { panel, flush } = openPanel();
    panel.add(logLine(1, "err"));
    flush();
    const line = panel.element.querySelector(".log-line")!;
    expect(line.classList.contains("log-err")).toBe(true);
    expect(line.querySelector(".log-stream")?.textContent).toBe("err");
    expect(line.querySelector("b")).toBeNull();
    expect(panel.element.querySelector(".log-path")?.textContent).toBe("/tmp/state/logs/web.log");
    panel.close();
  });

  it("filters the tail by search text", () => {
    const { panel, flush } = openPanel();
    for (let index = 0; index < 30; index++) panel.add(logLine(index));
    flush();
    const search = panel.element.querySelector(".log-search") as HTMLInputElement;
    search.value = "line 2";
    search.dispatchEvent(new Event("input"));
    flush();
    const shown = [...panel.element.querySelectorAll(".log-text")].map((node) => node.textContent);
    expect(shown).toEqual([
      "line 2 <b>",
      ...Array.from({ length: 10 }, (_, i) => `line ${20 + i} <b>`),
    ]);
    expect(panel.element.querySelector(".log-matches")?.textContent).toBe("11 matching");
    panel.close();
  });
});

describe("App", () => {
  it("renders one row per component and updates rows in place", async () => {
    const transport = fakeTransport();
    const app = new App(transport);
    document.body.replaceChildren(app.element);
    app.start();
    const components = Array.from({ length: 200 }, (_, index) => component({ name: `c${index}` }));
    transport.emit({ seq: 1, type: "snapshot", snapshot: snapshot(components) } as never);
    await nextFrame();
    const rows = app.element.querySelectorAll(".row");
    expect(rows.length).toBe(200);
    const row = app.element.querySelector('[data-name="c5"]');
    transport.emit({
      seq: 2,
      type: "component",
      component: component({ name: "c5", state: "fatal", failed: true }),
      previous: "running",
    } as never);
    await nextFrame();
    expect(app.element.querySelector('[data-name="c5"]')).toBe(row);
    expect(row?.querySelector(".badge")?.textContent).toBe("Fatal");
    expect(app.element.querySelector(".aggregate")?.textContent).toBe("Failed");
    expect(app.element.querySelector('[data-action="restart-failed"]')?.textContent).toBe(
      "Restart failed (1)",
    );
    app.stop();
  });

  it("shows the empty state and the rejected-reload banner", async () => {
    const transport = fakeTransport();
    const app = new App(transport);
    document.body.replaceChildren(app.element);
    app.start();
    transport.emit({ seq: 1, type: "snapshot", snapshot: snapshot([]) } as never);
    await nextFrame();
    expect(app.element.querySelector(".empty")?.textContent).toContain("[components.NAME]");
    transport.emit({
      seq: 2,
      type: "reload",
      ok: false,
      errors: ["tend.toml:2:1: unknown key `comand`"],
      added: [],
      removed: [],
      changed: [],
    } as never);
    await nextFrame();
    const banner = app.element.querySelector(".banner") as HTMLElement;
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toContain("unknown key `comand`");
    expect(banner.textContent).toContain("previous config keeps running");
    app.stop();
  });

  it("opens the log panel when the host asks, once the component is known", async () => {
    let showLogs: ((name: string) => void) | null = null;
    const transport = fakeTransport({
      onShowLogs: (handler) => {
        showLogs = handler;
        return () => {};
      },
    });
    const app = new App(transport);
    document.body.replaceChildren(app.element);
    app.start();
    const panel = app.element.querySelector(".log-panel") as HTMLElement;
    expect(showLogs).not.toBeNull();
    showLogs!("web");
    expect(panel.hidden).toBe(true);
    transport.emit({ seq: 1, type: "snapshot", snapshot: snapshot([component()]) } as never);
    expect(panel.hidden).toBe(false);
    expect(panel.textContent).toContain("Logs of web");
    app.stop();
  });

  it("closes the log panel on Escape", async () => {
    const transport = fakeTransport();
    const app = new App(transport);
    document.body.replaceChildren(app.element);
    app.start();
    transport.emit({ seq: 1, type: "snapshot", snapshot: snapshot([component()]) } as never);
    await nextFrame();
    const logs = app.element.querySelector('button[aria-label="Logs of web"]') as HTMLButtonElement;
    logs.click();
    const panel = app.element.querySelector(".log-panel") as HTMLElement;
    expect(panel.hidden).toBe(false);
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(panel.hidden).toBe(true);
    expect(document.activeElement).toBe(logs);
    app.stop();
  });
});
