"""Stop: stopping every component, and what survives a stop.

Part one stops N `sleep` children (which exit on SIGTERM) with the tool's
stop-all command: `tend stop --all`, `supervisorctl stop all`, `pm2 stop
all`, and SIGTERM to horust, which has no stop command. The time runs until
the command has returned and every child is gone.

Part two stops one bash child with two grandchildren, one in its process
group and one in a session of its own, and counts which of the three
processes are still alive a few seconds after the stop returned.
"""

import pathlib
import time

import procfs
from children import sleeper_argv
from peers import Component
from processes import poll

from .common import Measurement, ToolRun, supervised_processes, wait_supervised, watch

NAME = "stop"
TITLE = "6. Stop"
START_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 120.0
FAMILY_SIZE = 3


def tools(context):
    return context.tools


def stop_many(context, tool):
    count = context.sizes.stop_components
    with ToolRun(context, tool) as run:
        components = [Component(f"stop{index}", sleeper_argv()) for index in range(count)]
        run.start(components)
        wait_supervised(run.adapter, "sleep", count, START_TIMEOUT_S)
        pids = supervised_processes(run.adapter, "sleep")

        began = time.monotonic()
        run.adapter.stop_all()
        poll(
            lambda: not any(procfs.is_alive(pid) for pid in pids),
            STOP_TIMEOUT_S,
            "every child to exit",
        )
        return time.monotonic() - began


def survivors(context, tool):
    with ToolRun(context, tool) as run:
        pid_file = pathlib.Path(run.workdir) / "family"
        run.start([Component("family", [run.children.family, pid_file])])

        def recorded():
            text = procfs.read_text(pid_file) or ""
            pids = [int(line) for line in text.split()]
            return pids if len(pids) >= FAMILY_SIZE else None

        pids = poll(recorded, START_TIMEOUT_S, "the child to record its grandchildren")
        run.adapter.stop_all()
        watch(context.sizes.survivor_wait_s)
        return sum(1 for pid in pids if procfs.is_alive(pid))


def run(context, tool):
    count = context.sizes.stop_components
    elapsed = stop_many(context, tool)
    alive = survivors(context, tool)
    wait = context.sizes.survivor_wait_s
    return [
        Measurement(NAME, f"stop all {count}", tool, elapsed * 1000, "ms"),
        Measurement(
            NAME,
            f"child + 2 grandchildren: alive {wait:g} s after stop",
            tool,
            alive,
            f"of {FAMILY_SIZE}",
        ),
    ]
