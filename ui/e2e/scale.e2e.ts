// The dashboard with 200 components and a 10,000-line log tail, in Chromium
// against a real `tend up`: every row renders and the page stays responsive.

import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { poll, startSupervisor, type Supervisor } from "./supervisor";

const COMPONENTS = 200;
const FLOOD_LINES = 10_000;
/** The slowest a trivial script round trip may be while the tail streams in. */
const MAX_ROUND_TRIP_MS = 500;

/**
 * Prints FLOOD_LINES coloured lines, FLOOD_BATCH at a time every 50 ms
 * (2,000 lines/s), then sleeps. Unpaced, the burst outruns the supervisor's
 * per-subscriber log channel and the stream reports skipped lines instead.
 */
const FLOOD_BATCH = 100;
const FLOOD_SCRIPT = [
  "import sys, time",
  `for i in range(${FLOOD_LINES}):`,
  "    print('flood', i, '\\x1b[32mok\\x1b[0m')",
  `    if i % ${FLOOD_BATCH} == 0:`,
  "        sys.stdout.flush()",
  "        time.sleep(0.05)",
  "sys.stdout.flush()",
  "time.sleep(100000)",
].join("\n");

const CONFIG = [
  '[api]\nlisten = "127.0.0.1:0"\n',
  `[components.flood]\ncommand = ["python3", "-c", ${JSON.stringify(FLOOD_SCRIPT)}]\n`,
  ...Array.from(
    { length: COMPONENTS - 1 },
    (_, index) => `[components.sleeper-${index}]\ncommand = ["sleep", "100000"]\n`,
  ),
].join("\n");

let supervisor: Supervisor;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  supervisor = await startSupervisor(CONFIG);
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
  page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  await page.goto(`${supervisor.baseUrl}/#token=${supervisor.token}`);
});

afterAll(async () => {
  await browser?.close();
  await supervisor?.stop();
});

describe("dashboard at scale", () => {
  it(`renders ${COMPONENTS} rows`, async () => {
    const started = Date.now();
    await poll(
      async () => (await page.locator("li.row").count()) === COMPONENTS,
      `${COMPONENTS} rows`,
      30_000,
    );
    console.log(`${COMPONENTS} rows visible after ${Date.now() - started} ms`);
  });

  it(`tails ${FLOOD_LINES} lines and stays responsive`, { timeout: 90_000 }, async () => {
    await page.getByRole("button", { name: "Logs of flood" }).click();
    // Restarting the flood makes it print every line again while the panel follows.
    const restart = await fetch(`${supervisor.baseUrl}/v1/components/flood/restart`, {
      method: "POST",
      headers: { Authorization: `Bearer ${supervisor.token}` },
    });
    expect(restart.status).toBe(200);

    let slowest = 0;
    let lastCount = 0;
    const lines = page.locator(".log-lines .log-line");
    await poll(
      async () => {
        const before = Date.now();
        const count = await lines.count();
        slowest = Math.max(slowest, Date.now() - before);
        lastCount = count;
        return count >= FLOOD_LINES;
      },
      `${FLOOD_LINES} lines in the panel`,
      60_000,
    ).catch(async (error: unknown) => {
      const status = await page.locator(".log-status").textContent();
      throw new Error(`${String(error)}; ${lastCount} lines shown; panel status: ${status}`);
    });
    console.log(`slowest round trip while tailing: ${slowest} ms`);
    expect(await lines.count()).toBeLessThanOrEqual(10_000);
    expect(slowest).toBeLessThan(MAX_ROUND_TRIP_MS);
    expect(await page.locator(".log-lines .ansi-fg-green").first().textContent()).toBe("ok");
  });
});
