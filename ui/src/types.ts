// The JSON the supervisor sends and accepts, mirrored from the serde types of
// the core (`src/event.rs`, `src/state.rs`, `src/diagnose/mod.rs`,
// `src/supervisor/handle.rs`). Field names are exactly the serde names.

/** Lifecycle state of one component. */
export type StateName =
  | "stopped"
  | "starting"
  | "running"
  | "healthy"
  | "unhealthy"
  | "exited"
  | "backoff"
  | "stopping"
  | "fatal"
  | "blocked"
  | "waiting"
  | "completed";

/** Every state name, in the order the core declares them. */
export const STATE_NAMES: readonly StateName[] = [
  "stopped",
  "starting",
  "running",
  "healthy",
  "unhealthy",
  "exited",
  "backoff",
  "stopping",
  "fatal",
  "blocked",
  "waiting",
  "completed",
];

/** The state of the whole set of components, as the tray icon shows it. */
export type Aggregate = "healthy" | "degraded" | "failed" | "idle";

export type Desired = "running" | "stopped";

export type ProbeStatus = "unknown" | "passing" | "failing";

export type Severity = "error" | "warning";

export type DiagnosisKind =
  | "command-not-found"
  | "file-not-found"
  | "permission-denied"
  | "missing-module"
  | "missing-library"
  | "address-in-use"
  | "missing-env"
  | "missing-config-file"
  | "missing-cwd"
  | "exited-immediately"
  | "daemonized"
  | "killed-by-signal"
  | "crashed"
  | "syntax-error"
  | "health-check-failing"
  | "dependency-failed"
  | "memory-limit"
  | "cpu-high"
  | "stop-failed";

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  uptime_ms: number;
  signal_sent_by_tend: boolean;
}

export interface Evidence {
  exit: ExitInfo | null;
  lines: string[];
  check: string | null;
}

export interface Diagnosis {
  kind: DiagnosisKind;
  severity?: Severity;
  summary: string;
  hint: string;
  evidence: Evidence;
}

export interface LastExit {
  code: number | null;
  signal: string | null;
  /** RFC 3339 UTC time of the exit. */
  at: string;
  uptime_ms: number;
  orphans: number;
}

export interface HealthSnapshot {
  readiness: ProbeStatus | null;
  liveness: ProbeStatus | null;
  consecutive_failures: number;
  last_error: string | null;
}

export interface ComponentSnapshot {
  name: string;
  /** "daemon" or "task". */
  kind: string;
  state: StateName;
  desired: Desired;
  pid: number | null;
  since: string;
  /** Milliseconds since the current run started, while a process is live. */
  uptime_ms: number | null;
  restarts: number;
  last_exit: LastExit | null;
  diagnosis: Diagnosis | null;
  health: HealthSnapshot | null;
  /** Percent of one core, summed over the process tree. */
  cpu_percent: number | null;
  /** Resident memory in bytes, summed over the process tree. */
  memory_bytes: number | null;
  waiting_on: string[];
  next_attempt_ms: number | null;
  restart_pending: boolean;
  log_path: string;
  failed: boolean;
}

export interface Counts {
  total: number;
  running: number;
  starting: number;
  failed: number;
  stopped: number;
  completed: number;
}

export interface ReloadError {
  at: string;
  errors: string[];
}

export interface Snapshot {
  aggregate: Aggregate;
  counts: Counts;
  summary: string;
  config_path: string | null;
  components: ComponentSnapshot[];
  last_reload_error: ReloadError | null;
}

export type Stream = "out" | "err";

export interface LogLine {
  component: string;
  stream: Stream;
  /** RFC 3339 UTC with milliseconds. */
  at: string;
  /** The line as text with ANSI escapes kept. */
  text: string;
  continued: boolean;
}

export type EventBody =
  | { type: "snapshot"; snapshot: Snapshot }
  | { type: "component"; component: ComponentSnapshot; previous: StateName | null }
  | { type: "removed"; name: string }
  | {
      type: "reload";
      ok: boolean;
      errors: string[];
      added: string[];
      removed: string[];
      changed: string[];
    }
  | { type: "log"; line: LogLine }
  | { type: "resync"; missed: number }
  | { type: "shutdown" };

/** An event with its sequence number; the body's fields sit beside `seq`. */
export type Event = EventBody & { seq: number };

export type Verb = "start" | "stop" | "restart";

/** Which components an action applies to, in the serde form of the core's `Target`. */
export type Target = { names: string[] } | "all" | "failed";

export interface ActionResult {
  name: string;
  ok: boolean;
  message: string;
  state: StateName;
}

export interface HistoryEntry {
  at: string;
  state: StateName;
  exit: LastExit | null;
  diagnosis: Diagnosis | null;
}

export interface ComponentDetail {
  snapshot: ComponentSnapshot;
  command: string[];
  shell: boolean;
  cwd: string;
  env: Record<string, string>;
  depends_on: Record<string, string>;
  history: HistoryEntry[];
}

export interface ReloadOutcome {
  ok: boolean;
  added: string[];
  removed: string[];
  changed: string[];
  errors: string[];
}
