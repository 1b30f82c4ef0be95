"""API: latency of the CLI call that lists every component, with N running.

`tend status --json`, `supervisorctl status` and `pm2 jlist`, each timed
from spawn to exit, so the client's own start-up is included. Horust is left
out: 0.1.14 has no command that lists every service.
"""

import time

from children import sleeper_argv
from peers import Component

from .common import Measurement, ToolRun, median, percentile, wait_supervised

NAME = "api"
TITLE = "8. API"
SUPPORTED = ("tend", "supervisord", "pm2")
START_TIMEOUT_S = 600.0


def tools(context):
    return [tool for tool in context.tools if tool in SUPPORTED]


def run(context, tool):
    count = context.sizes.api_components
    with ToolRun(context, tool) as run:
        components = [Component(f"api{index}", sleeper_argv()) for index in range(count)]
        run.start(components)
        wait_supervised(run.adapter, "sleep", count, START_TIMEOUT_S)
        argv = run.adapter.status_argv()
        # supervisorctl status exits 3 while some program is not running.
        run.adapter.run_cli(argv, check=False)
        latencies = []
        for _ in range(context.sizes.api_calls):
            began = time.monotonic()
            result = run.adapter.run_cli(argv, check=False)
            latencies.append((time.monotonic() - began) * 1000)
            if result.returncode != 0:
                raise RuntimeError(f"{' '.join(argv)} exited with status {result.returncode}")
    return [
        Measurement(NAME, f"list {count} components, median", tool, median(latencies), "ms"),
        Measurement(NAME, f"list {count} components, p90", tool, percentile(latencies, 0.9), "ms"),
    ]
