// The header: aggregate state and counts (as the tray shows them), the
// connection status, "Restart failed (N)" and Reload, with their errors.

import { aggregateLabel } from "../model/format";
import type { ConnectionStatus } from "../transport";
import type { Aggregate, Counts } from "../types";
import { button, el, setHidden, setText } from "./dom";

export interface HeaderActions {
  restartFailed(): Promise<void>;
  reload(): Promise<void>;
}

export class Header {
  readonly element: HTMLElement;
  private readonly aggregate = el("span", { className: "aggregate" });
  private readonly summary = el("span", { className: "summary" });
  private readonly connection = el("span", {
    className: "connection muted",
    attrs: { role: "status" },
  });
  private readonly message = el("p", { className: "header-message", attrs: { role: "status" } });
  private readonly error = el("p", { className: "header-error", attrs: { role: "alert" } });
  private readonly restartFailed: HTMLButtonElement;
  private readonly reload: HTMLButtonElement;
  private failedCount = 0;
  private restartBusy = false;

  constructor(private readonly actions: HeaderActions) {
    this.restartFailed = button(
      "Restart failed (0)",
      () => void this.runRestartFailed(),
      "button button-primary",
    );
    this.restartFailed.dataset.action = "restart-failed";
    this.reload = button("Reload config", () => void this.runReload());
    this.reload.dataset.action = "reload";
    this.element = el("header", { className: "header" }, [
      el("div", { className: "header-state" }, [
        el("h1", { className: "title", text: "Tend" }),
        this.aggregate,
        this.summary,
        this.connection,
      ]),
      el("div", { className: "header-actions" }, [this.restartFailed, this.reload]),
      this.message,
      this.error,
    ]);
    setHidden(this.message, true);
    setHidden(this.error, true);
    this.update(
      "idle",
      { total: 0, running: 0, starting: 0, failed: 0, stopped: 0, completed: 0 },
      "",
    );
  }

  /** Shows the aggregate state, the summary and the failed count. */
  update(aggregate: Aggregate, counts: Counts, summary: string): void {
    const className = `aggregate aggregate-${aggregate}`;
    if (this.aggregate.className !== className) {
      this.aggregate.className = className;
    }
    setText(this.aggregate, aggregateLabel(aggregate));
    setText(this.summary, summary);
    this.failedCount = counts.failed;
    this.updateRestartButton();
  }

  /** Shows the state of the event stream. */
  setConnection(status: ConnectionStatus | { state: "shutdown" }): void {
    switch (status.state) {
      case "connecting":
        setText(this.connection, "connecting…");
        break;
      case "open":
        setText(this.connection, "live");
        break;
      case "retrying": {
        const seconds = Math.max(1, Math.round(status.retryInMs / 1000));
        const why = status.error ? `${status.error.message}; ` : "";
        setText(this.connection, `disconnected: ${why}retrying in ${seconds}s`);
        break;
      }
      case "failed":
        setText(this.connection, `no live updates: ${status.error.message}`);
        break;
      case "shutdown":
        setText(this.connection, "the supervisor is shutting down");
        break;
    }
    this.connection.dataset.state = status.state;
  }

  /** Shows a passing message (e.g. the outcome of a reload), replacing the previous one. */
  showMessage(text: string | null): void {
    setText(this.message, text ?? "");
    setHidden(this.message, text === null);
  }

  /** Shows an error from a header action in place, until the next action. */
  showError(text: string | null): void {
    setText(this.error, text ?? "");
    setHidden(this.error, text === null);
  }

  private updateRestartButton(): void {
    const label = this.restartBusy ? "Restarting failed…" : `Restart failed (${this.failedCount})`;
    setText(this.restartFailed, label);
    this.restartFailed.disabled = this.restartBusy || this.failedCount === 0;
    this.restartFailed.setAttribute("aria-busy", String(this.restartBusy));
  }

  private async runRestartFailed(): Promise<void> {
    this.restartBusy = true;
    this.showError(null);
    this.updateRestartButton();
    try {
      await this.actions.restartFailed();
    } finally {
      this.restartBusy = false;
      this.updateRestartButton();
    }
  }

  private async runReload(): Promise<void> {
    this.showError(null);
    this.reload.disabled = true;
    setText(this.reload, "Reloading…");
    this.reload.setAttribute("aria-busy", "true");
    try {
      await this.actions.reload();
    } finally {
      this.reload.disabled = false;
      setText(this.reload, "Reload config");
      this.reload.setAttribute("aria-busy", "false");
    }
  }
}
