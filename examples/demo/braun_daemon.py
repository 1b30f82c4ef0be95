"""Braun daemon: applies queued patches with the shared `apply_patch` helper.

The helper module is missing from this folder, so the daemon fails at import.
"""

import time

from apply_patch import apply  # noqa: F401  (the helper this demo lacks)


def main() -> None:
    print("braun-daemon: ready", flush=True)
    while True:
        time.sleep(5)


if __name__ == "__main__":
    main()
