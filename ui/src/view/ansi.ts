// ANSI SGR colours in log lines, turned into text segments with CSS classes.
// Output text only ever reaches the DOM as `textContent`, never as HTML.

/** A run of text with the classes of the style in force. */
export interface Segment {
  text: string;
  classes: string[];
}

interface Style {
  foreground: string | null;
  background: string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
}

const PLAIN: Style = {
  foreground: null,
  background: null,
  bold: false,
  dim: false,
  italic: false,
  underline: false,
};

const COLOR_NAMES = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];

/**
 * Escape sequences: CSI (ESC [ params final byte), OSC (ESC ] ... BEL or ESC \)
 * and the other two-byte escapes (ESC followed by @ to _, except [ and ]).
 */
const ESCAPE = /\x1b(?:\[([0-9;:?]*)([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;

/** Splits a line into styled segments; escapes other than SGR are dropped. */
export function parseAnsi(line: string): Segment[] {
  const segments: Segment[] = [];
  let style: Style = { ...PLAIN };
  let last = 0;
  ESCAPE.lastIndex = 0;
  for (let match = ESCAPE.exec(line); match !== null; match = ESCAPE.exec(line)) {
    pushText(segments, line.slice(last, match.index), style);
    last = ESCAPE.lastIndex;
    if (match[2] === "m") {
      style = applySgr(style, match[1] ?? "");
    }
  }
  pushText(segments, line.slice(last), style);
  return segments;
}

/** Removes every escape sequence from a line, for search. */
export function stripAnsi(line: string): string {
  return line.replace(ESCAPE, "");
}

/** Builds a fragment of `<span>`s (or bare text for unstyled runs) for a line. */
export function renderAnsi(line: string, doc: Document = document): DocumentFragment {
  const fragment = doc.createDocumentFragment();
  for (const segment of parseAnsi(line)) {
    if (segment.classes.length === 0) {
      fragment.append(doc.createTextNode(segment.text));
      continue;
    }
    const span = doc.createElement("span");
    span.className = segment.classes.join(" ");
    span.textContent = segment.text;
    fragment.append(span);
  }
  return fragment;
}

function pushText(segments: Segment[], text: string, style: Style): void {
  if (text === "") {
    return;
  }
  const classes = classesOf(style);
  const previous = segments[segments.length - 1];
  if (previous && previous.classes.join(" ") === classes.join(" ")) {
    previous.text += text;
    return;
  }
  segments.push({ text, classes });
}

function classesOf(style: Style): string[] {
  const classes: string[] = [];
  if (style.foreground) classes.push(`ansi-fg-${style.foreground}`);
  if (style.background) classes.push(`ansi-bg-${style.background}`);
  if (style.bold) classes.push("ansi-bold");
  if (style.dim) classes.push("ansi-dim");
  if (style.italic) classes.push("ansi-italic");
  if (style.underline) classes.push("ansi-underline");
  return classes;
}

/** Applies SGR parameters ("1;31") to a style; unsupported codes are skipped. */
function applySgr(current: Style, params: string): Style {
  const style = { ...current };
  const codes = params === "" ? [0] : params.split(/[;:]/).map((part) => Number(part || "0"));
  for (let index = 0; index < codes.length; index++) {
    const code = codes[index];
    if (code === 0) {
      Object.assign(style, PLAIN);
    } else if (code === 1) {
      style.bold = true;
    } else if (code === 2) {
      style.dim = true;
    } else if (code === 3) {
      style.italic = true;
    } else if (code === 4) {
      style.underline = true;
    } else if (code === 22) {
      style.bold = false;
      style.dim = false;
    } else if (code === 23) {
      style.italic = false;
    } else if (code === 24) {
      style.underline = false;
    } else if (code >= 30 && code <= 37) {
      style.foreground = COLOR_NAMES[code - 30];
    } else if (code >= 90 && code <= 97) {
      style.foreground = `bright-${COLOR_NAMES[code - 90]}`;
    } else if (code === 39) {
      style.foreground = null;
    } else if (code >= 40 && code <= 47) {
      style.background = COLOR_NAMES[code - 40];
    } else if (code >= 100 && code <= 107) {
      style.background = `bright-${COLOR_NAMES[code - 100]}`;
    } else if (code === 49) {
      style.background = null;
    } else if (code === 38 || code === 48) {
      // 256-colour and true-colour forms: skip their arguments, keep the default colour.
      const form = codes[index + 1];
      if (form === 5) {
        index += 2;
      } else if (form === 2) {
        index += 4;
      }
    }
  }
  return style;
}
