"""Web app: a small HTTP service in front of redis, standard library only.

`/` counts visits in redis (INCR) and `/health` pings redis with the RESP
command PING, so the health endpoint fails while redis is down. Ports come
from APP_PORT and REDIS_PORT.
"""

import http.server
import json
import os
import signal
import socket
import sys

APP_PORT = int(os.environ.get("APP_PORT", "8090"))
REDIS_PORT = int(os.environ.get("REDIS_PORT", "6390"))
REDIS_TIMEOUT_SECONDS = 1.0


def redis_command(*words):
    """Sends one command in the RESP protocol and returns the first reply line."""
    request = f"*{len(words)}\r\n" + "".join(f"${len(word)}\r\n{word}\r\n" for word in words)
    with socket.create_connection(("127.0.0.1", REDIS_PORT), REDIS_TIMEOUT_SECONDS) as conn:
        conn.sendall(request.encode())
        reply = conn.makefile("rb").readline().decode().rstrip("\r\n")
    if reply.startswith("-"):
        raise OSError(f"redis error: {reply[1:]}")
    return reply


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            if self.path == "/health":
                status, body = 200, {"status": "ok", "redis": redis_command("PING").lstrip("+")}
            elif self.path == "/":
                visits = int(redis_command("INCR", "visits").lstrip(":"))
                status, body = 200, {"visits": visits}
            else:
                status, body = 404, {"error": "not found"}
        except (OSError, ValueError) as error:
            status, body = 503, {"status": "redis unavailable", "error": str(error)}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        print(format % args, flush=True)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", APP_PORT), Handler)
    print(f"app: serving on 127.0.0.1:{APP_PORT}, redis on port {REDIS_PORT}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
