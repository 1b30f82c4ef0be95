// The log panel: a live tail of one component's output with stdout and
// stderr marked apart, ANSI colours, search, pause on scroll-up, and the log
// file's path. DOM appends are batched once per animation frame and capped.

import { formatClock } from "../model/format";
import { type BufferedLine, LOG_CAP, LogBuffer } from "../model/logbuffer";
import type { Transport, Unsubscribe } from "../transport";
import type { LogLine } from "../types";
import { renderAnsi, stripAnsi } from "./ansi";
import { button, el, messageOf, setHidden, setText } from "./dom";

/** Lines requested as backlog when the panel opens. */
export const BACKLOG_LINES = 500;
/** Distance from the bottom, in pixels, that still counts as following the tail. */
const BOTTOM_SLACK_PX = 24;

export class LogPanel {
  readonly element: HTMLElement;
  private readonly title = el("h2", { className: "log-title", attrs: { id: "log-title" } });
  private readonly path = el("code", { className: "log-path" });
  private readonly search = el("input", {
    className: "log-search",
    attrs: { type: "search", placeholder: "Search the tail", "aria-label": "Search the log tail" },
  });
  private readonly matches = el("span", {
    className: "log-matches muted",
    attrs: { "aria-live": "polite" },
  });
  private readonly resume: HTMLButtonElement;
  private readonly status = el("p", { className: "log-status", attrs: { role: "status" } });
  private readonly lines = el("div", {
    className: "log-lines",
    attrs: { role: "log", tabindex: "0", "aria-labelledby": "log-title" },
  });
  private buffer = new LogBuffer();
  private renderedSeq = 0;
  private renderedCount = 0;
  private matchCount = 0;
  private query = "";
  private paused = false;
  private frameRequested = false;
  private rebuildRequested = false;
  private unsubscribe: Unsubscribe | null = null;
  private opener: HTMLElement | null = null;
  private current: string | null = null;

  constructor(
    private readonly transport: Transport,
    private readonly schedule: (callback: () => void) => void = (callback) =>
      void requestAnimationFrame(callback),
  ) {
    this.resume = button("Resume", () => this.setPaused(false), "button button-primary log-resume");
    const close = button("Close", () => this.close());
    close.setAttribute("aria-label", "Close the log panel");
    this.search.addEventListener("input", () => {
      this.query = this.search.value.trim().toLowerCase();
      // A new search shows its matches at once, so it also ends a pause.
      this.setPaused(false);
      this.requestRebuild();
    });
    this.lines.addEventListener("scroll", () => this.onScroll());
    this.element = el(
      "section",
      { className: "log-panel", attrs: { "aria-labelledby": "log-title", role: "region" } },
      [
        el("div", { className: "log-head" }, [this.title, close]),
        el("div", { className: "log-meta" }, [
          el("span", { className: "muted", text: "File " }),
          this.path,
        ]),
        el("div", { className: "log-tools" }, [this.search, this.matches, this.resume]),
        this.status,
        this.lines,
      ],
    );
    setHidden(this.element, true);
    setHidden(this.resume, true);
    setHidden(this.status, true);
  }

  /** The component whose log is shown, or null when closed. */
  get component(): string | null {
    return this.current;
  }

  /** Opens the panel on a component's log and starts the live tail. */
  open(name: string, logPath: string, opener: HTMLElement | null): void {
    this.stopTail();
    this.current = name;
    this.opener = opener;
    this.buffer = new LogBuffer();
    this.paused = false;
    setHidden(this.resume, true);
    setHidden(this.status, true);
    setText(this.title, `Logs of ${name}`);
    setText(this.path, logPath || "–");
    this.lines.replaceChildren();
    this.renderedSeq = 0;
    this.renderedCount = 0;
    this.matchCount = 0;
    setHidden(this.element, false);
    this.search.focus();
    this.unsubscribe = this.transport.tailLogs(name, BACKLOG_LINES, {
      onLine: (line) => this.add(line),
      onLagged: (missed) =>
        this.showStatus(`${missed} lines were skipped because the panel fell behind the output`),
      onError: (error) =>
        this.showStatus(`log stream interrupted: ${messageOf(error)}; reconnecting`),
    });
  }

  /** Closes the panel, ends the tail and returns focus to the button that opened it. */
  close(): void {
    if (this.current === null) {
      return;
    }
    this.stopTail();
    this.current = null;
    setHidden(this.element, true);
    this.lines.replaceChildren();
    this.opener?.focus();
    this.opener = null;
  }

  /** Adds a line to the tail; the DOM catches up on the next frame. */
  add(line: LogLine): void {
    this.buffer.push(line);
    this.requestFrame();
  }

  private stopTail(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private showStatus(message: string): void {
    setText(this.status, message);
    setHidden(this.status, false);
  }

  private requestRebuild(): void {
    this.rebuildRequested = true;
    this.requestFrame();
  }

  private requestFrame(): void {
    if (this.frameRequested) {
      return;
    }
    this.frameRequested = true;
    this.schedule(() => {
      this.frameRequested = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.current === null) {
      return;
    }
    if (this.rebuildRequested) {
      this.rebuildRequested = false;
      this.lines.replaceChildren();
      this.renderedSeq = 0;
      this.renderedCount = 0;
      this.matchCount = 0;
    }
    if (this.paused) {
      const waiting = this.buffer.lastSeq - this.renderedSeq;
      setText(this.resume, waiting > 0 ? `Resume (${waiting} new)` : "Resume");
      return;
    }
    this.appendLines(this.buffer.after(this.renderedSeq));
    this.updateMatches();
    this.lines.scrollTop = this.lines.scrollHeight;
  }

  private appendLines(lines: BufferedLine[]): void {
    if (lines.length === 0) {
      return;
    }
    const fragment = document.createDocumentFragment();
    for (const { line } of lines) {
      if (this.query !== "" && !stripAnsi(line.text).toLowerCase().includes(this.query)) {
        continue;
      }
      fragment.append(renderLine(line));
      this.renderedCount++;
      this.matchCount++;
    }
    this.renderedSeq = lines[lines.length - 1].seq;
    this.lines.append(fragment);
    while (this.renderedCount > LOG_CAP && this.lines.firstChild) {
      this.lines.firstChild.remove();
      this.renderedCount--;
    }
  }

  private updateMatches(): void {
    const text = this.query === "" ? "" : `${this.matchCount} matching`;
    setText(this.matches, text);
  }

  private onScroll(): void {
    const { scrollTop, scrollHeight, clientHeight } = this.lines;
    const atBottom = scrollTop + clientHeight >= scrollHeight - BOTTOM_SLACK_PX;
    if (atBottom === this.paused) {
      this.setPaused(!atBottom);
    }
  }

  private setPaused(paused: boolean): void {
    this.paused = paused;
    setHidden(this.resume, !paused);
    setText(this.resume, "Resume");
    if (!paused) {
      this.requestFrame();
    }
  }
}

/** Renders one line: time, stream label and the text with ANSI colours as spans. */
export function renderLine(line: LogLine): HTMLElement {
  const stream = line.stream === "err" ? "err" : "out";
  const classes = `log-line log-${stream}${line.continued ? " log-continued" : ""}`;
  const time = el("span", {
    className: "log-time",
    text: line.continued ? "" : formatClock(line.at),
  });
  const label = el("span", {
    className: "log-stream",
    text: line.continued ? `${stream}+` : stream,
  });
  const text = el("span", { className: "log-text" });
  text.append(renderAnsi(line.text));
  return el("div", { className: classes, attrs: { title: line.at } }, [time, label, text]);
}
