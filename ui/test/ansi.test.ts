// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";

import { parseAnsi, renderAnsi, stripAnsi } from "../src/view/ansi";

const ESC = "\u001b";

describe("parseAnsi", () => {
  it("keeps plain text as one unstyled segment", () => {
    expect(parseAnsi("hello")).toEqual([{ text: "hello", classes: [] }]);
  });

  it("turns SGR colours into classes and reset ends them", () => {
    const segments = parseAnsi(`${ESC}[31merror${ESC}[0m done`);
    expect(segments).toEqual([
      { text: "error", classes: ["ansi-fg-red"] },
      { text: " done", classes: [] },
    ]);
  });

  it("supports bright colours, bold and combined parameters", () => {
    expect(parseAnsi(`${ESC}[1;92mok`)).toEqual([
      { text: "ok", classes: ["ansi-fg-bright-green", "ansi-bold"] },
    ]);
    expect(parseAnsi(`${ESC}[90mgrey`)).toEqual([
      { text: "grey", classes: ["ansi-fg-bright-black"] },
    ]);
    expect(parseAnsi(`${ESC}[37mwhite`)).toEqual([{ text: "white", classes: ["ansi-fg-white"] }]);
  });

  it("treats an empty SGR as reset and 39 as the default colour", () => {
    expect(parseAnsi(`${ESC}[1;33ma${ESC}[mb`)).toEqual([
      { text: "a", classes: ["ansi-fg-yellow", "ansi-bold"] },
      { text: "b", classes: [] },
    ]);
    expect(parseAnsi(`${ESC}[1;34ma${ESC}[39mb`)).toEqual([
      { text: "a", classes: ["ansi-fg-blue", "ansi-bold"] },
      { text: "b", classes: ["ansi-bold"] },
    ]);
  });

  it("drops other escape sequences and skips 256-colour arguments", () => {
    expect(stripAnsi(`${ESC}[2K${ESC}[1Gline${ESC}]0;title\u0007`)).toBe("line");
    expect(parseAnsi(`${ESC}[38;5;196mred${ESC}[0m`)).toEqual([{ text: "red", classes: [] }]);
  });
});

describe("renderAnsi", () => {
  it("builds spans with classes and plain text nodes", () => {
    const host = document.createElement("div");
    host.append(renderAnsi(`plain ${ESC}[31mred${ESC}[0m`));
    const span = host.querySelector("span");
    expect(span?.className).toBe("ansi-fg-red");
    expect(span?.textContent).toBe("red");
    expect(host.textContent).toBe("plain red");
  });

  it("keeps markup as text", () => {
    const host = document.createElement("div");
    host.append(renderAnsi(`<script>alert(1)</script>${ESC}[1m<img src=x onerror=alert(2)>`));
    expect(host.querySelector("script")).toBeNull();
    expect(host.querySelector("img")).toBeNull();
    expect(host.textContent).toBe("<script>alert(1)</script><img src=x onerror=alert(2)>");
  });
});
