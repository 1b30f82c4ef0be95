"""Log throughput: a child writes N bytes of 100-byte lines to stdout.

The time runs from the writer's own start timestamp until the log file
contains the last line. Then the payload bytes in the log are counted (for
Tend, each line without its `<RFC 3339 time> out ` prefix) and compared with
what was written. Rotation is disabled in every tool. The reference is the
same writer with stdout redirected straight to a file.
"""

import os
import pathlib
import subprocess
import time

from children import LOG_LINE_BYTES, read_timestamps
from peers import Component
from processes import poll

from .common import REFERENCE, Measurement, ToolRun

NAME = "logs"
TITLE = "5. Log throughput"
TAIL_BYTES = 4096
SECONDS_PER_MB = 3.0
MIN_TIMEOUT_S = 60.0
WRITER_END_TIMEOUT_S = 10.0


class BytesLost(AssertionError):
    """Bytes the child wrote that are missing from Tend's log."""


def tools(context):
    return [*context.tools, REFERENCE] if context.mode == "full" else context.tools


def log_contains_line(path, tag):
    """Check whether the last TAIL_BYTES of the file contain `tag`."""
    try:
        with open(path, "rb") as file:
            file.seek(0, os.SEEK_END)
            size = file.tell()
            file.seek(max(0, size - TAIL_BYTES))
            return tag in file.read()
    except FileNotFoundError:
        return False


def payload_bytes(path, payload_of_line):
    """Return the sum of the payload bytes of every line in the log, with their newlines."""
    total = 0
    with open(path, "rb") as file:
        for line in file:
            total += len(payload_of_line(line))
    return total


def run(context, tool):
    total = context.sizes.log_bytes
    lines = total // LOG_LINE_BYTES
    expected = lines * LOG_LINE_BYTES
    last_tag = b"%09d " % (lines - 1)
    timeout = max(MIN_TIMEOUT_S, SECONDS_PER_MB * total / 1e6)
    # Earlier runs leave hundreds of MB of dirty pages; the kernel would
    # throttle whichever writer comes next while writing them back.
    os.sync()

    with ToolRun(context, tool) as run:
        workdir = pathlib.Path(run.workdir)
        times, output = workdir / "writer-times", workdir / "writer.log"
        argv = run.children.log_writer_argv(total, times)
        if tool == REFERENCE:
            with open(output, "wb") as file:
                run.tracker.spawn(
                    [str(arg) for arg in argv], stdout=file, stderr=subprocess.DEVNULL
                )
            log_path, payload_of_line, meter = output, bytes, None
        else:
            component = Component("writer", argv, stdout_path=output)
            run.start([component], no_log_rotation=True)
            meter = run.cpu_meter(from_start=True)
            log_path = run.adapter.log_path(component)
            payload_of_line = run.adapter.payload_of_line

        def complete():
            if run.adapter:
                run.adapter.check_running()
            return log_contains_line(log_path, last_tag)

        poll(complete, timeout, f"the log to contain all {total} bytes", 0.02)
        finished = time.time()
        cpu_s = meter.used_ns() / 1e9 if meter else None
        started = read_timestamps(times, "start")[0]
        # The writer records its end once its last write returns, which can
        # be just after the last line reaches a file it writes itself.
        writer_end = poll(
            lambda: read_timestamps(times, "end"), WRITER_END_TIMEOUT_S, "the writer's end time"
        )[0]
        counted = payload_bytes(log_path, payload_of_line)
        lost = expected - counted
        # Raised inside the run, so that its directory is kept for a look.
        if tool == "tend" and lost != 0:
            raise BytesLost(f"tend lost log bytes: {log_path} contains {counted} of {expected}")

    elapsed = finished - started
    megabytes = total / 1e6
    measurements = [
        Measurement(NAME, f"{megabytes:g} MB: until all in the log", tool, elapsed, "s"),
        Measurement(
            NAME,
            f"{megabytes:g} MB: throughput",
            tool,
            megabytes / elapsed,
            "MB/s",
            lower_is_better=False,
        ),
        Measurement(NAME, f"{megabytes:g} MB: bytes lost", tool, lost, "B"),
    ]
    if cpu_s is not None:
        measurements.append(
            Measurement(NAME, f"{megabytes:g} MB: supervisor CPU", tool, cpu_s, "s")
        )
    measurements.append(
        Measurement(
            NAME, f"{megabytes:g} MB: writer's own write time", tool, writer_end - started, "s"
        )
    )
    return measurements
