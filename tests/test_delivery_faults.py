"""Delivery under faults, on 127.0.0.1: a receiver, a dispatcher and Redis killed mid-run.

Every process is started here and killed by its pid. Each test counts what was sent, what
the receiver logged and how many of those were duplicates (a receiver dedupes by event id).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from service.delivery.callbacks import Callbacks
from service.delivery.dispatcher import Dispatcher
from service.delivery.outbox import GROUP, Outbox
from service.keys import Keys
from service.review.records import CommentStore
from tests.e2e import free_port

pytestmark = pytest.mark.slow

SITE = "blog.example.com"
KEYS = Keys()
ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent


class Processes:
    """Processes a test started, each killed by its pid at the end."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, args: list[str], log: Path, env: dict[str, str] | None = None):
        """Start a process in its own session, output to ``log``."""
        with log.open("ab") as out:
            proc = subprocess.Popen(
                args,
                cwd=ROOT,
                env=os.environ | (env or {}),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append(proc)
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen[bytes]) -> None:
        """Kill one process by its pid, at once."""
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)


@pytest.fixture
def processes() -> Iterator[Processes]:
    """Yield a process list; kill what is left of it after the test."""
    procs = Processes()
    yield procs
    for proc in procs.started:
        Processes.kill(proc)


def receiver(procs: Processes, port: int, secret: str, log: Path, hang: float = 0.0):
    """Start the callback receiver process and wait until it listens."""
    args = [sys.executable, "-m", "tests.callback_receiver", str(port), secret, str(log)]
    proc = procs.start(
        args + (["--hang-first", str(hang)] if hang else []), log.with_suffix(".out")
    )
    wait_for(lambda: _listening(port), 15, f"receiver on {port}")
    return proc


def dispatcher(
    procs: Processes, redis_url: str, log: Path, timeout: float = 5.0, metrics_port: int = 0
):
    """Start `commentguard dispatch` with quick retries and a one-second takeover."""
    env = {
        "COMMENTGUARD_REDIS_URL": redis_url,
        "COMMENTGUARD_CALLBACK_RETRY_BASE_SECONDS": "0.05",
        "COMMENTGUARD_CALLBACK_RETRY_CAP_SECONDS": "0.5",
        "COMMENTGUARD_CALLBACK_MAX_ATTEMPTS": "1000",
        "COMMENTGUARD_CALLBACK_CLAIM_IDLE_SECONDS": "1",
        "COMMENTGUARD_CALLBACK_TIMEOUT_SECONDS": str(timeout),
    }
    args = [str(BIN / "commentguard"), "dispatch", "--metrics-port", str(metrics_port)]
    return procs.start(args, log, env)


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(done: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll ``done`` until it holds, or fail naming ``what``."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {seconds:g} s")
        time.sleep(0.05)


def received(log: Path) -> list[str]:
    """Return the receiver's logged event ids, in arrival order."""
    return log.read_text().split() if log.exists() else []


def decide(client: redis.Redis, ids: range) -> None:
    """Store automatic spam verdicts; each writes one outbox event."""
    store = CommentStore(client, KEYS)
    store.save_many(
        SITE,
        [
            (
                {"id": f"c-{i}", "content": "x"},
                {
                    "id": f"c-{i}",
                    "verdict": "spam",
                    "score": 0.99,
                    "reasons": [],
                    "model_version": "m",
                },
            )
            for i in ids
        ],
    )


def drained(client: redis.Redis) -> bool:
    """Return whether the outbox holds nothing undelivered and nothing is dead."""
    return (
        client.xlen(KEYS.outbox()) == 0
        and client.zcard(KEYS.outbox_retry()) == 0
        and client.xlen(KEYS.dead_letters()) == 0
    )


def report(what: str, sent: int, log: Path) -> tuple[int, int]:
    """Print sent/received/duplicates; return (unique, duplicates)."""
    ids = received(log)
    dupes = sum(n - 1 for n in Counter(ids).values())
    print(f"\n{what}: sent {sent}, received {len(ids)}, unique {len(set(ids))}, duplicates {dupes}")
    return len(set(ids)), dupes


