"""Ghost runner: polls the ghost bridge for jobs every few seconds."""

import os
import time
import urllib.request

URL = f"http://127.0.0.1:{os.environ.get('PORT', '18766')}/jobs"


def main():
    while True:
        with urllib.request.urlopen(URL, timeout=3) as response:
            print(f"ghost-runner: bridge answered {response.status}", flush=True)
        time.sleep(5)


if __name__ == "__main__":
    main()
