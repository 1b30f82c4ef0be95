// The banner for a rejected reload and the empty state for a config with no
// components.

import type { ReloadError } from "../types";
import { button, el, setHidden } from "./dom";

/** The banner shown while the last reload is rejected. */
export class ReloadBanner {
  readonly element = el("section", {
    className: "banner",
    attrs: { role: "alert", "aria-labelledby": "banner-title" },
  });

  constructor() {
    setHidden(this.element, true);
  }

  show(error: ReloadError | null): void {
    if (!error) {
      setHidden(this.element, true);
      this.element.replaceChildren();
      return;
    }
    const list = el("ul", { className: "banner-errors" });
    for (const message of error.errors) {
      list.append(el("li", { text: message }));
    }
    this.element.replaceChildren(
      el("h2", { attrs: { id: "banner-title" }, text: "The new config was rejected" }),
      el("p", {
        text: "The previous config keeps running. Fix these errors in the file, then press Reload config:",
      }),
      list,
    );
    setHidden(this.element, false);
  }
}

/** Renders the empty state, which explains how to add a first component. */
export function renderEmptyState(configPath: string | null, reload: () => void): HTMLElement {
  const where = configPath ? `to ${configPath}` : "to tend.toml";
  const example = ["[components.web]", 'command = ["python3", "-m", "http.server", "8000"]'].join(
    "\n",
  );
  return el("section", { className: "empty", attrs: { "aria-labelledby": "empty-title" } }, [
    el("h2", { attrs: { id: "empty-title" }, text: "No components yet" }),
    el("p", { text: `Add a [components.NAME] block with a command ${where}, for example:` }),
    el("pre", { className: "example", text: example }),
    el("p", { text: "then reload the config." }),
    button("Reload config", reload, "button button-primary"),
  ]);
}
