"""Tend: `tend up` with a generated tend.toml, driven by the `tend` CLI."""

import json

from .base import FAST_RESTART, READY_TIMEOUT_S, Supervisor, wait_for

# A size no scenario's log reaches, so nothing is rotated away.
NO_ROTATION_SIZE = "100GiB"

FAST_RESTART_KEYS = {
    "backoff": {"initial": "0s", "max": "0s", "multiplier": 1.0, "jitter": 0.0},
    "min_uptime": "10ms",
    "max_restarts": 1_000_000,
}


def toml_value(value):
    """Write a Python value as TOML; JSON strings and numbers are valid TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        items = ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items())
        return "{ " + items + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(value)


class Tend(Supervisor):
    name = "tend"
    # Without XDG_RUNTIME_DIR the socket goes to STATE_DIR/run/, inside this
    # run's temporary directory. The TEND_* variables would override the flags.
    unset_variables = ("XDG_RUNTIME_DIR", "TEND_CONFIG", "TEND_STATE_DIR")

    @property
    def state_dir(self):
        return self.workdir / "state"

    @property
    def config_path(self):
        return self.workdir / "tend.toml"

    def write_config(self):
        lines = ["[notifications]", "enabled = false", ""]
        if self.no_log_rotation:
            lines += ["[supervisor]", f"log_max_size = {toml_value(NO_ROTATION_SIZE)}", ""]
        for component in self.components:
            lines.append(f"[components.{component.name}]")
            lines.append(f"command = {toml_value([str(arg) for arg in component.argv])}")
            if component.restart == FAST_RESTART:
                for key, value in FAST_RESTART_KEYS.items():
                    lines.append(f"{key} = {toml_value(value)}")
            lines.append("")
        self.config_path.write_text("\n".join(lines))

    def cli(self, *arguments):
        return [
            str(self.paths.tend),
            *arguments,
            "--config",
            str(self.config_path),
            "--state-dir",
            str(self.state_dir),
        ]

    def launch(self):
        self.process = self.spawn(self.cli("up"), self.name)

    def wait_ready(self):
        endpoint = self.state_dir / "endpoint.json"

        def ready():
            self.check_running()
            return endpoint.exists()

        wait_for(ready, READY_TIMEOUT_S, "tend up to write endpoint.json")

    def endpoint(self):
        return json.loads((self.state_dir / "endpoint.json").read_text())

    def shutdown(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.run_cli(self.cli("quit"), check=False)
        self.terminate_and_wait()

    def stop_all(self):
        self.run_cli(self.cli("stop", "--all"))

    def status_argv(self):
        return self.cli("status", "--json")

    def snapshot(self):
        return json.loads(self.run_cli(self.status_argv()).stdout)

    def states(self):
        return {item["name"]: item["state"] for item in self.snapshot()["components"]}

    def version(self):
        return self.run_cli([str(self.paths.tend), "--version"]).stdout.decode().strip()

    def settings(self, restart, no_log_rotation=False):
        text = "notifications.enabled=false"
        if no_log_rotation:
            text += f", log_max_size={NO_ROTATION_SIZE}"
        if restart == FAST_RESTART:
            for key, value in FAST_RESTART_KEYS.items():
                text += f", {key}={toml_value(value)}"
        return text

    def log_path(self, component):
        return self.state_dir / "logs" / f"{component.name}.log"

    def payload_of_line(self, line):
        """Strip `<RFC 3339 time> out ` (or `err `, `out+ `, `err+ `) from a log line.

        NOTE: Tend ends the first part of a line split at 16 KiB with a newline
        of its own, which this counts as payload. The scenarios write 100-byte
        lines, so none is split.
        """
        first = line.index(b" ")
        second = line.index(b" ", first + 1)
        return line[second + 1 :]
