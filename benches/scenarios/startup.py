"""Start-up: from launching the supervisor until every child has written its marker.

Each child creates a marker file and then sleeps. The clock starts before
the supervisor is spawned (for PM2, before `pm2 start`, which also starts
the God daemon) and stops when the marker folder contains one file per child.
"""

import os
import pathlib
import time

import procfs
from peers import Component
from processes import poll

from .common import Measurement, ToolRun

NAME = "startup"
TITLE = "4. Start-up"
TIMEOUT_S = 300.0


def tools(context):
    return context.tools


def run(context, tool):
    count = context.sizes.startup_children
    with ToolRun(context, tool) as run:
        markers = pathlib.Path(run.workdir) / "markers"
        markers.mkdir()
        components = [
            Component(f"start{index}", [run.children.marker, markers / f"start{index}"])
            for index in range(count)
        ]
        run.adapter.configure(components)
        launched = time.monotonic()
        run.adapter.launch()

        def all_markers():
            if run.adapter.process is not None:
                run.adapter.check_running()
            return len(os.listdir(markers)) >= count

        poll(all_markers, TIMEOUT_S, f"{count} marker files", 0.002)
        elapsed = time.monotonic() - launched
        cpu_ns = sum(procfs.cpu_ns(pid) for pid in run.adapter.supervisor_pids())
        run.adapter.wait_ready()
    return [
        Measurement(NAME, f"{count} children: launch to all markers", tool, elapsed * 1000, "ms"),
        Measurement(NAME, f"{count} children: supervisor CPU until then", tool, cpu_ns / 1e6, "ms"),
    ]
