import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ApiError } from "../src/transport/errors";
import { HttpTransport, targetBody } from "../src/transport/http";
import type { ConnectionStatus } from "../src/transport/types";
import type { Event, LogLine } from "../src/types";
import { type ContractServer, LOG_LINES, startContractServer, TOKEN } from "./contract-server";

let server: ContractServer;

beforeAll(async () => {
  server = await startContractServer();
});

afterAll(async () => {
  await server.close();
});

function transport(token = TOKEN): HttpTransport {
  return new HttpTransport({ baseUrl: server.url, token, delay: () => 20 });
}

/** Polls until `condition` holds, failing after `timeoutMs`. */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("HttpTransport requests", () => {
  it("sends the bearer token and reads the snapshot", async () => {
    const snapshot = await transport().snapshot();
    expect(snapshot.components.map((component) => component.name)).toEqual(["web", "db"]);
    const last = server.requests[server.requests.length - 1];
    expect(last.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("rejects with the backend's kind and message", async () => {
    const error = await transport()
      .detail("missing")
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).kind).toBe("no-such-component");
    expect((error as ApiError).message).toContain('did you mean "web"');
    expect((error as ApiError).status).toBe(404);
  });

  it("rejects a non-JSON error body with its status and text", async () => {
    const error = (await transport()
      .detail("broken")
      .catch((caught: unknown) => caught)) as ApiError;
    expect(error.kind).toBe("http");
    expect(error.message).toBe("HTTP 502: bad gateway from a proxy");
  });

  it("is rejected as unauthorized without the right token", async () => {
    const error = (await transport("wrong")
      .snapshot()
      .catch((caught: unknown) => caught)) as ApiError;
    expect(error.status).toBe(401);
    expect(error.kind).toBe("unauthorized");
  });

  it("posts component actions and returns the results", async () => {
    const results = await transport().componentAction("web", "restart");
    expect(results).toEqual([{ name: "web", ok: true, message: "restarted", state: "running" }]);
    const last = server.requests[server.requests.length - 1];
    expect(last.method).toBe("POST");
    expect(last.url).toBe("/v1/components/web/restart");
  });

  it("sends the target of a bulk action as the contract's body", async () => {
    const results = await transport().actions("restart", "failed");
    expect(results[0].message).toBe('body {"failed":true}');
    expect(targetBody("all")).toEqual({ all: true });
    expect(targetBody({ names: ["a", "b"] })).toEqual({ names: ["a", "b"] });
  });

  it("returns a rejected reload as an outcome, not an error", async () => {
    const outcome = await transport().reload();
    expect(outcome.ok).toBe(false);
    expect(outcome.errors).toEqual(["tend.toml:3:1: unknown key `comand`"]);
  });

  it("reads logs and history", async () => {
    expect(await transport().logs("web", 1)).toEqual(LOG_LINES.slice(-1));
    const history = await transport().history("web");
    expect(history[0].state).toBe("exited");
  });

  it("reports an unreachable supervisor as a network error", async () => {
    const closed = new HttpTransport({ baseUrl: "http://127.0.0.1:9", token: TOKEN });
    const error = (await closed.snapshot().catch((caught: unknown) => caught)) as ApiError;
    expect(error.kind).toBe("network");
    expect(error.message).toMatch(/^cannot reach the supervisor/);
  });
});

describe("HttpTransport event stream", () => {
  it("parses events and resyncs with a new snapshot after a reconnect", async () => {
    const events: Event[] = [];
    const statuses: ConnectionStatus["state"][] = [];
    const stop = transport().subscribe({
      onEvent: (event) => events.push(event),
      onStatus: (status) => statuses.push(status.state),
    });
    try {
      await waitFor(() => events.length >= 3, "three events");
    } finally {
      stop();
    }
    expect(events.map((event) => event.type)).toEqual(["snapshot", "component", "snapshot"]);
    expect(events.map((event) => event.seq)).toEqual([1, 2, 10]);
    const changed = events[1];
    expect(changed.type).toBe("component");
    expect(changed.type === "component" ? changed.component.pid : null).toBe(7);
    expect(statuses.slice(0, 4)).toEqual(["connecting", "open", "retrying", "connecting"]);
    expect(server.eventConnections).toBeGreaterThanOrEqual(2);
  });

  it("retries with the error when the token is refused", async () => {
    const statuses: ConnectionStatus[] = [];
    const stop = transport("wrong").subscribe({
      onEvent: () => {},
      onStatus: (status) => statuses.push(status),
    });
    try {
      await waitFor(() => statuses.some((status) => status.state === "retrying"), "a retry");
    } finally {
      stop();
    }
    const retry = statuses.find((status) => status.state === "retrying");
    expect(retry?.state).toBe("retrying");
    expect(retry?.state === "retrying" ? retry.error?.status : null).toBe(401);
  });

  it("tails logs from the follow stream", async () => {
    const lines: LogLine[] = [];
    const lagged: number[] = [];
    const stop = transport().tailLogs("web", 500, {
      onLine: (line) => lines.push(line),
      onLagged: (missed) => lagged.push(missed),
    });
    try {
      await waitFor(() => lagged.length > 0, "the lagged event");
    } finally {
      stop();
    }
    expect(lines).toEqual(LOG_LINES);
    expect(lagged).toEqual([3]);
    const last = server.requests.filter((request) => request.url.includes("follow")).pop();
    expect(last?.url).toBe("/v1/components/web/logs?n=500&follow=true");
  });
});
