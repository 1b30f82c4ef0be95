"""supervisord, from PyPI in a virtualenv, in the foreground (`-n`), driven by supervisorctl."""

import shlex

from .base import FAST_RESTART, READY_TIMEOUT_S, Supervisor, wait_for

# Stop the whole process group, as Tend does; supervisord signals only the
# child's pid by default.
COMMON_PROGRAM_KEYS = {"stopasgroup": "true", "killasgroup": "true"}

FAST_RESTART_KEYS = {"autorestart": "true", "startsecs": "0", "startretries": "1000000"}

NO_ROTATION_KEYS = {"stdout_logfile_maxbytes": "0", "stdout_logfile_backups": "0"}


class Supervisord(Supervisor):
    name = "supervisord"
    # Config lines after the programs; the failure-detection scenario adds an
    # event listener here.
    extra_sections = ()

    @property
    def config_path(self):
        return self.workdir / "supervisord.conf"

    @property
    def socket_path(self):
        return self.workdir / "supervisor.sock"

    def write_config(self):
        workdir = self.workdir
        (workdir / "childlogs").mkdir(exist_ok=True)
        sections = [
            "[supervisord]",
            "nodaemon=true",
            f"logfile={workdir / 'supervisord.log'}",
            f"pidfile={workdir / 'supervisord.pid'}",
            f"childlogdir={workdir / 'childlogs'}",
            "",
            "[unix_http_server]",
            f"file={self.socket_path}",
            "",
            "[rpcinterface:supervisor]",
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
            "",
            "[supervisorctl]",
            f"serverurl=unix://{self.socket_path}",
            "",
        ]
        for component in self.components:
            sections.append(f"[program:{component.name}]")
            sections.append(f"command={shlex.join(str(arg) for arg in component.argv)}")
            keys = dict(COMMON_PROGRAM_KEYS)
            if component.restart == FAST_RESTART:
                keys.update(FAST_RESTART_KEYS)
            if component.stdout_path:
                keys["stdout_logfile"] = str(component.stdout_path)
            if self.no_log_rotation:
                keys.update(NO_ROTATION_KEYS)
            sections.extend(f"{key}={value}" for key, value in keys.items())
            sections.append("")
        sections.extend(self.extra_sections)
        self.config_path.write_text("\n".join(sections))

    def launch(self):
        argv = [str(self.paths.supervisord), "-n", "-c", str(self.config_path)]
        self.process = self.spawn(argv, self.name)

    def ctl(self, *arguments):
        return [str(self.paths.supervisorctl), "-c", str(self.config_path), *arguments]

    def wait_ready(self):
        def ready():
            self.check_running()
            if not self.socket_path.exists():
                return False
            return self.run_cli(self.ctl("pid"), check=False).returncode == 0

        wait_for(ready, READY_TIMEOUT_S, "supervisord to accept supervisorctl commands")

    def shutdown(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.run_cli(self.ctl("shutdown"), check=False)
        self.terminate_and_wait()

    def stop_all(self):
        self.run_cli(self.ctl("stop", "all"))

    def status_argv(self):
        return self.ctl("status")

    def states(self):
        # supervisorctl status exits 3 when some program is not running.
        output = self.run_cli(self.status_argv(), check=False).stdout.decode()
        states = {}
        for line in output.splitlines():
            fields = line.split()
            if len(fields) >= 2:
                states[fields[0]] = fields[1]
        return states

    def version(self):
        argv = [str(self.paths.supervisord), "--version"]
        return "supervisord " + self.run_cli(argv).stdout.decode().strip()

    def settings(self, restart, no_log_rotation=False):
        keys = dict(COMMON_PROGRAM_KEYS)
        if restart == FAST_RESTART:
            keys.update(FAST_RESTART_KEYS)
        if no_log_rotation:
            keys.update(NO_ROTATION_KEYS)
        return ", ".join(f"{key}={value}" for key, value in keys.items())
