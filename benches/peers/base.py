"""The interface of a supervisor adapter, and the component description."""

import dataclasses
import pathlib
import signal
import subprocess
import time

import procfs
from processes import Deadline, poll, send

# Restart settings of a component.
DEFAULTS = "defaults"  # the tool's own defaults, nothing set
FAST_RESTART = "fast-restart"  # restart always, the shortest delay the tool allows

READY_TIMEOUT_S = 60.0
SHUTDOWN_TIMEOUT_S = 30.0
CLI_TIMEOUT_S = 120.0


@dataclasses.dataclass
class Component:
    """One supervised program as the scenarios describe it."""

    name: str
    argv: list
    restart: str = DEFAULTS
    # Where the tool writes the program's standard output, when a scenario
    # reads it back. Tend always writes STATE_DIR/logs/NAME.log instead.
    stdout_path: pathlib.Path = None


class Supervisor:
    """One run of a supervisor in its own temporary directory.

    Subclasses write their config in `configure`, start the supervisor in
    `launch`, and drive it with their own CLI. `tracker` starts every
    process, so `ProcessTracker.kill_all` finds them all afterwards.
    """

    name = "?"
    # Variables removed from, and set in, the environment of every process
    # the adapter starts.
    unset_variables = ()
    extra_variables = {}

    def __init__(self, workdir, tracker, paths):
        self.workdir = pathlib.Path(workdir)
        self.tracker = tracker
        self.paths = paths
        self.components = []
        self.no_log_rotation = False
        self.process = None

    # Configuration and life cycle -------------------------------------------

    def configure(self, components, no_log_rotation=False):
        self.components = list(components)
        self.no_log_rotation = no_log_rotation
        self.write_config()

    def write_config(self):
        raise NotImplementedError

    def launch(self):
        """Start the supervisor (and its components) without waiting."""
        raise NotImplementedError

    def wait_ready(self):
        """Wait until the supervisor's control interface accepts commands."""
        raise NotImplementedError

    def supervisor_pids(self):
        """Pids of the supervisor's own processes (not its components)."""
        return [self.process.pid] if self.process and procfs.is_alive(self.process.pid) else []

    def shutdown(self):
        """Stop every component and the supervisor, gracefully, by the tool's own means."""
        self.terminate_and_wait()

    def terminate_and_wait(self):
        if self.process is None or self.process.poll() is not None:
            return
        send(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass

    # Control commands -----------------------------------------------------

    def stop_all(self):
        """Stop every component through the tool's usual command; return when it returns."""
        raise NotImplementedError

    def status_argv(self):
        """Return the CLI call that lists every component, or None when the tool has none."""
        return None

    def states(self):
        """Map of component name to the tool's own state word."""
        return {}

    def state_of(self, name):
        return self.states().get(name, "unknown")

    def version(self):
        raise NotImplementedError

    # Settings, for the results ----------------------------------------------

    def settings(self, restart, no_log_rotation=False):
        """Describe the tool's settings for a `restart` profile, as printed with the results."""
        raise NotImplementedError

    # Logs -----------------------------------------------------------------

    def log_path(self, component):
        return component.stdout_path

    def payload_of_line(self, line):
        """Return the bytes a program wrote, from one line of the tool's log file."""
        return line

    # Helpers --------------------------------------------------------------

    def run_cli(self, argv, timeout=CLI_TIMEOUT_S, check=True):
        return self.tracker.run(
            argv,
            timeout=timeout,
            env=self.extra_variables,
            unset=self.unset_variables,
            check=check,
        )

    def spawn(self, argv, stem, **kwargs):
        """Start a long-running process of the tool, its output in WORKDIR/STEM.out."""
        with open(self.workdir / f"{stem}.out", "ab") as output:
            return self.tracker.spawn(
                argv,
                env=self.extra_variables,
                unset=self.unset_variables,
                stdout=output,
                stderr=subprocess.STDOUT,
                **kwargs,
            )

    def check_running(self):
        """Raise if the supervisor process has exited."""
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with status {self.process.returncode}; "
                f"see {self.workdir}/{self.name}.out"
            )

    def wait_exit(self, seconds):
        """Wait for the supervisor process itself to exit."""
        if self.process is None:
            return
        deadline = Deadline(seconds, f"{self.name} to exit")
        while self.process.poll() is None:
            deadline.check()
            time.sleep(0.01)


def wait_for(condition, seconds, what):
    return poll(condition, seconds, what, interval=0.02)
