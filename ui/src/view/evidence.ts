// The expandable part of a row: a diagnosis's evidence (matched lines,
// failed check, exit) and the history of recent exits.

import { formatClock, formatExit, stateLabel } from "../model/format";
import type { Diagnosis, HistoryEntry } from "../types";
import { renderAnsi } from "./ansi";
import { el } from "./dom";

/** The maximum number of history entries shown. The API may keep more. */
export const HISTORY_SHOWN = 20;

/** Renders the evidence of a diagnosis, or a note that there is none. */
export function renderEvidence(diagnosis: Diagnosis | null): HTMLElement {
  const section = el("div", { className: "evidence" });
  if (!diagnosis) {
    section.append(el("p", { className: "muted", text: "No diagnosis: nothing has failed." }));
    return section;
  }
  const { exit, lines, check } = diagnosis.evidence;
  const facts = el("dl", { className: "facts" });
  facts.append(el("dt", { text: "Kind" }), el("dd", { text: diagnosis.kind }));
  if (exit) {
    const sender = exit.signal_sent_by_tend ? " (signal sent by Tend)" : "";
    facts.append(el("dt", { text: "Exit" }), el("dd", { text: formatExit(exit) + sender }));
  }
  if (check) {
    facts.append(el("dt", { text: "Check" }), el("dd", { text: check }));
  }
  section.append(facts);
  if (lines.length > 0) {
    const pre = el("pre", {
      className: "evidence-lines",
      attrs: { "aria-label": "Matched output" },
    });
    lines.forEach((line, index) => {
      if (index > 0) {
        pre.append("\n");
      }
      pre.append(renderAnsi(line));
    });
    section.append(pre);
  }
  return section;
}

/** Renders recent history entries, newest first. */
export function renderHistory(entries: HistoryEntry[]): HTMLElement {
  if (entries.length === 0) {
    return el("p", { className: "muted", text: "No exits recorded yet." });
  }
  const list = el("ol", { className: "history", attrs: { "aria-label": "Recent exits" } });
  const newestFirst = [...entries].sort((a, b) => b.at.localeCompare(a.at));
  for (const entry of newestFirst.slice(0, HISTORY_SHOWN)) {
    const parts = [formatClock(entry.at), stateLabel(entry.state)];
    if (entry.exit) {
      parts.push(formatExit(entry.exit));
    }
    if (entry.diagnosis) {
      parts.push(entry.diagnosis.summary);
    }
    list.append(el("li", { text: parts.join(" · "), attrs: { title: entry.at } }));
  }
  return list;
}
