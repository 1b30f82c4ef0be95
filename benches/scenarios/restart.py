"""Restart latency: from a child's exit to its next start.

The child appends its start time, runs 50 ms, appends its exit time and
exits 1. The gap is the next start minus the previous exit, both taken by
the child, so it covers the supervisor noticing the exit, any delay it adds,
fork, exec and bash's start-up. The reference is a plain shell loop.
"""

import pathlib

from children import read_timestamps
from peers import DEFAULTS, FAST_RESTART, Component
from processes import poll

from .common import REFERENCE, Measurement, ToolRun, median, percentile, watch

NAME = "restart"
TITLE = "1. Restart latency"
RUN_SECONDS = "0.05"
FAST_RESTART_TIMEOUT_S = 120.0


def tools(context):
    return [*context.tools, REFERENCE] if context.mode == "full" else context.tools


def restart_gaps(path):
    """Return the gaps in seconds between each `exit` line and the `start` line after it."""
    gaps = []
    last_exit = None
    try:
        lines = pathlib.Path(path).read_text().splitlines()
    except FileNotFoundError:
        return gaps
    for line in lines:
        fields = line.split()
        if len(fields) != 2:
            continue
        moment = float(fields[1].replace(",", "."))
        if fields[0] == "exit":
            last_exit = moment
        elif fields[0] == "start" and last_exit is not None:
            gaps.append(moment - last_exit)
            last_exit = None
    return gaps


def observe(context, tool, restart):
    """Run the child under `tool` with `restart` settings; return (gaps, starts)."""
    sizes = context.sizes
    with ToolRun(context, tool) as run:
        stamps = pathlib.Path(run.workdir) / "stamps"
        argv = [run.children.restart, stamps, RUN_SECONDS]
        if tool == REFERENCE:
            loop = 'while :; do "$@"; done'
            run.tracker.spawn(["bash", "-c", loop, "loop", *map(str, argv)])
        else:
            run.start([Component("child", argv, restart=restart)])

        check = run.adapter.check_running if run.adapter else None

        if restart == FAST_RESTART:

            def enough():
                if check:
                    check()
                return len(restart_gaps(stamps)) >= sizes.restarts

            poll(enough, FAST_RESTART_TIMEOUT_S, f"{sizes.restarts} restarts", 0.02)
        else:
            # At default settings a tool may slow down or give up: observe a
            # fixed window and report what happened in it.
            watch(sizes.default_restart_window_s, check)
        gaps = restart_gaps(stamps)[: sizes.restarts]
        return gaps, len(read_timestamps(stamps, "start"))


def run(context, tool):
    measurements = []
    cases = [FAST_RESTART] if tool == REFERENCE else [FAST_RESTART, DEFAULTS]
    for restart in cases:
        gaps, starts = observe(context, tool, restart)
        gaps_ms = [gap * 1000 for gap in gaps]
        case = "shortest delay" if restart == FAST_RESTART else "default settings"
        measurements.append(Measurement(NAME, f"gap median, {case}", tool, median(gaps_ms), "ms"))
        measurements.append(
            Measurement(NAME, f"gap p90, {case}", tool, percentile(gaps_ms, 0.9), "ms")
        )
        if restart == DEFAULTS:
            window = context.sizes.default_restart_window_s
            metric = f"starts within {window:g} s, {case}"
            measurements.append(Measurement(NAME, metric, tool, starts, lower_is_better=None))
    return measurements
