"""A callback receiver for the delivery tests: verifies each POST and logs its event id.

Run as ``python -m tests.callback_receiver PORT SECRET LOG [--hang-first SECONDS]``. Every
request with a valid signature gets its event id appended to LOG (one per line, written
before the answer, so a receiver killed after writing shows up as a duplicate) and a 204;
a bad signature gets 401. With --hang-first, the first request waits that long first.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from service.delivery.signature import HEADER, SignatureError, verify


def serve(port: int, secret: str, log_path: str, hang_first: float) -> None:
    """Serve on 127.0.0.1:PORT until killed."""
    lock = threading.Lock()
    seen = {"requests": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                seen["requests"] += 1
                first = seen["requests"] == 1
            if first and hang_first:
                with open(log_path + ".arrived", "a") as f:
                    f.write(json.loads(body)["event_id"] + "\n")
                time.sleep(hang_first)
            try:
                verify(secret, body, self.headers.get(HEADER))
            except SignatureError:
                self.send_response(401)
                self.end_headers()
                return
            with lock, open(log_path, "a") as f:
                f.write(json.loads(body)["event_id"] + "\n")
                f.flush()
                os.fsync(f.fileno())
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("secret")
    parser.add_argument("log")
    parser.add_argument("--hang-first", type=float, default=0.0)
    args = parser.parse_args()
    serve(args.port, args.secret, args.log, args.hang_first)
