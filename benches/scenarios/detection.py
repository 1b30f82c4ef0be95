"""Failure detection: from SIGKILL of a child to the exit reaching a client.

Tend: the component event on GET /v1/events. supervisord: a
PROCESS_STATE_EXITED event at an event listener. PM2: an `exit` process
event on its bus (pm2.launchBus). Horust is left out: 0.1.14 publishes no
state changes to clients. The kill time is time.time() just before kill(2);
the receive time is the observer's wall clock.
"""

import os
import pathlib
import queue
import signal
import sys
import time

import procfs
from observers import (
    PM2_LISTENER,
    SUPERVISORD_LISTENER,
    TendEvents,
    read_listener_lines,
)
from peers import FAST_RESTART, Component
from processes import poll

from .common import Measurement, ToolRun, median, percentile

NAME = "detection"
TITLE = "2. Failure detection"
SUPPORTED = ("tend", "supervisord", "pm2")
WAIT_S = 30.0
COMPONENT = "victim"


def tools(context):
    return [tool for tool in context.tools if tool in SUPPORTED]


def running_pid(pid_file, after):
    """Return the pid the child recorded last, once it differs from `after`."""
    text = procfs.read_text(pid_file)
    lines = text.splitlines() if text else []
    if not lines:
        return None
    pid = int(lines[-1].split()[0])
    return pid if pid != after else None


class TendObserver:
    """Observer of the victim's exits on Tend's /v1/events stream."""

    def __init__(self, run):
        self.stream = TendEvents(run.adapter.endpoint()["socket"])
        self.stream.start()
        kind = self.next_event(lambda kind, data: True)[1]
        if kind != "snapshot":
            raise RuntimeError(f"/v1/events opened with {kind!r}, expected a snapshot")

    def next_event(self, matches):
        """Return (receive time, type, data) of the next event that `matches`."""
        while True:
            try:
                received, kind, data = self.stream.events.get(timeout=WAIT_S)
            except queue.Empty:
                reason = f" (the stream failed: {self.stream.error})" if self.stream.error else ""
                raise TimeoutError(
                    f"no matching event on /v1/events in {WAIT_S:g} s{reason}"
                ) from None
            if matches(kind, data):
                return received, kind, data

    def wait_exit(self, pid):
        def is_exit(kind, data):
            component = data.get("component") or {}
            return (
                kind == "component"
                and component.get("name") == COMPONENT
                and data.get("previous") == "running"
                and component.get("state") != "running"
            )

        return self.next_event(is_exit)[0]

    def close(self):
        self.stream.close()


class ListenerObserver:
    """Observer of the file that a supervisord or PM2 listener appends to."""

    def __init__(self, path, match, process=None):
        self.path = path
        self.match = match
        self.process = process
        self.seen = len(read_listener_lines(path))

    def wait_exit(self, pid):
        def found():
            lines = read_listener_lines(self.path)
            for fields in lines[self.seen :]:
                if self.match(fields, pid):
                    self.seen = len(lines)
                    return float(fields[0])
            return None

        return poll(found, WAIT_S, f"the listener to report the exit of pid {pid}", 0.002)

    def close(self):
        """Stop the listener the harness started (supervisord stops its own)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=WAIT_S)


def supervisord_observer(run):
    path = pathlib.Path(run.workdir) / "listener.out"
    return ListenerObserver(
        path, lambda fields, pid: fields[1] == "PROCESS_STATE_EXITED" and fields[2] == str(pid)
    )


def start_pm2_listener(run):
    workdir = pathlib.Path(run.workdir)
    script = run.children.write("pm2-listener.js", PM2_LISTENER)
    out, ready = workdir / "listener.out", workdir / "listener.ready"
    module = run.context.paths.pm2_package_json.parent
    process = run.adapter.spawn(["node", script, module, out, ready], "pm2-listener")
    poll(ready.exists, WAIT_S, "the PM2 bus client to subscribe", 0.02)
    return ListenerObserver(
        out, lambda fields, pid: fields[1] == "exit" and fields[2] == COMPONENT, process
    )


def configure_supervisord_listener(run):
    script = run.children.write("supervisord-listener.py", SUPERVISORD_LISTENER)
    out = pathlib.Path(run.workdir) / "listener.out"
    section = [
        "[eventlistener:listener]",
        f"command={sys.executable} {script} {out}",
        "events=PROCESS_STATE_EXITED",
        "",
    ]
    run.adapter.extra_sections = section


def run(context, tool):
    with ToolRun(context, tool) as run:
        pid_file = pathlib.Path(run.workdir) / "pids"
        component = Component(COMPONENT, [run.children.pid, pid_file], restart=FAST_RESTART)
        if tool == "supervisord":
            configure_supervisord_listener(run)
        run.start([component])
        if tool == "tend":
            observer = TendObserver(run)
        elif tool == "supervisord":
            observer = supervisord_observer(run)
        else:
            observer = start_pm2_listener(run)
        try:
            delays = measure(context, run, observer, pid_file)
        finally:
            observer.close()
    delays_ms = [delay * 1000 for delay in delays]
    return [
        Measurement(NAME, "exit to client, median", tool, median(delays_ms), "ms"),
        Measurement(NAME, "exit to client, p90", tool, percentile(delays_ms, 0.9), "ms"),
    ]


def measure(context, run, observer, pid_file):
    delays = []
    last_pid = None
    for _ in range(context.sizes.detections):
        pid = poll(
            lambda previous=last_pid: running_pid(pid_file, previous),
            WAIT_S,
            "the child to start",
            0.005,
        )
        poll(
            lambda current=pid: is_supervised_sleep(run, current),
            WAIT_S,
            "the child to exec sleep",
            0.005,
        )
        killed = time.time()
        os.kill(pid, signal.SIGKILL)
        delays.append(observer.wait_exit(pid) - killed)
        last_pid = pid
    return delays


def is_supervised_sleep(run, pid):
    """Check that `pid` is a direct child of the supervisor and has exec'd sleep."""
    run.adapter.check_running()
    comm = procfs.read_text(f"/proc/{pid}/comm")
    if comm is None or comm.strip() != "sleep":
        return False
    return any(pid in procfs.children(root) for root in run.adapter.supervisor_pids())
