"""Dual monitor: a second monitor configured for the same port as the ghost
bridge, so its bind fails with 'Address already in use'."""

import http.server
import os

PORT = int(os.environ.get("PORT", "18766"))


def main():
    server = http.server.HTTPServer(("127.0.0.1", PORT), http.server.BaseHTTPRequestHandler)
    print(f"dual-monitor: listening on 127.0.0.1:{PORT}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
