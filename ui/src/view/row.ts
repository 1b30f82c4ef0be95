// One component's row: badge, name, numbers, sparklines, diagnosis, the
// Start/Stop/Restart buttons with their progress and errors, and the
// expandable evidence and history. Updated in place as events arrive.

import { isEnabled } from "../model/actions";
import { formatBytes, formatCpu, formatUptime, stateLabel, stateTone } from "../model/format";
import type { ComponentEntry } from "../model/store";
import type { ActionResult, ComponentSnapshot, HealthSnapshot, HistoryEntry, Verb } from "../types";
import { button, el, messageOf, setHidden, setText } from "./dom";
import { renderEvidence, renderHistory } from "./evidence";
import { createSparkline, updateSparkline } from "./sparkline";

/** The callbacks a row uses to reach the app. */
export interface RowActions {
  act(name: string, verb: Verb): Promise<ActionResult[]>;
  history(name: string): Promise<HistoryEntry[]>;
  openLogs(name: string, opener: HTMLElement): void;
}

const VERBS: Verb[] = ["restart", "stop", "start"];
const VERB_LABELS: Record<Verb, [string, string]> = {
  start: ["Start", "Starting…"],
  stop: ["Stop", "Stopping…"],
  restart: ["Restart", "Restarting…"],
};

export class ComponentRow {
  readonly element: HTMLLIElement;
  private snapshot: ComponentSnapshot;
  private readonly badge = el("span", { className: "badge" });
  private readonly pid = el("span", { className: "pid" });
  private readonly uptime = el("span", { className: "uptime" });
  private readonly restarts = el("span", { className: "restarts" });
  private readonly nextAttempt = el("span", { className: "next-attempt" });
  private readonly waiting = el("span", { className: "waiting" });
  private readonly cpu = el("span", { className: "metric-value" });
  private readonly memory = el("span", { className: "metric-value" });
  private readonly cpuSpark = createSparkline("CPU over the last minutes");
  private readonly memorySpark = createSparkline("Memory over the last minutes");
  private readonly health = el("span", { className: "health" });
  private readonly diagnosis = el("p", { className: "diagnosis" });
  private readonly error = el("p", { className: "row-error", attrs: { role: "alert" } });
  private readonly details = el("details", { className: "more" });
  private readonly evidenceSlot = el("div");
  private readonly historySlot = el("div", { className: "history-slot" });
  private readonly buttons = new Map<Verb, HTMLButtonElement>();
  private pending: Verb | null = null;
  private renderedDiagnosis = "";

  constructor(
    entry: ComponentEntry,
    private readonly actions: RowActions,
  ) {
    this.snapshot = entry.snapshot;
    const name = entry.snapshot.name;
    this.element = el("li", { className: "row", attrs: { "data-name": name } });
    this.element.append(
      this.renderHead(entry.snapshot),
      this.renderMetrics(),
      this.diagnosis,
      this.error,
      this.details,
    );
    this.details.append(
      el("summary", { text: "Evidence and recent exits" }),
      this.evidenceSlot,
      el("h4", { text: "Recent exits" }),
      this.historySlot,
    );
    this.details.addEventListener("toggle", () => {
      if (this.details.open) {
        void this.loadHistory();
      }
    });
    setHidden(this.error, true);
    this.update(entry);
  }

  /** Redraws from the entry, touching only what changed; `elapsedMs` is the time since it arrived. */
  update(entry: ComponentEntry, elapsedMs = 0): void {
    const snapshot = entry.snapshot;
    this.snapshot = snapshot;
    const tone = stateTone(snapshot.state, snapshot.failed);
    const badgeClass = `badge badge-${tone}`;
    if (this.badge.className !== badgeClass) {
      this.badge.className = badgeClass;
    }
    setText(this.badge, stateLabel(snapshot.state, snapshot.failed));
    this.element.dataset.state = snapshot.state;
    setText(this.pid, snapshot.pid === null ? "pid –" : `pid ${snapshot.pid}`);
    this.tick(elapsedMs);
    setText(this.restarts, `restarts ${snapshot.restarts}`);
    const waitingOn = snapshot.waiting_on.join(", ");
    setText(this.waiting, waitingOn === "" ? "" : `waiting on ${waitingOn}`);
    setHidden(this.waiting, waitingOn === "");
    setText(this.cpu, formatCpu(snapshot.cpu_percent));
    setText(this.memory, formatBytes(snapshot.memory_bytes));
    updateSparkline(
      this.cpuSpark,
      entry.samples.map((sample) => sample.cpu),
    );
    updateSparkline(
      this.memorySpark,
      entry.samples.map((sample) => sample.memory),
    );
    setText(this.health, healthText(snapshot.health));
    setHidden(this.health, snapshot.health === null);
    this.updateDiagnosis(snapshot);
    this.updateButtons();
  }