def test_a_receiver_killed_and_restarted_gets_every_decision_once_after_dedupe(
    redis_url, redis_client, processes, tmp_path
):
    port = free_port()
    secret = Callbacks(redis_client, KEYS).set(SITE, f"http://127.0.0.1:{port}/hook")
    log = tmp_path / "received.log"
    decide(redis_client, range(0, 200))
    recv = receiver(processes, port, secret, log)
    metrics_port = free_port()
    dispatcher(processes, redis_url, tmp_path / "dispatcher.log", metrics_port=metrics_port)
    wait_for(lambda: len(received(log)) >= 30, 30, "30 deliveries")
    Processes.kill(recv)
    print(f"\nreceiver killed after {len(received(log))} of the first 200")
    decide(redis_client, range(200, 250))  # decided while the receiver is down
    wait_for(lambda: redis_client.zcard(KEYS.outbox_retry()) > 0, 30, "a retry scheduled")
    receiver(processes, port, secret, log)
    decide(redis_client, range(250, 300))
    wait_for(lambda: len(set(received(log))) >= 300 and drained(redis_client), 60, "300 events")
    unique, _ = report("receiver restart", 300, log)
    assert unique == 300
    assert redis_client.xpending(KEYS.outbox(), GROUP)["pending"] == 0
    text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    counts = dict(
        re.findall(
            r'^commentguard_callbacks_(\w+)_total\{site="blog.example.com"\} (\S+)$', text, re.M
        )
    )
    print(f"dispatcher counters: {counts}")
    assert float(counts["delivered"]) == 300
    assert float(counts["retried"]) >= 1
    assert "dead" not in counts or float(counts["dead"]) == 0


def test_a_dispatcher_killed_mid_delivery_loses_nothing(
    redis_url, redis_client, processes, tmp_path
):
    port = free_port()
    secret = Callbacks(redis_client, KEYS).set(SITE, f"http://127.0.0.1:{port}/hook")
    log = tmp_path / "received.log"
    # The receiver holds the first request for 3 s: the dispatcher dies while it waits.
    receiver(processes, port, secret, log, hang=3.0)
    decide(redis_client, range(20))
    first = dispatcher(processes, redis_url, tmp_path / "first.log", timeout=30)
    arrived = log.with_name(log.name + ".arrived")
    wait_for(arrived.exists, 30, "the first request")
    Processes.kill(first)
    assert redis_client.xpending(KEYS.outbox(), GROUP)["pending"] == 20  # read, none acked
    dispatcher(processes, redis_url, tmp_path / "second.log")
    wait_for(lambda: len(set(received(log))) >= 20 and drained(redis_client), 30, "20 events")
    unique, _ = report("dispatcher killed", 20, log)
    assert unique == 20
    assert arrived.read_text().split()[0] in received(log)


def test_events_in_delivery_survive_a_redis_crash(processes, tmp_path):
    port = free_port()
    server = [
        str(BIN / "redis-server"),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(tmp_path),
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
    ]
    redis_proc = processes.start(server, tmp_path / "redis.log")
    wait_for(lambda: _listening(port), 15, "redis-server")
    client = redis.Redis(port=port, decode_responses=True)
    try:
        secret = Callbacks(client, KEYS).set(SITE, "http://127.0.0.1:9/unused")
        outbox = Outbox(client, KEYS)
        outbox.ensure_group()
        decide(client, range(10))
        # A dispatcher read them all, and then the machine went down before any answer.
        assert len(outbox.read_new("gone", 50)) == 10
        Processes.kill(redis_proc)
        processes.start(server, tmp_path / "redis.log")
        wait_for(lambda: _listening(port), 15, "redis-server restarted")
        assert client.xpending(KEYS.outbox(), GROUP)["pending"] == 10
        recv_port = free_port()
        Callbacks(client, KEYS).set(SITE, f"http://127.0.0.1:{recv_port}/hook", secret)
        log = tmp_path / "received.log"
        receiver(processes, recv_port, secret, log)
        survivor = Dispatcher(Outbox(client, KEYS), Callbacks(client, KEYS), claim_idle=0)
        deadline = time.monotonic() + 20
        while not drained(client) and time.monotonic() < deadline:
            survivor.run_once(block_ms=50)
        unique, _ = report("redis crash", 10, log)
        assert unique == 10
        assert drained(client)
    finally:
        client.close()
