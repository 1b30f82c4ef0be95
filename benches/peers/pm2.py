"""PM2, from npm under a local prefix, with a private PM2_HOME per run.

`pm2 start` spawns the God daemon, which detaches from the CLI; the adapter
reads its pid from PM2_HOME/pm2.pid and tracks it for cleanup.
"""

import json

import procfs

from .base import FAST_RESTART, READY_TIMEOUT_S, SHUTDOWN_TIMEOUT_S, Supervisor, wait_for

FAST_RESTART_KEYS = {
    "autorestart": True,
    "restart_delay": 0,
    # PM2 rejects a min_uptime below 100 ms.
    "min_uptime": 100,
    "max_restarts": 1_000_000,
}

# Run the program itself rather than through node.
COMMON_APP_KEYS = {"interpreter": "none"}


class Pm2(Supervisor):
    name = "pm2"

    def __init__(self, workdir, tracker, paths):
        super().__init__(workdir, tracker, paths)
        self.extra_variables = {"PM2_HOME": str(self.home)}
        self.launcher = None

    @property
    def home(self):
        return self.workdir / "pm2home"

    @property
    def ecosystem_path(self):
        return self.workdir / "ecosystem.json"

    def write_config(self):
        logs = self.workdir / "pm2logs"
        logs.mkdir(exist_ok=True)
        apps = []
        for component in self.components:
            app = {
                "name": component.name,
                "script": str(component.argv[0]),
                "args": [str(arg) for arg in component.argv[1:]],
                "cwd": str(self.workdir),
                "out_file": str(component.stdout_path or logs / f"{component.name}-out.log"),
                "error_file": str(logs / f"{component.name}-err.log"),
                **COMMON_APP_KEYS,
            }
            if component.restart == FAST_RESTART:
                app.update(FAST_RESTART_KEYS)
            apps.append(app)
        self.ecosystem_path.write_text(json.dumps({"apps": apps}, indent=1))

    def cli(self, *arguments):
        return [str(self.paths.pm2), *arguments]

    def launch(self):
        self.launcher = self.spawn(self.cli("start", str(self.ecosystem_path)), self.name)

    def god_pid(self):
        try:
            return int((self.home / "pm2.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def wait_ready(self):
        def started():
            status = self.launcher.poll()
            if status not in (None, 0):
                raise RuntimeError(
                    f"pm2 start exited with status {status}; see {self.workdir}/pm2.out"
                )
            pid = self.god_pid()
            if pid:
                self.tracker.track(pid)
            return status == 0 and pid

        wait_for(started, READY_TIMEOUT_S, "pm2 start to return")

    def supervisor_pids(self):
        pid = self.god_pid()
        if pid:
            self.tracker.track(pid)
        return [pid] if pid else []

    def shutdown(self):
        god = self.god_pid()
        if god is None:
            return
        # `pm2 kill` stops every app and the God daemon of this run's PM2_HOME,
        # and can return before the daemon has exited.
        self.run_cli(self.cli("kill"), check=False)
        wait_for(lambda: not procfs.is_alive(god), SHUTDOWN_TIMEOUT_S, "PM2's God daemon to exit")

    def stop_all(self):
        self.run_cli(self.cli("stop", "all"))

    def status_argv(self):
        return self.cli("jlist")

    def states(self):
        output = self.run_cli(self.status_argv()).stdout.decode()
        # jlist prints the JSON array on its last line, after any banner.
        apps = json.loads(output.strip().splitlines()[-1])
        return {app["name"]: app["pm2_env"]["status"] for app in apps}

    def version(self):
        package = self.paths.pm2_package_json
        return "pm2 " + json.loads(package.read_text())["version"]

    def settings(self, restart, no_log_rotation=False):
        keys = dict(COMMON_APP_KEYS)
        if restart == FAST_RESTART:
            keys.update(FAST_RESTART_KEYS)
        text = ", ".join(f"{key}={json.dumps(value)}" for key, value in keys.items())
        if no_log_rotation:
            text += " (PM2 rotates only with the pm2-logrotate module, not installed)"
        return text
