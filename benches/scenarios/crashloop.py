"""Crash loop at each tool's default settings: a child that exits 1 at once.

Over a fixed window from launch: how many times the child started (it
appends a line each time), the CPU the supervisor's own processes used
since they started, and the state the tool reports at the end.
"""

import pathlib

from children import read_timestamps
from peers import DEFAULTS, Component

from .common import Measurement, ToolRun, watch

NAME = "crashloop"
TITLE = "7. Crash loop at default settings"


def tools(context):
    return context.tools


def run(context, tool):
    window = context.sizes.crash_loop_s
    with ToolRun(context, tool) as run:
        stamps = pathlib.Path(run.workdir) / "starts"
        run.start([Component("crasher", [run.children.crash, stamps], restart=DEFAULTS)])
        meter = run.cpu_meter(from_start=True)
        watch(window, meter.sample)
        cpu_ms = meter.used_ns() / 1e6
        starts = len(read_timestamps(stamps, "start"))
        state = run.adapter.state_of("crasher")
    return [
        Measurement(NAME, f"starts in {window:g} s", tool, starts, "", lower_is_better=None),
        Measurement(NAME, f"supervisor CPU over {window:g} s", tool, cpu_ms, "ms"),
        Measurement(NAME, "state at the end", tool, state, "", lower_is_better=None),
    ]
