// The dashboard: applies events to the store and updates the header, the
// banner and the rows keyed by name, once per animation frame.

import { type Change, Store } from "../model/store";
import { aggregateOf, countsOf, summaryOf } from "../model/summary";
import type { Transport, Unsubscribe } from "../transport";
import type { Event, ReloadOutcome } from "../types";
import { el, messageOf, setHidden } from "./dom";
import { Header } from "./header";
import { LogPanel } from "./logpanel";
import { ReloadBanner, renderEmptyState } from "./notices";
import { ComponentRow } from "./row";

/** How often the uptimes tick. */
const UPTIME_TICK_MS = 1000;

export class App {
  readonly element: HTMLElement;
  private readonly store = new Store();
  private readonly header: Header;
  private readonly banner = new ReloadBanner();
  private readonly list = el("ul", { className: "rows", attrs: { "aria-label": "Components" } });
  private readonly empty = el("div");
  private readonly logPanel: LogPanel;
  private readonly rows = new Map<string, ComponentRow>();
  private readonly dirty = new Set<string>();
  private fullRender = false;
  private frameRequested = false;
  private received = false;
  private unsubscribe: Unsubscribe | null = null;
  private stopShowLogs: Unsubscribe | null = null;
  /** A component whose logs were requested before its row arrived. */
  private pendingLogs: string | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly transport: Transport) {
    this.header = new Header({
      restartFailed: () => this.restartFailed(),
      reload: () => this.reload(),
    });
    this.logPanel = new LogPanel(transport);
    const main = el("main", { className: "content" }, [this.banner.element, this.empty, this.list]);
    this.element = el("div", { className: "app" }, [
      this.header.element,
      main,
      this.logPanel.element,
    ]);
    setHidden(this.empty, true);
  }

  /** Subscribes to events, starts the uptime clock and listens for Escape. */
  start(): void {
    this.unsubscribe = this.transport.subscribe({
      onEvent: (event) => this.handle(event),
      onStatus: (status) => this.header.setConnection(status),
    });
    this.ticker = setInterval(() => this.tickUptimes(), UPTIME_TICK_MS);
    // A window the app opens for "Show logs" names the component in its URL,
    // and a window already open gets the request as a host event.
    this.pendingLogs = new URLSearchParams(window.location.search).get("logs");
    this.stopShowLogs = this.transport.onShowLogs?.((name) => this.showLogsOf(name)) ?? null;
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.logPanel.component !== null) {
        event.preventDefault();
        this.logPanel.close();
      }
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.stopShowLogs?.();
    if (this.ticker !== null) {
      clearInterval(this.ticker);
    }
    this.logPanel.close();
  }

  /** Applies one event; the DOM catches up on the next frame. */
  handle(event: Event): void {
    const change = this.store.apply(event);
    this.note(change);
  }

  private note(change: Change): void {
    switch (change.kind) {
      case "reset":
        this.received = true;
        this.fullRender = true;
        if (this.pendingLogs !== null) {
          this.showLogsOf(this.pendingLogs);
        }
        break;
      case "upsert":
        if (change.added) {
          this.fullRender = true;
        } else {
          this.dirty.add(change.name);
        }
        break;
      case "removed":
        this.fullRender = true;
        if (this.logPanel.component === change.name) {
          this.logPanel.close();
        }
        break;
      case "reload":
        break;
      case "shutdown":
        this.header.setConnection({ state: "shutdown" });
        return;
      case "none":
        return;
    }
    this.requestFrame();
  }

  private requestFrame(): void {
    if (this.frameRequested) {
      return;
    }
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.render();
    });
  }

  private render(): void {
    if (this.fullRender) {
      this.fullRender = false;
      this.dirty.clear();
      this.reconcileRows();
    } else {
      for (const name of this.dirty) {
        const entry = this.store.components.get(name);
        if (entry) {
          this.rows.get(name)?.update(entry, this.store.elapsed(entry));
        }
      }
      this.dirty.clear();
    }
    const snapshots = this.store.snapshots();
    const counts = countsOf(snapshots);
    this.header.update(aggregateOf(snapshots), counts, summaryOf(counts));
    this.banner.show(this.store.reloadError);
    this.renderEmpty();
  }

  /** Adds, updates, removes and orders rows to match the store, reusing rows by name. */
  private reconcileRows(): void {
    const wanted = new Set(this.store.order);
    for (const [name, row] of this.rows) {
      if (!wanted.has(name)) {
        row.element.remove();
        this.rows.delete(name);
      }
    }
    let previous: Element | null = null;
    for (const name of this.store.order) {
      const entry = this.store.components.get(name)!;
      let row = this.rows.get(name);
      if (row) {
        row.update(entry, this.store.elapsed(entry));
      } else {
        row = new ComponentRow(entry, {
          act: (component, verb) => this.transport.componentAction(component, verb),
          history: (component) => this.transport.history(component),
          openLogs: (component, opener) => this.showLogsOf(component, opener),
        });
        this.rows.set(name, row);
      }
      const expectedPosition: ChildNode | null = previous
        ? previous.nextSibling
        : this.list.firstChild;
      if (expectedPosition !== row.element) {
        this.list.insertBefore(row.element, expectedPosition);
      }
      previous = row.element;
    }
  }

  private renderEmpty(): void {
    const isEmpty = this.received && this.store.order.length === 0;
    setHidden(this.empty, !isEmpty);
    if (isEmpty) {
      this.empty.replaceChildren(renderEmptyState(this.store.configPath, () => void this.reload()));
    }
  }

  private tickUptimes(): void {
    const now = performance.now();
    for (const [name, row] of this.rows) {
      const entry = this.store.components.get(name);
      const ticking =
        entry?.snapshot.uptime_ms !== null || entry?.snapshot.next_attempt_ms !== null;
      if (entry && ticking) {
        row.tick(this.store.elapsed(entry, now));
      }
    }
  }

  /**
   * Opens a component's log panel, or once the component is known. Focus
   * returns to `opener`, when given, as the panel closes.
   */
  showLogsOf(name: string, opener: HTMLElement | null = null): void {
    const entry = this.store.components.get(name);
    if (!entry) {
      this.pendingLogs = name;
      return;
    }
    this.pendingLogs = null;
    this.logPanel.open(name, entry.snapshot.log_path, opener);
  }

  private async restartFailed(): Promise<void> {
    try {
      const results = await this.transport.actions("restart", "failed");
      const failures = results.filter((result) => !result.ok);
      if (failures.length > 0) {
        const lines = failures.map((result) => `${result.name}: ${result.message}`);
        this.header.showError(`restart failed for ${lines.join("; ")}`);
      }
    } catch (error) {
      this.header.showError(`restart of the failed components failed: ${messageOf(error)}`);
    }
  }

  private async reload(): Promise<void> {
    let outcome: ReloadOutcome;
    try {
      outcome = await this.transport.reload();
    } catch (error) {
      this.header.showError(`reload failed: ${messageOf(error)}`);
      return;
    }
    // The `reload` event updates the banner too; applying the outcome here covers a late event.
    this.handle({ seq: 0, type: "reload", ...outcome });
    this.header.showMessage(outcome.ok ? reloadSummary(outcome) : null);
  }
}

/** Describes an accepted reload in words, e.g. "reloaded: added api; restarted web". */
export function reloadSummary(outcome: ReloadOutcome): string {
  const parts: string[] = [];
  if (outcome.added.length > 0) parts.push(`added ${outcome.added.join(", ")}`);
  if (outcome.removed.length > 0) parts.push(`removed ${outcome.removed.join(", ")}`);
  if (outcome.changed.length > 0) parts.push(`restarted ${outcome.changed.join(", ")}`);
  return parts.length === 0 ? "reloaded: nothing changed" : `reloaded: ${parts.join("; ")}`;
}
