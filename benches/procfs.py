"""Readings from /proc: CPU time, resident memory, process trees, liveness.

Every function takes pids of processes the harness started (or their
descendants) and tolerates a process that exits between two reads.
"""

import os

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def read_text(path):
    """Return the file's text, or None when it (or its process) is gone."""
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


def stat_fields(pid):
    """Return the fields of /proc/PID/stat after the command name, or None.

    The command name is in brackets and may contain spaces, so the fields
    start after the last ')'. Index 0 is the state (field 3 of proc(5)).
    """
    text = read_text(f"/proc/{pid}/stat")
    if text is None:
        return None
    return text[text.rindex(")") + 2 :].split()


def is_alive(pid):
    """Check that the process exists and is not a zombie."""
    fields = stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def parent_pid(pid):
    fields = stat_fields(pid)
    return int(fields[1]) if fields else None


def cpu_ns(pid):
    """Return the CPU time of a process in nanoseconds, or 0 when it is gone.

    The sum of the first field of /proc/PID/task/*/schedstat covers the live
    threads at nanosecond resolution, but loses threads that already exited.
    utime + stime from /proc/PID/stat includes exited threads, at clock-tick
    resolution. The larger of the two is returned.
    """
    threads = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except (FileNotFoundError, ProcessLookupError):
        return 0
    for tid in tids:
        text = read_text(f"/proc/{pid}/task/{tid}/schedstat")
        if text:
            threads += int(text.split()[0])
    fields = stat_fields(pid)
    ticks = int(fields[11]) + int(fields[12]) if fields else 0
    return max(threads, ticks * 1_000_000_000 // CLOCK_TICKS)


def rss_bytes(pid):
    """Return the VmRSS of a process in bytes, or 0 when it is gone."""
    text = read_text(f"/proc/{pid}/status")
    if text is None:
        return 0
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def children(pid):
    """Return the direct children of a process, from the children files of its threads."""
    found = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except (FileNotFoundError, ProcessLookupError):
        return found
    for tid in tids:
        text = read_text(f"/proc/{pid}/task/{tid}/children")
        if text:
            found.extend(int(child) for child in text.split())
    return found


def descendants(pid):
    """Return every live descendant of a process, depth first."""
    found = []
    stack = children(pid)
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(children(child))
    return found


def has_env(pid, name, value):
    """Check whether the process's initial environment contains NAME=VALUE."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as file:
            environ = file.read()
    except OSError:
        return False
    return f"{name}={value}".encode() in environ.split(b"\0")


def pids_with_env(name, value):
    """Return the pids of processes whose initial environment contains NAME=VALUE.

    The harness sets a unique marker variable in every supervisor it starts,
    and the adapters make sure the components inherit it. So this finds
    processes that left the tree without matching anything by name, such as
    a grandchild that moved to its own session and was reparented to init.
    """
    own = os.getpid()
    return [
        int(entry)
        for entry in os.listdir("/proc")
        if entry.isdigit() and int(entry) != own and has_env(entry, name, value)
    ]


class CpuMeter:
    """CPU time used by a set of processes between two readings.

    Processes are added as they are found (a PM2 God daemon starts after
    the CLI that spawns it). A process that exits between readings loses
    the time it used since the last reading, so call `sample` now and then
    during long measurements.
    """

    def __init__(self):
        self.first = {}
        self.last = {}

    def add(self, pid, from_start=False):
        """Measure `pid` from now, or from its start when `from_start` is set."""
        if pid not in self.first:
            value = cpu_ns(pid)
            self.first[pid] = 0 if from_start else value
            self.last[pid] = value

    def sample(self):
        for pid in self.first:
            value = cpu_ns(pid)
            if value:
                self.last[pid] = value

    def used_ns(self):
        self.sample()
        return sum(self.last[pid] - self.first[pid] for pid in self.first)
