"""The dispatcher against a real receiver on 127.0.0.1: signature, retries, dead letters, replay."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import redis
from click.testing import CliRunner
from prometheus_client import REGISTRY

from commentguard.cli import main
from service.delivery.callbacks import Callbacks
from service.delivery.dispatcher import EVENT_ID_HEADER, Dispatcher
from service.delivery.outbox import GROUP, Outbox
from service.delivery.signature import HEADER, verify
from service.keys import Keys
from service.review.records import CommentStore

SITE = "blog.example.com"
KEYS = Keys()


class Receiver:
    """An HTTP server in a thread that answers each POST with the next status of a script."""

    def __init__(self, statuses: list[int], delay: float = 0.0) -> None:
        self.statuses = list(statuses)
        self.delay = delay
        self.requests: list[tuple[dict[str, str], bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the http.server API)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                receiver.requests.append((dict(self.headers), body, status))
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    """Collect the test's receivers and stop them after it."""
    made: list[Receiver] = []
    yield made
    for r in made:
        r.close()


def setup(client: redis.Redis, receivers: list[Receiver], statuses: list[int], **kw: Any):
    """Return (dispatcher, outbox, secret, receiver) for a site whose callback answers statuses."""
    receiver = Receiver(statuses, kw.pop("delay", 0.0))
    receivers.append(receiver)
    secret = Callbacks(client, KEYS).set(SITE, receiver.url)
    outbox = Outbox(
        client, KEYS, max_attempts=kw.pop("max_attempts", 3), retry_base=0.05, retry_cap=0.2
    )
    outbox.ensure_group()
    dispatcher = Dispatcher(
        outbox, Callbacks(client, KEYS), timeout=kw.pop("timeout", 5.0), claim_idle=30, name="d1"
    )
    return dispatcher, outbox, secret, receiver


def decide(client: redis.Redis, comment_id: str, verdict: str = "spam") -> None:
    """Store an automatic verdict, which writes its outbox event."""
    CommentStore(client, KEYS).save_once(
        SITE,
        {"id": comment_id, "content": "x"},
        {
            "id": comment_id,
            "verdict": verdict,
            "score": 0.97,
            "reasons": [],
            "model_version": "m-1",
        },
    )


def run_until(dispatcher: Dispatcher, done: Any, seconds: float = 10.0) -> None:
    """Run the dispatcher until ``done()`` or the time is up."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        dispatcher.run_once(block_ms=50)


def counter(name: str) -> float:
    """Return a delivery counter's value for the site."""
    return REGISTRY.get_sample_value(f"commentguard_callbacks_{name}_total", {"site": SITE}) or 0.0


def test_the_event_arrives_signed_with_the_contract_body(redis_client, receivers):
    dispatcher, outbox, secret, receiver = setup(redis_client, receivers, [204])
    decide(redis_client, "c-1")
    before = counter("delivered")
    run_until(dispatcher, lambda: receiver.requests)
    ((headers, body, _),) = receiver.requests
    verify(secret, body, headers[HEADER])
    with pytest.raises(ValueError):
        verify("another secret of the site", body, headers[HEADER])
    event = json.loads(body)
    assert headers["Content-Type"] == "application/json"
    assert headers[EVENT_ID_HEADER] == event["event_id"]
    assert set(event) == {
        "event_id",
        "type",
        "site",
        "comment_id",
        "decision",
        "source",
        "decided_by",
        "decided_at",
        "score",
        "model_version",
    }
    assert event | {"event_id": "", "decided_at": ""} == {
        "event_id": "",
        "type": "comment.decided",
        "site": SITE,
        "comment_id": "c-1",
        "decision": "spam",
        "source": "model",
        "decided_by": "m-1",
        "decided_at": "",
        "score": 0.97,
        "model_version": "m-1",
    }
    assert event["decided_at"].endswith("Z")
    assert counter("delivered") == before + 1
    assert outbox.counts() == {"outbox": 0, "retrying": 0, "dead": 0}
    assert redis_client.xpending(KEYS.outbox(), GROUP)["pending"] == 0


def test_failures_are_retried_with_backoff_then_delivered(redis_client, receivers):
    dispatcher, outbox, _, receiver = setup(redis_client, receivers, [500, 503], max_attempts=5)
    decide(redis_client, "c-1")
    retried = counter("retried")
    before = time.time()
    dispatcher.run_once(block_ms=50)
    after = time.time()
    (due,) = redis_client.zrange(KEYS.outbox_retry(), 0, -1, withscores=True)
    # Full jitter below the first ceiling, the base of 0.05 s, from when the failure was seen
    # (a jitter near 0 may already be past when the test reads it).
    assert before - 0.01 <= due[1] <= after + 0.05 + 0.01
    assert redis_client.hget(KEYS.outbox_attempts(), due[0]) == "1"
    run_until(dispatcher, lambda: len(receiver.requests) == 3)
    assert [status for _, _, status in receiver.requests] == [500, 503, 204]
    ids = {json.loads(body)["event_id"] for _, body, _ in receiver.requests}
    assert len(ids) == 1
    assert counter("retried") == retried + 2
    assert outbox.counts() == {"outbox": 0, "retrying": 0, "dead": 0}
    assert redis_client.hlen(KEYS.outbox_attempts()) == 0


def test_a_timeout_counts_as_a_failure(redis_client, receivers):
    dispatcher, outbox, _, receiver = setup(
        redis_client, receivers, [], delay=1.0, timeout=0.2, max_attempts=1
    )
    decide(redis_client, "c-1")
    dispatcher.run_once(block_ms=50)
    (letter,) = outbox.dead()
    assert "timed out" in letter["last_error"]
    assert len(receiver.requests) == 1


