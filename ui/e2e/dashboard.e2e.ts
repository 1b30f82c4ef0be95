// The dashboard in Debian's Chromium against a real `tend up` with real
// components: rows, diagnosis, restart, log tail, rejected reload, token
// check and a screenshot.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ARTIFACTS_DIR, killSurvivors, poll, startSupervisor, type Supervisor } from "./supervisor";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const MISSING_MODULE = "tend_e2e_missing_module";
const LOG_MARKER = "e2e-hello-from-ticker";

const CONFIG = `
[api]
listen = "127.0.0.1:0"

[components.ticker]
command = ["sh", "-c", "echo ${LOG_MARKER}; while true; do sleep 1; done"]

[components.server]
command = ["python3", "-m", "http.server", "0", "--bind", "127.0.0.1"]

[components.broken]
command = ["python3", "-c", "import ${MISSING_MODULE}"]
`;

const INVALID_CONFIG = `
[api]
listen = "127.0.0.1:0"

[components.ticker]
comand = ["sh", "-c", "sleep 100"]
`;

let supervisor: Supervisor;
let browser: Browser;
let page: Page;
const seenPids = new Set<number>();

function row(name: string) {
  return page.locator(`li.row[data-name="${name}"]`);
}

async function pidOf(name: string): Promise<number | null> {
  const text = (await row(name).locator(".pid").textContent()) ?? "";
  const match = /pid (\d+)/.exec(text);
  if (!match) {
    return null;
  }
  const pid = Number(match[1]);
  seenPids.add(pid);
  return pid;
}

beforeAll(async () => {
  supervisor = await startSupervisor(CONFIG);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  await page.goto(`${supervisor.baseUrl}/#token=${supervisor.token}`);
});

afterAll(async () => {
  await browser?.close();
  await supervisor?.stop();
  const survivors = killSurvivors([...seenPids]);
  expect(survivors, "component processes left after the supervisor stopped").toEqual([]);
});

describe("dashboard against tend up", () => {
  it("removes the token from the visible URL", async () => {
    await poll(async () => (await page.locator("li.row").count()) > 0, "the first rows");
    expect(page.url()).not.toContain("token");
  });

  it("shows one row per configured component", async () => {
    const names = await page
      .locator("li.row")
      .evaluateAll((rows) => rows.map((element) => (element as HTMLElement).dataset.name));
    // The page keeps the supervisor's order, which need not be the file's.
    expect([...names].sort()).toEqual(["broken", "server", "ticker"]);
  });

  it("shows the diagnosis of a crashing component", async () => {
    const diagnosis = row("broken").locator(".diagnosis");
    await poll(
      async () => (await diagnosis.isVisible()) && (await diagnosis.textContent()),
      "a diagnosis on broken",
    );
    expect(await diagnosis.textContent()).toContain(MISSING_MODULE);
  });

  it("changes the pid on Restart", async () => {
    const before = await poll(() => pidOf("ticker"), "a pid on ticker");
    await row("ticker").locator('button[data-verb="restart"]').click();
    const after = await poll(async () => {
      const pid = await pidOf("ticker");
      return pid !== null && pid !== before ? pid : null;
    }, "a new pid on ticker");
    expect(after).not.toBe(before);
    expect(await row("ticker").locator(".row-error").isHidden()).toBe(true);
  });

  it("shows a line the component printed in the log panel", async () => {
    await row("ticker").getByRole("button", { name: "Logs of ticker" }).click();
    const panel = page.locator(".log-panel");
    await poll(
      async () => (await panel.locator(".log-lines").textContent())?.includes(LOG_MARKER),
      "the marker line in the log panel",
    );
    expect(await panel.locator(".log-path").textContent()).toContain("ticker");
    await page.keyboard.press("Escape");
    expect(await panel.isHidden()).toBe(true);
  });

  it("works from the keyboard alone", async () => {
    // Tab from the top of the page to a control, as a keyboard user would.
    async function tabTo(label: string): Promise<void> {
      await page.locator("body").focus();
      for (let presses = 0; presses < 80; presses++) {
        await page.keyboard.press("Tab");
        const focused = await page.evaluate(() =>
          document.activeElement?.getAttribute("aria-label"),
        );
        if (focused === label) {
          return;
        }
      }
      throw new Error(`Tab never reached "${label}"`);
    }

    await tabTo("Logs of ticker");
    await page.keyboard.press("Enter");
    const panel = page.locator(".log-panel");
    expect(await panel.isVisible()).toBe(true);
    await page.keyboard.press("Escape");
    expect(await panel.isHidden()).toBe(true);

    const before = await poll(() => pidOf("ticker"), "a pid on ticker");
    await tabTo("Restart ticker");
    await page.keyboard.press("Enter");
    const after = await poll(async () => {
      const pid = await pidOf("ticker");
      return pid !== null && pid !== before ? pid : null;
    }, "a new pid on ticker after Enter on Restart");
    expect(after).not.toBe(before);
  });

  it("refuses a request without the token", async () => {
    const response = await fetch(`${supervisor.baseUrl}/v1/components`);
    expect(response.status).toBe(401);
  });

  it("shows the banner when a reload is rejected", async () => {
    writeFileSync(supervisor.configPath, INVALID_CONFIG);
    const response = await fetch(`${supervisor.baseUrl}/v1/reload`, {
      method: "POST",
      headers: { Authorization: `Bearer ${supervisor.token}` },
    });
    expect(response.status).toBe(422);
    const banner = page.locator(".banner");
    await poll(() => banner.isVisible(), "the rejected-reload banner");
    expect(await banner.textContent()).toContain("comand");
    expect(await page.locator("li.row").count()).toBe(3);
  });

  it("saves screenshots at full and small size", async () => {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS_DIR, "ui.png"), fullPage: true });
    await page.setViewportSize({ width: 480, height: 600 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    await page.screenshot({ path: join(ARTIFACTS_DIR, "ui-480x600.png") });
    expect(overflow, "horizontal overflow at 480 px").toBeLessThanOrEqual(0);
  });
});
