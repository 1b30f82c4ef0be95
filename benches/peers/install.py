"""Installing the peers under benches/.peers/, each with its ordinary client.

Versions are pinned so that two runs compare the same programs. A peer whose
executable exists is not installed again; delete its folder to reinstall.
"""

import dataclasses
import pathlib
import shutil
import sys
import tempfile

from processes import ProcessTracker

BENCHES_DIR = pathlib.Path(__file__).resolve().parent.parent
PEERS_DIR = BENCHES_DIR / ".peers"

SUPERVISOR_VERSION = "4.3.0"
PM2_VERSION = "7.0.4"
HORUST_VERSION = "0.1.14"

INSTALL_TIMEOUT_S = 1800


@dataclasses.dataclass
class Paths:
    """Executables of Tend and the peers."""

    tend: pathlib.Path
    supervisord: pathlib.Path = PEERS_DIR / "supervisord" / "bin" / "supervisord"
    supervisorctl: pathlib.Path = PEERS_DIR / "supervisord" / "bin" / "supervisorctl"
    pm2: pathlib.Path = PEERS_DIR / "pm2" / "bin" / "pm2"
    pm2_package_json: pathlib.Path = (
        PEERS_DIR / "pm2" / "lib" / "node_modules" / "pm2" / "package.json"
    )
    horust: pathlib.Path = PEERS_DIR / "horust" / "bin" / "horust"


def install_peers(names, paths, log=print):
    """Install the named peers that are missing; raise RuntimeError on a failed install."""
    PEERS_DIR.mkdir(parents=True, exist_ok=True)
    steps = {
        "supervisord": (paths.supervisord, install_supervisord),
        "pm2": (paths.pm2, install_pm2),
        "horust": (paths.horust, install_horust),
    }
    for name in names:
        if name not in steps:
            continue
        executable, install = steps[name]
        if executable.exists():
            continue
        log(f"installing {name} under {PEERS_DIR} (log: {PEERS_DIR / (name + '-install.log')})")
        tracker = ProcessTracker()
        try:
            install(tracker)
        finally:
            tracker.kill_all()
        if not executable.exists():
            raise RuntimeError(f"installing {name} did not produce {executable}")


def run_logged(tracker, name, argv, cwd=None):
    log_path = PEERS_DIR / f"{name}-install.log"
    with open(log_path, "ab") as log:
        process = tracker.spawn([str(arg) for arg in argv], cwd=cwd, stdout=log, stderr=log)
        status = process.wait(timeout=INSTALL_TIMEOUT_S)
    if status != 0:
        tail = log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(map(str, argv))} failed with status {status}:\n{tail}")


def install_supervisord(tracker):
    venv = PEERS_DIR / "supervisord"
    shutil.rmtree(venv, ignore_errors=True)
    # On Debian, `python3 -m venv` needs the python3-venv package for pip.
    run_logged(tracker, "supervisord", [sys.executable, "-m", "venv", venv])
    pip = venv / "bin" / "pip"
    run_logged(
        tracker, "supervisord", [pip, "install", "--quiet", f"supervisor=={SUPERVISOR_VERSION}"]
    )


def install_pm2(tracker):
    prefix = PEERS_DIR / "pm2"
    shutil.rmtree(prefix, ignore_errors=True)
    # npm reads the package.json of its working folder, so run it from an empty one.
    with tempfile.TemporaryDirectory(prefix="tend-bench-npm-") as empty:
        argv = ["npm", "install", "--global", "--prefix", prefix, "--no-audit", "--no-fund"]
        run_logged(tracker, "pm2", [*argv, f"pm2@{PM2_VERSION}"], cwd=empty)


def install_horust(tracker):
    root = PEERS_DIR / "horust"
    argv = ["cargo", "install", "horust", "--locked", "--version", HORUST_VERSION, "--root", root]
    run_logged(tracker, "horust", argv)
