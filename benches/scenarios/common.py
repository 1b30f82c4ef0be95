"""Shared scenario parts: sizes per mode, a run of one tool, measurements."""

import dataclasses
import math
import shutil
import statistics
import tempfile
import time

import procfs
from children import Children
from peers import ADAPTERS
from processes import ProcessTracker, poll

REFERENCE = "reference"


@dataclasses.dataclass
class Sizes:
    """Sizes and durations of every scenario in one mode."""

    restarts: int
    default_restart_window_s: float
    detections: int
    idle_counts: tuple
    idle_duration_s: float
    startup_children: int
    log_bytes: int
    stop_components: int
    survivor_wait_s: float
    crash_loop_s: float
    api_components: int
    api_calls: int
    repeats: int


SMOKE = Sizes(
    restarts=5,
    default_restart_window_s=3,
    detections=3,
    idle_counts=(5,),
    idle_duration_s=3,
    startup_children=5,
    log_bytes=4_000_000,
    stop_components=5,
    survivor_wait_s=2,
    crash_loop_s=3,
    api_components=5,
    api_calls=5,
    repeats=1,
)

FULL = Sizes(
    restarts=20,
    default_restart_window_s=30,
    detections=20,
    idle_counts=(50, 500),
    idle_duration_s=60,
    startup_children=200,
    log_bytes=200_000_000,
    stop_components=100,
    survivor_wait_s=5,
    crash_loop_s=20,
    api_components=500,
    api_calls=20,
    repeats=3,
)


@dataclasses.dataclass
class Context:
    """Settings of one harness invocation, passed to every scenario."""

    mode: str
    sizes: Sizes
    paths: object
    tools: list
    keep_workdirs: bool = False
    log: object = print


@dataclasses.dataclass
class Measurement:
    scenario: str
    metric: str
    tool: str
    value: object
    unit: str = ""
    # Whether a smaller value is better; None where a ratio means nothing.
    lower_is_better: bool = True


class ToolRun:
    """One tool supervising in a temporary directory, torn down on exit.

    Teardown shuts the tool down with its own command, then kills by pid
    every process the run started (see ProcessTracker), even after an error
    or Ctrl-C.
    """

    def __init__(self, context, tool):
        self.context = context
        self.tool = tool
        self.tracker = ProcessTracker()
        self.workdir = None
        self.adapter = None
        self.children = None

    def __enter__(self):
        self.workdir = tempfile.mkdtemp(prefix=f"tend-bench-{self.tool}-")
        self.children = Children(f"{self.workdir}/bin")
        if self.tool != REFERENCE:
            self.adapter = ADAPTERS[self.tool](self.workdir, self.tracker, self.context.paths)
        return self

    def __exit__(self, kind, error, traceback):
        try:
            if self.adapter is not None:
                try:
                    self.adapter.shutdown()
                except Exception as shutdown_error:  # noqa: BLE001 - cleanup goes on
                    self.context.log(f"  {self.tool}: shutdown failed: {shutdown_error}")
        finally:
            killed = self.tracker.kill_all()
            if killed and self.tool != REFERENCE:
                self.context.log(f"  {self.tool}: killed leftover processes: {' '.join(killed)}")
            failed = error is not None and not isinstance(error, KeyboardInterrupt)
            if self.context.keep_workdirs or failed:
                self.context.log(f"  {self.tool}: kept {self.workdir}")
            else:
                shutil.rmtree(self.workdir, ignore_errors=True)
        # `tend quit` stops every component before the supervisor exits, so in
        # smoke mode a leftover process fails the scenario.
        if killed and self.tool == "tend" and self.context.mode == "smoke" and error is None:
            raise RuntimeError(f"processes still running after tend quit: {' '.join(killed)}")
        return False

    def start(self, components, no_log_rotation=False):
        """Configure and launch the tool; return the monotonic launch time."""
        self.adapter.configure(components, no_log_rotation=no_log_rotation)
        launched = time.monotonic()
        self.adapter.launch()
        self.adapter.wait_ready()
        return launched

    def cpu_meter(self, from_start=False):
        """Return a CpuMeter of the supervisor's own processes, from now or from their start."""
        meter = procfs.CpuMeter()
        for pid in self.adapter.supervisor_pids():
            meter.add(pid, from_start=from_start)
        return meter


def supervised_processes(adapter, command_name):
    """Return the live descendants of the supervisor whose command name is `command_name`."""
    found = []
    for root in adapter.supervisor_pids():
        for pid in procfs.descendants(root):
            fields = procfs.read_text(f"/proc/{pid}/comm")
            if fields and fields.strip() == command_name and procfs.is_alive(pid):
                found.append(pid)
    return found


def wait_supervised(adapter, command_name, count, seconds):
    """Wait until `count` processes named `command_name` run under the supervisor."""

    def enough():
        adapter.check_running()
        return len(supervised_processes(adapter, command_name)) >= count

    poll(enough, seconds, f"{count} '{command_name}' processes under {adapter.name}", 0.05)


def watch(seconds, check=None):
    """Let a measurement window of `seconds` pass, calling `check` now and then.

    For fixed observation windows only; completion conditions use `poll`.
    """
    end = time.monotonic() + seconds
    while True:
        if check:
            check()
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(0.1, left))


def median(values):
    return statistics.median(values) if values else None


def percentile(values, fraction):
    """Return the nearest-rank percentile (fraction 0.9 for p90)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(len(ordered) * fraction))
    return ordered[rank - 1]
