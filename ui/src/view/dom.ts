// Small helpers for building DOM nodes. Text always goes in as text nodes or
// `textContent`; nothing in the UI assigns `innerHTML`.

type Child = Node | string | null | undefined | false;

export interface ElementOptions {
  className?: string;
  text?: string;
  attrs?: Record<string, string>;
  on?: Partial<Record<keyof HTMLElementEventMap, (event: Event) => void>>;
}

/** Creates an element with a class, text, attributes, listeners and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  children: Child[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.className) {
    element.className = options.className;
  }
  if (options.text !== undefined) {
    element.textContent = options.text;
  }
  for (const [name, value] of Object.entries(options.attrs ?? {})) {
    element.setAttribute(name, value);
  }
  for (const [type, listener] of Object.entries(options.on ?? {})) {
    element.addEventListener(type, listener as EventListener);
  }
  for (const child of children) {
    if (child) {
      element.append(child);
    }
  }
  return element;
}

/** Creates a `<button type="button">`. */
export function button(
  label: string,
  onClick: () => void,
  className = "button",
): HTMLButtonElement {
  return el("button", {
    className,
    text: label,
    attrs: { type: "button" },
    on: { click: onClick },
  });
}

/** Sets an element's text only when it differs, so unchanged rows cause no layout work. */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) {
    element.textContent = text;
  }
}

/** Shows or hides an element with the `hidden` attribute. */
export function setHidden(element: HTMLElement, hidden: boolean): void {
  if (element.hidden !== hidden) {
    element.hidden = hidden;
  }
}

/** Returns the message of anything thrown, for showing in place. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
