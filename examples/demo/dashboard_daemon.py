"""Dashboard daemon: the right way to run the dashboard code as a daemon.

An entry point that keeps running and serves `/health` for Tend's http probe.
"""

import http.server
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import metrics_aggregator  # noqa: E402

PORT = int(os.environ.get("PORT", "18765"))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = json.dumps({"status": "ok", "summary": metrics_aggregator.aggregate([1, 2, 3])})
            self.send_response(200)
        else:
            body = json.dumps({"error": "not found"})
            self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format, *args):
        print(format % args, flush=True)


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    print(f"dashboard-daemon: serving on 127.0.0.1:{PORT}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