def test_after_the_last_attempt_the_event_is_dead_and_a_replay_delivers_it(
    redis_client, receivers, app
):
    dispatcher, outbox, _, receiver = setup(redis_client, receivers, [500] * 3, max_attempts=3)
    decide(redis_client, "c-1")
    dead = counter("dead")
    run_until(dispatcher, lambda: outbox.counts()["dead"] == 1)
    (letter,) = outbox.dead(SITE)
    assert (letter["attempts"], letter["last_error"]) == ("3", "HTTP 500")
    assert counter("dead") == dead + 1
    assert outbox.counts() == {"outbox": 0, "retrying": 0, "dead": 1}
    assert outbox.dead("another.site") == []
    first_id = json.loads(receiver.requests[0][1])["event_id"]

    http = app.test_client()
    key = app.extensions["commentguard.api_keys"].create(SITE)
    other = app.extensions["commentguard.api_keys"].create("another.site")
    auth = {"Authorization": f"Bearer {key}"}
    listed = http.get("/v1/deliveries/dead", headers=auth).get_json()["dead"]
    assert [(d["id"], d["event_id"], d["attempts"]) for d in listed] == [
        (letter["id"], first_id, 3)
    ]
    assert http.get(
        "/v1/deliveries/dead", headers={"Authorization": f"Bearer {other}"}
    ).get_json() == {"dead": []}
    assert http.get("/v1/deliveries/dead?limit=0", headers=auth).status_code == 422
    assert (
        http.post(
            f"/v1/deliveries/dead/{letter['id']}/replay",
            headers={"Authorization": f"Bearer {other}"},
        ).status_code
        == 404
    )
    assert http.post("/v1/deliveries/dead/nonsense/replay", headers=auth).status_code == 404
    replay = http.post(f"/v1/deliveries/dead/{letter['id']}/replay", headers=auth)
    assert replay.get_json() == {"id": letter["id"], "event_id": first_id, "state": "queued"}

    run_until(dispatcher, lambda: len(receiver.requests) == 4)
    assert receiver.requests[3][2] == 204
    # The receiver dedupes on the event id: a replay keeps it.
    assert json.loads(receiver.requests[3][1])["event_id"] == first_id
    assert outbox.counts() == {"outbox": 0, "retrying": 0, "dead": 0}


def test_an_event_of_a_site_whose_callback_was_removed_is_dead_at_once(redis_client, receivers):
    dispatcher, outbox, _, receiver = setup(redis_client, receivers, [])
    decide(redis_client, "c-1")
    Callbacks(redis_client, KEYS).remove(SITE)
    dispatcher.run_once(block_ms=50)
    (letter,) = outbox.dead()
    assert letter["last_error"] == "no callback configured for the site"
    assert receiver.requests == []


def test_the_cli_sets_callbacks_and_replays_dead_letters(redis_url, redis_client, monkeypatch):
    monkeypatch.setenv("COMMENTGUARD_REDIS_URL", redis_url)
    runner = CliRunner()
    made = runner.invoke(
        main, ["callbacks", "set", "--site", SITE, "--url", "http://127.0.0.1:9/h"]
    )
    assert made.exit_code == 0, made.output
    assert Callbacks(redis_client, KEYS).get(SITE).secret == made.output.strip()
    given = runner.invoke(
        main,
        ["callbacks", "set", "--site", SITE, "--url", "http://127.0.0.1:9/h", "--secret-stdin"],
        input="s" * 32 + "\n",
    )
    assert given.exit_code == 0 and "s" * 32 not in given.output
    assert Callbacks(redis_client, KEYS).get(SITE).secret == "s" * 32
    bad = runner.invoke(main, ["callbacks", "set", "--site", SITE, "--url", "ftp://x"])
    assert bad.exit_code == 2 and "http://" in bad.output
    shown = runner.invoke(main, ["callbacks", "show", "--site", SITE])
    assert json.loads(shown.output)["url"] == "http://127.0.0.1:9/h"

    outbox = Outbox(redis_client, KEYS, max_attempts=1)
    outbox.ensure_group()
    for i in range(3):
        decide(redis_client, f"c-{i}")
    for event in outbox.read_new("d1", 10):
        outbox.fail(event, "HTTP 500")
    listed = runner.invoke(main, ["deliveries", "dead", "--site", SITE])
    assert [json.loads(line)["comment_id"] for line in listed.output.splitlines()] == [
        "c-0",
        "c-1",
        "c-2",
    ]
    first = json.loads(listed.output.splitlines()[0])["id"]
    assert runner.invoke(main, ["deliveries", "replay", first]).output == "1 replayed\n"
    assert runner.invoke(main, ["deliveries", "replay", first]).exit_code == 1
    assert runner.invoke(main, ["deliveries", "replay"]).exit_code == 2
    assert runner.invoke(main, ["deliveries", "replay", "--all"]).output == "2 replayed\n"
    assert outbox.counts() == {"outbox": 3, "retrying": 0, "dead": 0}
    assert runner.invoke(main, ["callbacks", "remove", "--site", SITE]).output == "removed\n"
    assert runner.invoke(main, ["callbacks", "show", "--site", SITE]).exit_code == 1


def test_a_failure_reported_after_another_dispatcher_delivered_it_changes_nothing(redis_client):
    Callbacks(redis_client, KEYS).set(SITE, "http://127.0.0.1:9/hook")
    outbox = Outbox(redis_client, KEYS)
    outbox.ensure_group()
    decide(redis_client, "c-1")
    (event,) = outbox.read_new("slow", 10)
    outbox.done(event)  # the dispatcher that took it over delivered it
    assert outbox.fail(event, "TimeoutError: timed out") == ("gone", 0)
    assert outbox.counts() == {"outbox": 0, "retrying": 0, "dead": 0}
    assert redis_client.hlen(KEYS.outbox_attempts()) == 0
