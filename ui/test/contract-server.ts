// A tiny HTTP server on 127.0.0.1 that speaks the supervisor's API contract,
// for testing the HTTP transport against real sockets and real SSE framing.

import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";

import type { LogLine } from "../src/types";
import { component, snapshot } from "./fixtures";

export const TOKEN = "test-token-123";

export interface RecordedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

export interface ContractServer {
  url: string;
  requests: RecordedRequest[];
  /** How many times `/v1/events` was opened. */
  eventConnections: number;
  /** The rejected reload that later snapshots carry, as the supervisor keeps it. */
  lastReloadError: { at: string; errors: string[] } | null;
  close(): Promise<void>;
}

export const LOG_LINES: LogLine[] = [
  {
    component: "web",
    stream: "out",
    at: "2025-01-01T00:00:01.000Z",
    text: "listening",
    continued: false,
  },
  {
    component: "web",
    stream: "err",
    at: "2025-01-01T00:00:02.000Z",
    text: "\u001b[31mwarn\u001b[0m",
    continued: false,
  },
];

/** The components of every event-stream snapshot: one running, one failed. */
const EVENT_COMPONENTS = () => [
  component(),
  component({ name: "db", state: "fatal", failed: true, pid: null }),
];

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "Content-Type": "application/json" });
  response.end(JSON.stringify(body));
}

function sseHead(response: ServerResponse): void {
  response.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

/** Serves `/v1/events`: the first connection sends two events and ends, later ones stay open. */
function serveEvents(state: ContractServer, response: ServerResponse): void {
  state.eventConnections++;
  sseHead(response);
  const first = state.eventConnections === 1;
  const snapshotEvent = {
    seq: first ? 1 : 10,
    type: "snapshot",
    snapshot: { ...snapshot(EVENT_COMPONENTS()), last_reload_error: state.lastReloadError },
  };
  // CRLF line endings and a comment, as a server may send them.
  response.write(
    `: hello\r\nretry: 1000\r\nid: ${snapshotEvent.seq}\r\nevent: snapshot\r\ndata: ${JSON.stringify(snapshotEvent)}\r\n\r\n`,
  );
  if (first) {
    const changed = {
      seq: 2,
      type: "component",
      component: component({ pid: 7 }),
      previous: "running",
    };
    // Split one event over two writes to exercise chunk reassembly.
    const text = `id: 2\nevent: component\ndata: ${JSON.stringify(changed)}\n\n`;
    response.write(text.slice(0, 20));
    setTimeout(() => response.end(text.slice(20)), 20);
  }
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
};

/** Serves a file of the built UI, as the supervisor does at `/`. */
async function serveStatic(
  staticDir: string,
  pathname: string,
  response: ServerResponse,
): Promise<void> {
  const relative = normalize(pathname === "/" ? "/index.html" : pathname).replace(
    /^(\.\.[/\\])+/,
    "",
  );
  try {
    const content = await readFile(join(staticDir, relative));
    response.writeHead(200, {
      "Content-Type": CONTENT_TYPES[extname(relative)] ?? "application/octet-stream",
    });
    response.end(content);
  } catch {
    json(response, 404, { kind: "not-found", message: `no file ${pathname}` });
  }
}

async function route(
  state: ContractServer,
  request: IncomingMessage,
  response: ServerResponse,
  staticDir?: string,
): Promise<void> {
  const body = await readBody(request);
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  if (staticDir && !url.pathname.startsWith("/v1/")) {
    return serveStatic(staticDir, url.pathname, response);
  }
  state.requests.push({
    method: request.method ?? "",
    url: url.pathname + url.search,
    authorization: request.headers.authorization,
    body,
  });

  if (request.headers.authorization !== `Bearer ${TOKEN}`) {
    json(response, 401, { kind: "unauthorized", message: "missing or wrong bearer token" });
    return;
  }
  const key = `${request.method} ${url.pathname}`;
  switch (key) {
    case "GET /v1/components":
      return json(
        response,
        200,
        snapshot([component(), component({ name: "db", state: "fatal", failed: true })]),
      );
    case "GET /v1/components/missing":
      return json(response, 404, {
        kind: "no-such-component",
        message: 'no component named "missing"; did you mean "web"?',
      });
    case "GET /v1/components/broken":
      response.writeHead(502, { "Content-Type": "text/plain" });
      response.end("bad gateway from a proxy");
      return;
    case "POST /v1/components/web/restart":
      return json(response, 200, {
        results: [{ name: "web", ok: true, message: "restarted", state: "running" }],
      });
    case "POST /v1/actions/restart":
      return json(response, 200, {
        results: [{ name: "db", ok: false, message: `body ${body}`, state: "fatal" }],
      });
    case "GET /v1/components/web/history":
      return json(response, 200, [
        { at: "2025-01-01T00:00:00.000Z", state: "exited", exit: null, diagnosis: null },
      ]);
    case "POST /v1/reload": {
      const errors = ["tend.toml:3:1: unknown key `comand`"];
      state.lastReloadError = { at: "2025-01-01T00:00:03.000Z", errors };
      return json(response, 422, { ok: false, added: [], removed: [], changed: [], errors });
    }
    case "GET /v1/events":
      return serveEvents(state, response);
    case "GET /v1/components/web/logs":
      if (url.searchParams.get("follow") === "true") {
        sseHead(response);
        for (const line of LOG_LINES) {
          response.write(`event: log\ndata: ${JSON.stringify(line)}\n\n`);
        }
        response.write(`event: lagged\ndata: {"missed":3}\n\n`);
        return;
      }
      return json(response, 200, LOG_LINES.slice(-Number(url.searchParams.get("n") ?? "500")));
    default:
      return json(response, 404, { kind: "not-found", message: `no route ${key}` });
  }
}

/** Starts the server on an ephemeral loopback port, serving `staticDir` outside `/v1/` when given. */
export async function startContractServer(staticDir?: string): Promise<ContractServer> {
  const sockets = new Set<import("node:net").Socket>();
  let server: Server | null = null;
  const state: ContractServer = {
    url: "",
    requests: [],
    eventConnections: 0,
    lastReloadError: null,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server?.close(() => resolve());
      }),
  };
  server = createServer((request, response) => {
    route(state, request, response, staticDir).catch((error: unknown) =>
      json(response, 500, { kind: "test-server", message: String(error) }),
    );
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${address.port}`;
  return state;
}
