"""Starting processes for a scenario and killing every one of them afterwards.

Each scenario run gets a `ProcessTracker` with a unique marker variable
(`TEND_BENCH_RUN=<random id>`) set in the environment of everything it
starts. Cleanup kills, by pid, the tracked processes, their descendants and
every process that carries the marker, so a grandchild that escaped into
its own session or a daemon that detached from its launcher is found too.
"""

import os
import signal
import subprocess
import time
import uuid

import procfs

MARKER_VARIABLE = "TEND_BENCH_RUN"
KILL_DEADLINE_S = 10.0


class Deadline:
    """A point in monotonic time that polling loops check against."""

    def __init__(self, seconds, what):
        self.end = time.monotonic() + seconds
        self.seconds = seconds
        self.what = what

    def remaining(self):
        return self.end - time.monotonic()

    def expired(self):
        return self.remaining() <= 0

    def check(self):
        if self.expired():
            raise TimeoutError(f"timed out after {self.seconds:.0f} s waiting for {self.what}")


def poll(condition, seconds, what, interval=0.005):
    """Call `condition` until it returns a true value, which is returned.

    Raises TimeoutError naming `what` once `seconds` have passed.
    """
    deadline = Deadline(seconds, what)
    while True:
        value = condition()
        if value:
            return value
        deadline.check()
        time.sleep(min(interval, max(deadline.remaining(), 0)))


class ProcessTracker:
    """Processes started by one scenario run, killed together by `kill_all`."""

    def __init__(self):
        self.marker = uuid.uuid4().hex
        self.started = []
        self.extra_pids = set()

    def environment(self, extra=None, unset=()):
        """Return os.environ with the marker and `extra` set and the names in `unset` removed."""
        env = dict(os.environ)
        for name in unset:
            env.pop(name, None)
        env[MARKER_VARIABLE] = self.marker
        if extra:
            env.update(extra)
        return env

    def spawn(self, argv, env=None, unset=(), **kwargs):
        """Start `argv` in a new session with the marker set; return the Popen."""
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        process = subprocess.Popen(
            argv, env=self.environment(env, unset), start_new_session=True, **kwargs
        )
        self.started.append(process)
        return process

    def run(self, argv, timeout, env=None, unset=(), check=True, **kwargs):
        """Run `argv` to completion with the marker set; return CompletedProcess.

        The process is killed (and TimeoutExpired raised) after `timeout` s.
        """
        process = self.spawn(
            argv, env=env, unset=unset, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill_tree(process.pid)
            process.communicate()
            raise
        result = subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)
        if check and process.returncode != 0:
            raise RuntimeError(
                f"{' '.join(map(str, argv))} exited with status {process.returncode}: "
                f"{stderr.decode(errors='replace').strip()[-2000:]}"
            )
        return result

    def track(self, pid):
        """Add a process the harness did not spawn itself (a detached daemon)."""
        self.extra_pids.add(pid)

    def kill_tree(self, pid):
        for member in [pid, *procfs.descendants(pid)]:
            send(member, signal.SIGKILL)

    def victims(self):
        """Return every live process of this run: tracked, descendants, marked.

        A spawned process counts only until it is reaped and a tracked pid
        only while it carries the marker, so a reused pid is never included.
        """
        roots = [process.pid for process in self.started if process.poll() is None]
        roots += [
            pid
            for pid in sorted(self.extra_pids)
            if procfs.has_env(pid, MARKER_VARIABLE, self.marker)
        ]
        found = set()
        for root in roots:
            found.add(root)
            found.update(procfs.descendants(root))
        found.update(procfs.pids_with_env(MARKER_VARIABLE, self.marker))
        return {pid for pid in found if procfs.is_alive(pid)}

    def kill_all(self):
        """SIGKILL every process of this run; return the command names of those killed.

        Raises RuntimeError if some survive the deadline (a process in D
        state, for example), naming their pids.
        """
        killed = {}
        deadline = Deadline(KILL_DEADLINE_S, "processes of this run to exit")
        while True:
            alive = self.victims()
            if not alive:
                break
            for pid in alive:
                if pid not in killed:
                    killed[pid] = (procfs.read_text(f"/proc/{pid}/comm") or "?").strip()
                send(pid, signal.SIGKILL)
            if deadline.expired():
                raise RuntimeError(f"processes survived SIGKILL: {sorted(alive)}")
            time.sleep(0.02)
        for process in self.started:
            if process.poll() is None:
                process.wait(timeout=KILL_DEADLINE_S)
        return sorted(killed.values())


def send(pid, signum):
    """Send a signal, ignoring a process that is already gone."""
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
