"""The programs the scenarios supervise, written into a run's temporary directory.

Timestamps come from bash's $EPOCHREALTIME (wall-clock seconds with
microseconds, no fork), so they compare with the harness's time.time().
"""

import os
import pathlib
import sys

# Appends "start TIME" and, after RUN_SECONDS, "exit TIME" to FILE, then exits 1.
RESTART_CHILD = """#!/bin/bash
printf 'start %s\\n' "$EPOCHREALTIME" >> "$1"
sleep "$2"
printf 'exit %s\\n' "$EPOCHREALTIME" >> "$1"
exit 1
"""

# Appends "start TIME" to FILE and exits 1 at once.
CRASH_CHILD = """#!/bin/bash
printf 'start %s\\n' "$EPOCHREALTIME" >> "$1"
exit 1
"""

# Appends "PID TIME" to FILE, then sleeps as the same process.
PID_CHILD = """#!/bin/bash
printf '%s %s\\n' "$$" "$EPOCHREALTIME" >> "$1"
exec sleep 1000000
"""

# Creates the marker file FILE, then sleeps as the same process.
MARKER_CHILD = """#!/bin/bash
: > "$1"
exec sleep 1000000
"""

# Starts two grandchildren, one in bash's process group and one in a
# session of its own (out of reach of a process-group signal), appends the
# three pids to FILE, and waits. bash exits on SIGTERM; the sleeps outlive
# it unless the supervisor signals them too.
FAMILY_CHILD = """#!/bin/bash
sleep 1000000 &
echo "$!" >> "$1"
setsid sleep 1000000 &
echo "$!" >> "$1"
echo "$$" >> "$1"
wait
"""

# Writes TOTAL bytes of 100-byte lines to stdout ("NNNNNNNNN xxx...x\\n",
# the line number first), records its start and end times in TIMES, then
# sleeps so that no restart writes the lines again.
LOG_WRITER = """
import os
import sys
import time

LINE_BYTES = 100
LINES_PER_WRITE = 1000

total, times_path = int(sys.argv[1]), sys.argv[2]
with open(times_path, "w") as times:
    times.write(f"start {time.time()!r}\\n")
lines = total // LINE_BYTES
filler = b"x" * (LINE_BYTES - 11) + b"\\n"
number = 0
while number < lines:
    count = min(LINES_PER_WRITE, lines - number)
    chunk = b"".join(b"%09d " % (number + offset) + filler for offset in range(count))
    view = memoryview(chunk)
    while view:
        view = view[os.write(1, view):]
    number += count
with open(times_path, "a") as times:
    times.write(f"end {time.time()!r}\\n")
time.sleep(1000000)
"""

LOG_LINE_BYTES = 100


class Children:
    """The child programs, as files in `directory`."""

    def __init__(self, directory):
        self.directory = pathlib.Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.restart = self.write("restart-child.sh", RESTART_CHILD)
        self.crash = self.write("crash-child.sh", CRASH_CHILD)
        self.pid = self.write("pid-child.sh", PID_CHILD)
        self.marker = self.write("marker-child.sh", MARKER_CHILD)
        self.family = self.write("family-child.sh", FAMILY_CHILD)
        self.log_writer = self.write("log-writer.py", LOG_WRITER)

    def write(self, name, text):
        path = self.directory / name
        path.write_text(text)
        os.chmod(path, 0o755)
        return path

    def log_writer_argv(self, total_bytes, times_path):
        return [sys.executable, self.log_writer, total_bytes, times_path]


def sleeper_argv():
    return ["/bin/sleep", "1000000"]


def read_timestamps(path, kind):
    """Times of the lines `KIND TIME` in a file the children append to."""
    try:
        text = pathlib.Path(path).read_text()
    except FileNotFoundError:
        return []
    times = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[0] == kind:
            times.append(float(fields[1].replace(",", ".")))
    return times
