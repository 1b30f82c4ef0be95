"""Idle overhead: the supervisor's CPU and memory while N `sleep` children run.

CPU is that of the supervisor's own processes (for PM2 the God daemon)
over the window, as a percentage of one core. Memory is their summed VmRSS,
the median of one sample per second. Tend samples component metrics at its
idle period (every 5 s, as no client watches) throughout.
"""

import time

import procfs
from children import sleeper_argv
from peers import Component

from .common import Measurement, ToolRun, median, wait_supervised, watch

NAME = "idle"
TITLE = "3. Idle overhead"
START_TIMEOUT_S = 600.0
SAMPLE_PERIOD_S = 1.0


def tools(context):
    return context.tools


def settle_seconds(context):
    """Time after the last start before measuring, so start-up work is over."""
    return 5.0 if context.mode == "full" else 1.0


def measure(context, tool, count):
    """Return (CPU percent of one core, median RSS in bytes) with `count` children."""
    with ToolRun(context, tool) as run:
        components = [Component(f"idle{index}", sleeper_argv()) for index in range(count)]
        run.start(components)
        wait_supervised(run.adapter, "sleep", count, START_TIMEOUT_S)
        watch(settle_seconds(context), run.adapter.check_running)

        meter = run.cpu_meter()
        rss_samples = []
        began = time.monotonic()
        end = began + context.sizes.idle_duration_s
        while time.monotonic() < end:
            watch(min(SAMPLE_PERIOD_S, max(end - time.monotonic(), 0)), run.adapter.check_running)
            meter.sample()
            rss_samples.append(sum(procfs.rss_bytes(pid) for pid in run.adapter.supervisor_pids()))
        elapsed = time.monotonic() - began
        cpu_percent = meter.used_ns() / (elapsed * 1e9) * 100
        return cpu_percent, median(rss_samples)


def run(context, tool):
    measurements = []
    rss_by_count = {}
    for count in context.sizes.idle_counts:
        cpu_percent, rss = measure(context, tool, count)
        rss_by_count[count] = rss
        measurements += [
            Measurement(NAME, f"{count} children: CPU", tool, cpu_percent, "% of a core"),
            Measurement(NAME, f"{count} children: RSS", tool, rss / 2**20, "MiB"),
        ]
    counts = sorted(rss_by_count)
    if len(counts) >= 2:
        low, high = counts[0], counts[-1]
        growth = (rss_by_count[high] - rss_by_count[low]) / (high - low)
        measurements.append(
            Measurement(NAME, f"RSS per added child ({low} to {high})", tool, growth / 1024, "KiB")
        )
    return measurements
