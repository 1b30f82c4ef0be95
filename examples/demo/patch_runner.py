"""Patch runner: applies patch files dropped into the inbox folder.

A patch file names a target file on its first line (`target: NAME`); the
rest of the file is appended to that target under `work/`. Applied patches
move to `applied/`. The runner touches a heartbeat file on every pass so
Tend's heartbeat probe can tell it is alive.
"""

import os
import pathlib
import signal
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
STATE = pathlib.Path(os.environ.get("DEMO_STATE", HERE / ".state"))
INBOX = HERE / "inbox"
APPLIED = STATE / "applied"
WORK = STATE / "work"
HEARTBEAT = STATE / "patch-runner.heartbeat"
POLL_SECONDS = 1.0


def apply(patch: pathlib.Path) -> str:
    """Applies one patch file and returns the target it changed."""
    header, _, body = patch.read_text().partition("\n")
    if not header.startswith("target: "):
        raise ValueError(f"{patch.name}: first line must be 'target: NAME'")
    target = WORK / header.removeprefix("target: ").strip()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a") as out:
        out.write(body)
    return target.name


def main() -> None:
    for folder in (APPLIED, WORK):
        folder.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"patch-runner: watching {INBOX}", flush=True)
    while True:
        for patch in sorted(INBOX.glob("*.patch")):
            try:
                target = apply(patch)
                patch.rename(APPLIED / patch.name)
                print(f"applied {patch.name} to {target}", flush=True)
            except (OSError, ValueError) as error:
                print(f"cannot apply {patch.name}: {error}", file=sys.stderr, flush=True)
        HEARTBEAT.touch()
        time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    main()
