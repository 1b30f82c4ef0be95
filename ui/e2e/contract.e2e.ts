// The built dashboard in Chromium against the contract server of the unit
// tests: checks the page itself (rows, header actions, errors in place, log
// colours, reload banner) without needing the Rust side.

import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type ContractServer, startContractServer, TOKEN } from "../test/contract-server";
import { ARTIFACTS_DIR, poll } from "./supervisor";

const DIST = fileURLToPath(new URL("../dist", import.meta.url));

let server: ContractServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(DIST, "index.html"))) {
    throw new Error(`no built UI in ${DIST}: run \`npm run build\` first`);
  }
  server = await startContractServer(DIST);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${server.url}/#token=${TOKEN}`);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("dashboard against the contract server", () => {
  it("renders the rows and hides the token", async () => {
    await poll(
      async () => (await page.locator("li.row").count()) === 2,
      "the rows from the event snapshot",
    );
    expect(page.url()).toBe(`${server.url}/`);
    expect(await page.locator('li.row[data-name="web"] .badge').textContent()).toBe("Running");
    expect(await page.locator(".connection").textContent()).not.toBe("");
  });

  it("shows a bulk action's failures in the header", async () => {
    const restartFailed = page.locator('[data-action="restart-failed"]');
    expect(await restartFailed.textContent()).toBe("Restart failed (1)");
    await restartFailed.click();
    const error = page.locator(".header-error");
    await poll(() => error.isVisible(), "the header error");
    expect(await error.textContent()).toBe('restart failed for db: body {"failed":true}');
  });

  it("tails logs with stderr marked and ANSI colours as spans", async () => {
    await page.getByRole("button", { name: "Logs of web" }).click();
    const red = page.locator(".log-panel .log-err .ansi-fg-red");
    await poll(() => red.count(), "the coloured stderr line");
    expect(await red.textContent()).toBe("warn");
    expect(await page.locator(".log-panel .log-path").textContent()).toBe(
      "/tmp/state/logs/web.log",
    );
    await page.keyboard.press("Escape");
    expect(await page.locator(".log-panel").isHidden()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(
      "Logs of web",
    );
  });

  it("shows the banner after a rejected reload", async () => {
    await page.locator('[data-action="reload"]').click();
    const banner = page.locator(".banner");
    await poll(() => banner.isVisible(), "the banner");
    expect(await banner.textContent()).toContain("unknown key `comand`");
  });

  it("fits a 480 by 600 window and raises no page errors", async () => {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS_DIR, "ui-contract.png"), fullPage: true });
    await page.setViewportSize({ width: 480, height: 600 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    await page.screenshot({ path: join(ARTIFACTS_DIR, "ui-contract-480x600.png") });
    expect(overflow).toBeLessThanOrEqual(0);
    expect(pageErrors).toEqual([]);
  });
});
