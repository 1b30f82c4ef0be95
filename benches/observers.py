"""Observers of state changes: Tend's /v1/events stream, a supervisord event
listener and a PM2 bus client. Each records the wall-clock time
(time.time() or its equivalent) at which it received an exit.
"""

import json
import queue
import socket
import threading
import time

SOCKET_TIMEOUT_S = 120.0


class TendEvents(threading.Thread):
    """Reader of GET /v1/events over Tend's Unix socket, in a background thread.

    Every server-sent event goes to `events` as (receive time, event type,
    decoded JSON data). The HTTP response is chunked, so the reader removes
    the chunk framing before splitting events at blank lines.
    """

    def __init__(self, socket_path):
        super().__init__(daemon=True)
        self.events = queue.Queue()
        self.error = None
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(SOCKET_TIMEOUT_S)
        self.sock.connect(str(socket_path))
        request = "GET /v1/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n"
        self.sock.sendall(request.encode())
        self.stream = self.sock.makefile("rb")

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def run(self):
        try:
            self.read_events()
        except (OSError, ValueError) as error:
            self.error = error

    def read_events(self):
        status = self.stream.readline()
        if b" 200 " not in status:
            raise ValueError(f"GET /v1/events returned {status!r}")
        chunked = False
        while True:
            header = self.stream.readline()
            if header in (b"\r\n", b""):
                break
            name, _, value = header.decode().partition(":")
            if name.strip().lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        pending = b""
        for data in self.chunks() if chunked else iter(lambda: self.stream.read1(65536), b""):
            received = time.time()
            pending += data
            while b"\n\n" in pending:
                message, pending = pending.split(b"\n\n", 1)
                self.dispatch(received, message)

    def chunks(self):
        while True:
            size_line = self.stream.readline()
            if not size_line:
                return
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                return
            data = self.stream.read(size)
            self.stream.readline()  # the CRLF after the chunk
            yield data

    def dispatch(self, received, message):
        kind, data = "message", []
        for line in message.decode(errors="replace").splitlines():
            if line.startswith("event:"):
                kind = line[len("event:") :].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:") :].lstrip())
        if data:
            self.events.put((received, kind, json.loads("\n".join(data))))


# A supervisord event listener. In supervisord's documented protocol the
# listener writes READY, reads a header line with len:N and N bytes of
# payload, and replies RESULT 2\nOK. Appends "TIME EVENTNAME PID" to argv[1].
SUPERVISORD_LISTENER = """
import sys
import time

out = open(sys.argv[1], "a", buffering=1)
while True:
    sys.stdout.write("READY\\n")
    sys.stdout.flush()
    header = dict(item.split(":", 1) for item in sys.stdin.readline().split())
    received = time.time()
    payload = sys.stdin.read(int(header["len"]))
    fields = dict(item.split(":", 1) for item in payload.split() if ":" in item)
    out.write(f"{received!r} {header['eventname']} {fields.get('pid', '-')}\\n")
    sys.stdout.write("RESULT 2\\nOK")
    sys.stdout.flush()
"""

# A PM2 bus client: connects to the God daemon of $PM2_HOME and appends
# "TIME EVENT NAME" for each process event to argv[3]. argv[2] is the
# installed pm2 package folder. Writes "ready" to argv[4] once subscribed.
PM2_LISTENER = """
const fs = require("fs");
const pm2 = require(process.argv[2]);
const out = process.argv[3];
pm2.connect((error) => {
  if (error) { console.error(error); process.exit(1); }
  pm2.launchBus((busError, bus) => {
    if (busError) { console.error(busError); process.exit(1); }
    bus.on("process:event", (packet) => {
      const now = (performance.timeOrigin + performance.now()) / 1000;
      fs.appendFileSync(out, `${now} ${packet.event} ${packet.process.name}\\n`);
    });
    fs.writeFileSync(process.argv[4], "ready");
  });
});
"""


def read_listener_lines(path):
    """Lines of a listener's output file as lists of fields."""
    try:
        with open(path) as file:
            return [line.split() for line in file if line.endswith("\n")]
    except FileNotFoundError:
        return []
