import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { contrastRatio, parseHex, relativeLuminance } from "../src/theme/contrast";

const THEME = readFileSync(
  fileURLToPath(new URL("../src/styles/theme.css", import.meta.url)),
  "utf8",
);

/** WCAG AA for normal text. */
const AA_TEXT = 4.5;

/** Reads `--name: #hex;` declarations from one block of CSS. */
function tokensOf(block: string): Map<string, string> {
  const tokens = new Map<string, string>();
  for (const match of block.matchAll(/--([a-z0-9-]+):\s*(#[0-9a-fA-F]{3,6})\s*;/g)) {
    tokens.set(match[1], match[2]);
  }
  return tokens;
}

function themes(): Record<"light" | "dark", Map<string, string>> {
  const darkStart = THEME.indexOf("@media (prefers-color-scheme: dark)");
  expect(darkStart).toBeGreaterThan(0);
  return { light: tokensOf(THEME.slice(0, darkStart)), dark: tokensOf(THEME.slice(darkStart)) };
}

const ANSI = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"].flatMap(
  (color) => [`ansi-${color}`, `ansi-bright-${color}`],
);

/** Every foreground/background pair the stylesheet puts text on. */
const PAIRS: [string, string][] = [
  ["text", "bg"],
  ["text", "surface"],
  ["text", "surface-raised"],
  ["text-muted", "bg"],
  ["text-muted", "surface"],
  ["text-muted", "surface-raised"],
  ["accent", "surface"],
  ["accent-text", "accent"],
  ["button-text", "button-bg"],
  ["ok-text", "ok-bg"],
  ["busy-text", "busy-bg"],
  ["bad-text", "bad-bg"],
  ["idle-text", "idle-bg"],
  ["banner-text", "banner-bg"],
  ["error-text", "surface"],
  ["error-text", "bg"],
  ["log-text", "log-bg"],
  ["log-err", "log-bg"],
  ["log-muted", "log-bg"],
  ...ANSI.map((token): [string, string] => [token, "log-bg"]),
];

describe("contrast math", () => {
  it("parses short and long hex", () => {
    expect(parseHex("#fff")).toEqual([255, 255, 255]);
    expect(parseHex("#0b5cd5")).toEqual([11, 92, 213]);
    expect(() => parseHex("red")).toThrow(/invalid hex colour/);
  });

  it("matches the WCAG reference values", () => {
    expect(relativeLuminance("#ffffff")).toBeCloseTo(1, 5);
    expect(relativeLuminance("#000000")).toBeCloseTo(0, 5);
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
  });
});

describe("theme tokens", () => {
  for (const [themeName, tokens] of Object.entries(themes())) {
    it(`${themeName} theme defines every token the pairs use`, () => {
      const missing = PAIRS.flat().filter((token) => !tokens.has(token));
      expect(missing).toEqual([]);
    });

    it.each(PAIRS)(`${themeName}: --%s on --%s reaches AA`, (foreground, background) => {
      const ratio = contrastRatio(tokens.get(foreground)!, tokens.get(background)!);
      expect(
        ratio,
        `${foreground} on ${background} is ${ratio.toFixed(2)}:1`,
      ).toBeGreaterThanOrEqual(AA_TEXT);
    });
  }

  it("light and dark define the same tokens", () => {
    const { light, dark } = themes();
    expect([...dark.keys()].sort()).toEqual([...light.keys()].sort());
  });
});
