// Entry point: picks the transport and mounts the dashboard.

import "./styles/theme.css";
import "./styles/app.css";

import { createTransport } from "./transport";
import { App } from "./view/app";
import { el, messageOf } from "./view/dom";

function mount(root: HTMLElement): void {
  try {
    const app = new App(createTransport());
    root.replaceChildren(app.element);
    app.start();
  } catch (error) {
    root.replaceChildren(
      el("section", { className: "fatal", attrs: { role: "alert" } }, [
        el("h1", { text: "Tend cannot start the dashboard" }),
        el("p", { text: messageOf(error) }),
      ]),
    );
  }
}

const root = document.getElementById("app");
if (root) {
  mount(root);
}
