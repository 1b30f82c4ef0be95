// The HTTP transport for a browser: JSON requests with a bearer token, and
// server-sent events read from a `fetch()` stream, reconnecting with backoff.

import type {
  ActionResult,
  ComponentDetail,
  Event,
  HistoryEntry,
  LogLine,
  ReloadOutcome,
  Snapshot,
  Target,
  Verb,
} from "../types";
import { reconnectDelay } from "./backoff";
import { ApiError, isErrorBody, toApiError } from "./errors";
import { ReplayFilter } from "./replay";
import { type SseMessage, SseParser } from "./sse";
import type { EventHandlers, LogHandlers, Transport, Unsubscribe } from "./types";

export interface HttpTransportOptions {
  /** Origin and path prefix, e.g. "http://127.0.0.1:4000"; "" for the page's own origin. */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** Replaces `setTimeout` for reconnect delays, so tests can shorten them. */
  delay?: (attempt: number) => number;
}

/** Reaches the supervisor's HTTP API. */
export class HttpTransport implements Transport {
  readonly name = "http";
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly fetchImpl: typeof fetch;
  private readonly delay: (attempt: number) => number;

  constructor(options: HttpTransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, "");
    this.token = options.token;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.delay = options.delay ?? ((attempt) => reconnectDelay(attempt));
  }

  snapshot(): Promise<Snapshot> {
    return this.request("GET", "/v1/components");
  }

  detail(name: string): Promise<ComponentDetail> {
    return this.request("GET", `/v1/components/${encodeURIComponent(name)}`);
  }

  async componentAction(name: string, verb: Verb): Promise<ActionResult[]> {
    const path = `/v1/components/${encodeURIComponent(name)}/${verb}`;
    const body = await this.request<{ results: ActionResult[] }>("POST", path);
    return body.results;
  }

  async actions(verb: Verb, target: Target): Promise<ActionResult[]> {
    const body = await this.request<{ results: ActionResult[] }>(
      "POST",
      `/v1/actions/${verb}`,
      targetBody(target),
    );
    return body.results;
  }

  logs(name: string, n: number): Promise<LogLine[]> {
    return this.request("GET", `/v1/components/${encodeURIComponent(name)}/logs?n=${n}`);
  }

  history(name: string): Promise<HistoryEntry[]> {
    return this.request("GET", `/v1/components/${encodeURIComponent(name)}/history`);
  }

  async reload(): Promise<ReloadOutcome> {
    // A rejected reload is 422 with the outcome as its body, which is a result, not an error.
    return this.request("POST", "/v1/reload", undefined, [422]);
  }

  subscribe(handlers: EventHandlers): Unsubscribe {
    return this.stream("/v1/events", {
      onMessage: (message) => handlers.onEvent(parseJson<Event>(message.data)),
      onStatus: handlers.onStatus,
    });
  }

  tailLogs(name: string, n: number, handlers: LogHandlers): Unsubscribe {
    // NOTE: this relies on `follow=true` sending the last `n` lines before the
    // live ones, as `tail -n N -f` does. A reconnect therefore repeats up to
    // `n` lines, which the replay filter drops.
    const path = `/v1/components/${encodeURIComponent(name)}/logs?n=${n}&follow=true`;
    const replay = new ReplayFilter();
    return this.stream(path, {
      onMessage: (message) => {
        if (message.event === "lagged") {
          handlers.onLagged?.(parseJson<{ missed: number }>(message.data).missed);
          return;
        }
        if (message.event !== "log" && message.event !== "message") {
          return;
        }
        const line = parseJson<LogLine>(message.data);
        if (replay.accept(line)) {
          handlers.onLine(line);
        }
      },
      onStatus: (status) => {
        if (status.state === "connecting") {
          replay.startReplay();
        }
        if (status.state === "retrying" && status.error && handlers.onError) {
          handlers.onError(status.error);
        }
      },
    });
  }

  private headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.token}`, Accept: "application/json" };
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    acceptedStatuses: number[] = [],
  ): Promise<T> {
    const headers = this.headers();
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError("network", `cannot reach the supervisor: ${errorText(error)}`);
    }
    if (!response.ok && !acceptedStatuses.includes(response.status)) {
      throw await errorFromResponse(response);
    }
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError("protocol", `invalid JSON from ${method} ${path}`, response.status);
    }
  }

  private stream(path: string, sink: StreamSink): Unsubscribe {
    const controller = new AbortController();
    void this.runStream(path, sink, controller.signal);
    return () => controller.abort();
  }

  /** Reads the stream until aborted, reconnecting with backoff after every break. */
  private async runStream(path: string, sink: StreamSink, signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      sink.onStatus?.({ state: "connecting" });
      let error: ApiError | null = null;
      try {
        const received = await this.readStream(path, sink, signal);
        if (received) {
          attempt = 0;
        }
      } catch (caught) {
        if (signal.aborted) {
          return;
        }
        error = toApiError(caught);
      }
      if (signal.aborted) {
        return;
      }
      const retryInMs = this.delay(attempt);
      attempt++;
      sink.onStatus?.({ state: "retrying", retryInMs, error });
      await sleep(retryInMs, signal);
    }
  }

  /** Reads one connection; returns whether any message arrived on it. */
  private async readStream(path: string, sink: StreamSink, signal: AbortSignal): Promise<boolean> {
    const response = await this.fetchImpl(this.baseUrl + path, {
      headers: { ...this.headers(), Accept: "text/event-stream" },
      signal,
    });
    if (!response.ok) {
      throw await errorFromResponse(response);
    }
    if (!response.body) {
      throw new ApiError("protocol", `no body in the response to ${path}`);
    }
    sink.onStatus?.({ state: "open" });

    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    let received = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      for (const message of parser.push(decoder.decode(value, { stream: true }))) {
        received = true;
        sink.onMessage(message);
      }
    }
    parser.end();
    return received;
  }
}

interface StreamSink {
  onMessage: (message: SseMessage) => void;
  onStatus: EventHandlers["onStatus"];
}

/** The body of `POST /v1/actions/{verb}` for a target. */
export function targetBody(target: Target): Record<string, unknown> {
  if (target === "all") {
    return { all: true };
  }
  if (target === "failed") {
    return { failed: true };
  }
  return { names: target.names };
}

async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  try {
    const body: unknown = JSON.parse(text);
    if (isErrorBody(body)) {
      return new ApiError(body.kind, body.message, response.status);
    }
  } catch {
    // Not JSON: fall through to the status line and the raw text.
  }
  const detail = text.trim() === "" ? response.statusText : text.trim().slice(0, 200);
  return new ApiError("http", `HTTP ${response.status}: ${detail}`, response.status);
}

function parseJson<T>(data: string): T {
  try {
    return JSON.parse(data) as T;
  } catch {
    throw new ApiError("protocol", `invalid JSON in an event: ${data.slice(0, 80)}`);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
