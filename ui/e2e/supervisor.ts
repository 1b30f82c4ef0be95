// Starts a real `tend up` in a temporary state directory for the end-to-end
// tests, reads its dashboard address and token, and stops it (and every
// component it started) afterwards.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** The `tend` binary: `TEND_BIN`, else the debug build of this repository. */
export const TEND_BIN = process.env.TEND_BIN ?? join(REPO_ROOT, "target", "debug", "tend");

/** Where the screenshots go (ignored by git). */
export const ARTIFACTS_DIR = join(REPO_ROOT, "test-artifacts");

export interface Supervisor {
  dir: string;
  configPath: string;
  stateDir: string;
  /** The dashboard's origin, e.g. "http://127.0.0.1:40123". */
  baseUrl: string;
  token: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Polls `probe` until it returns a value, failing with `what` after `timeoutMs`. */
export async function poll<T>(
  probe: () => T | null | undefined | Promise<T | null | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== null && value !== undefined && value !== false) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError ? `: ${String(lastError)}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/**
 * Finds the HTTP address in `endpoint.json`, whatever the field is called: the
 * first string value that is a loopback `host:port` or `http://` URL.
 */
export function httpAddressOf(endpoint: Record<string, unknown>): string | null {
  for (const value of Object.values(endpoint)) {
    if (typeof value !== "string") {
      continue;
    }
    const match = /^(?:http:\/\/)?((?:127\.0\.0\.1|\[::1\]|localhost):\d+)\/?$/.exec(value);
    if (match) {
      return `http://${match[1]}`;
    }
  }
  return null;
}

/** Writes `config` to a temporary `tend.toml` and starts `tend up` on it. */
export async function startSupervisor(config: string): Promise<Supervisor> {
  if (!existsSync(TEND_BIN)) {
    throw new Error(
      `no tend binary at ${TEND_BIN}: build it with \`cargo build --bin tend\` or set TEND_BIN`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "tend-e2e-"));
  const configPath = join(dir, "tend.toml");
  const stateDir = join(dir, "state");
  writeFileSync(configPath, config);

  let output = "";
  // The config and state dir go by environment (and the config also as ./tend.toml),
  // which the core reads before any default.
  const child = spawn(TEND_BIN, ["up"], {
    cwd: dir,
    env: { ...process.env, TEND_STATE_DIR: stateDir, TEND_CONFIG: configPath, XDG_RUNTIME_DIR: "" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));

  const supervisor: Supervisor = {
    dir,
    configPath,
    stateDir,
    baseUrl: "",
    token: "",
    child,
    output: () => output,
    stop: () => stopSupervisor(child, dir),
  };
  try {
    const endpointPath = join(stateDir, "endpoint.json");
    supervisor.baseUrl = await poll(() => {
      if (child.exitCode !== null) {
        throw new Error(`tend up exited with ${child.exitCode}:\n${output}`);
      }
      if (!existsSync(endpointPath)) {
        return null;
      }
      return httpAddressOf(
        JSON.parse(readFileSync(endpointPath, "utf8")) as Record<string, unknown>,
      );
    }, `an HTTP address in ${endpointPath}`);
    supervisor.token = readFileSync(join(stateDir, "api-token"), "utf8").trim();
  } catch (error) {
    await supervisor.stop();
    throw error;
  }
  return supervisor;
}

/** Sends SIGTERM (the supervisor stops its components), then SIGKILL to the group if it hangs. */
async function stopSupervisor(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    child.kill("SIGTERM");
    const timeout = new Promise<"timeout">((done) => setTimeout(() => done("timeout"), 15_000));
    if ((await Promise.race([exited, timeout])) === "timeout") {
      // The supervisor runs in its own process group (detached), so this reaches only its tree.
      process.kill(-child.pid, "SIGKILL");
      await exited;
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Sends SIGKILL to pids that are still alive; returns the ones that were. */
export function killSurvivors(pids: number[]): number[] {
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  for (const pid of alive) {
    process.kill(pid, "SIGKILL");
  }
  return alive;
}
