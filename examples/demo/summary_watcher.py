"""Summary watcher: rewrites a summary of the applied patches when they change,
and touches a heartbeat file on every pass for Tend's heartbeat probe."""

import os
import pathlib
import time

HERE = pathlib.Path(__file__).resolve().parent
STATE = pathlib.Path(os.environ.get("DEMO_STATE", HERE / ".state"))
APPLIED = STATE / "applied"
SUMMARY = STATE / "summary.txt"
HEARTBEAT = STATE / "summary-watcher.heartbeat"


def main():
    STATE.mkdir(parents=True, exist_ok=True)
    seen = None
    while True:
        names = sorted(path.name for path in APPLIED.glob("*.patch")) if APPLIED.exists() else []
        if names != seen:
            SUMMARY.write_text("".join(f"{name}\n" for name in names))
            print(f"summary: {len(names)} patches applied", flush=True)
            seen = names
        HEARTBEAT.touch()
        time.sleep(2)


if __name__ == "__main__":
    main()
