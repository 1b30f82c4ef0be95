"""Horust, from crates.io, with one service file per component.

Horust 0.1.14 has no command that lists or stops every service. Its
`horustctl` (a separate crate) requests one service's status at a time.
On SIGTERM, horust stops every service and exits.
"""

import re
import shlex
import signal

import procfs
from processes import MARKER_VARIABLE, send

from .base import FAST_RESTART, SHUTDOWN_TIMEOUT_S, Supervisor

FAST_RESTART_SECTION = {"strategy": '"always"', "backoff": '"0s"'}


class Horust(Supervisor):
    name = "horust"

    @property
    def services_dir(self):
        return self.workdir / "services"

    def write_config(self):
        self.services_dir.mkdir(exist_ok=True)
        logs = self.workdir / "horust-logs"
        logs.mkdir(exist_ok=True)
        for component in self.components:
            # Horust expands $VARIABLES in the whole file and splits the command with shlex.
            command = shlex.join(str(arg) for arg in component.argv)
            if "$" in command:
                raise ValueError(f"horust would expand '$' in the command {command!r}")
            stdout = component.stdout_path or logs / f"{component.name}.out"
            lines = [
                f"command = {toml_string(command)}",
                f"stdout = {toml_string(str(stdout))}",
                f"stderr = {toml_string(str(logs / (component.name + '.err')))}",
            ]
            # Horust 0.1.14 passes only a few variables to services by default
            # (keep-env is false), so the cleanup marker is set explicitly.
            lines.append("[environment]")
            lines.append(
                f"additional = {{ {MARKER_VARIABLE} = {toml_string(self.tracker.marker)} }}"
            )
            if component.restart == FAST_RESTART:
                lines.append("[restart]")
                lines.extend(f"{key} = {value}" for key, value in FAST_RESTART_SECTION.items())
            (self.services_dir / f"{component.name}.toml").write_text("\n".join(lines) + "\n")

    def launch(self):
        argv = [
            str(self.paths.horust),
            "--config-path",
            str(self.workdir / "horust.toml"),
            "--services-path",
            str(self.services_dir),
            "--uds-folder-path",
            str(self.workdir / "uds"),
        ]
        self.process = self.spawn(argv, self.name)

    def wait_ready(self):
        # Horust has no control interface to poll, and it starts its services itself.
        self.check_running()

    def stop_all(self):
        send(self.process.pid, signal.SIGTERM)
        self.wait_exit(SHUTDOWN_TIMEOUT_S)

    def check_running(self):
        # Horust exits with status 0 once every service has finished for
        # good, which is its normal end when nothing restarts.
        if self.process is not None and self.process.poll() == 0:
            return
        super().check_running()

    def state_of(self, name):
        """Describe the service from the process tree, as horust has no status command."""
        if self.process.poll() is not None:
            return f"horust exited ({self.process.returncode})"
        alive = [pid for pid in self.supervisor_pids() if procfs.descendants(pid)]
        return "running" if alive else "not running"

    def version(self):
        text = (self.paths.horust.parent.parent / ".crates.toml").read_text()
        match = re.search(r'"horust (\S+) ', text)
        return "horust " + (match.group(1) if match else "unknown")

    def settings(self, restart, no_log_rotation=False):
        text = "stdout/stderr = files"
        if no_log_rotation:
            text += " (stdout-rotate-size 0, the default: no rotation)"
        if restart == FAST_RESTART:
            section = ", ".join(f"{key}={value}" for key, value in FAST_RESTART_SECTION.items())
            text += f", [restart] {section}"
        return text


def toml_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