  /** Counts the uptime up and the next start attempt down; the app calls it every second. */
  tick(elapsedMs: number): void {
    const { uptime_ms: uptimeMs, next_attempt_ms: nextMs } = this.snapshot;
    setText(this.uptime, uptimeMs === null ? "up –" : `up ${formatUptime(uptimeMs + elapsedMs)}`);
    const remaining = nextMs === null ? null : Math.max(0, nextMs - elapsedMs);
    setText(this.nextAttempt, remaining === null ? "" : `next try in ${formatUptime(remaining)}`);
    setHidden(this.nextAttempt, remaining === null);
  }

  private renderHead(snapshot: ComponentSnapshot): HTMLElement {
    const actions = el("div", { className: "row-actions" });
    const logs = button("Logs", () => this.actions.openLogs(snapshot.name, logs));
    logs.setAttribute("aria-label", `Logs of ${snapshot.name}`);
    actions.append(logs);
    for (const verb of VERBS) {
      const verbButton = button(VERB_LABELS[verb][0], () => void this.run(verb));
      verbButton.dataset.verb = verb;
      verbButton.setAttribute("aria-label", `${VERB_LABELS[verb][0]} ${snapshot.name}`);
      this.buttons.set(verb, verbButton);
      actions.append(verbButton);
    }
    const title = el("div", { className: "row-title" }, [
      this.badge,
      el("span", { className: "name", text: snapshot.name }),
      el("span", { className: "kind", text: snapshot.kind }),
    ]);
    const numbers = el("div", { className: "numbers" }, [
      this.pid,
      this.uptime,
      this.restarts,
      this.nextAttempt,
      this.waiting,
    ]);
    return el("div", { className: "row-head" }, [title, numbers, actions]);
  }

  private renderMetrics(): HTMLElement {
    return el("div", { className: "metrics" }, [
      el("span", { className: "metric" }, [
        el("span", { className: "muted", text: "CPU " }),
        this.cpu,
        this.cpuSpark,
      ]),
      el("span", { className: "metric" }, [
        el("span", { className: "muted", text: "Mem " }),
        this.memory,
        this.memorySpark,
      ]),
      this.health,
    ]);
  }

  private updateDiagnosis(snapshot: ComponentSnapshot): void {
    const diagnosis = snapshot.diagnosis;
    const line = diagnosis ? diagnosisLine(diagnosis.summary, diagnosis.hint) : "";
    setText(this.diagnosis, line);
    setHidden(this.diagnosis, line === "");
    const severity = diagnosis?.severity ?? "error";
    this.diagnosis.className = `diagnosis diagnosis-${severity}`;
    const key = JSON.stringify(diagnosis);
    if (key !== this.renderedDiagnosis) {
      this.renderedDiagnosis = key;
      this.evidenceSlot.replaceChildren(renderEvidence(diagnosis));
    }
  }

  private updateButtons(): void {
    for (const [verb, verbButton] of this.buttons) {
      const enabled = this.pending === null && isEnabled(verb, this.snapshot);
      verbButton.disabled = !enabled;
      const label = VERB_LABELS[verb][this.pending === verb ? 1 : 0];
      setText(verbButton, label);
      verbButton.setAttribute("aria-busy", String(this.pending === verb));
    }
  }

  private async run(verb: Verb): Promise<void> {
    this.pending = verb;
    this.showError(null);
    this.updateButtons();
    try {
      const results = await this.actions.act(this.snapshot.name, verb);
      const failures = results.filter((result) => !result.ok);
      if (failures.length > 0) {
        this.showError(`${verb} failed: ${failures.map((result) => result.message).join("; ")}`);
      }
    } catch (error) {
      this.showError(`${verb} failed: ${messageOf(error)}`);
    } finally {
      this.pending = null;
      this.updateButtons();
    }
  }

  private async loadHistory(): Promise<void> {
    this.historySlot.replaceChildren(el("p", { className: "muted", text: "Loading…" }));
    try {
      const entries = await this.actions.history(this.snapshot.name);
      this.historySlot.replaceChildren(renderHistory(entries));
    } catch (error) {
      this.historySlot.replaceChildren(
        el("p", { className: "row-error", text: `cannot load the history: ${messageOf(error)}` }),
      );
    }
  }

  private showError(message: string | null): void {
    setText(this.error, message ?? "");
    setHidden(this.error, message === null);
  }
}

/** Joins a diagnosis into one line, "summary: hint", as the tray shows it. */
export function diagnosisLine(summary: string, hint: string): string {
  return hint === "" ? summary : `${summary}: ${hint}`;
}

/** Probe standing in words, e.g. "ready passing, live failing (3): connection refused". */
export function healthText(health: HealthSnapshot | null): string {
  if (!health) {
    return "";
  }
  const parts: string[] = [];
  if (health.readiness) parts.push(`ready ${health.readiness}`);
  if (health.liveness) parts.push(`live ${health.liveness}`);
  let text = `health: ${parts.join(", ") || "unknown"}`;
  if (health.consecutive_failures > 0) {
    text += ` (${health.consecutive_failures} failed)`;
  }
  if (health.last_error) {
    text += `: ${health.last_error}`;
  }
  return text;
}
