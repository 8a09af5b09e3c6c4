"""Redis killed under load for ~5 s, then restarted from its AOF: nothing answered 2xx is lost."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
import redis

from service.keys import Keys
from tests import faults

pytestmark = [pytest.mark.fault, pytest.mark.e2e, pytest.mark.slow]

KEYS = Keys()
SITE = "default"
OUTAGE_SECONDS = 5.0


def test_redis_killed_for_five_seconds_under_load_loses_no_accepted_comment(data_dir, tmp_path):
    with faults.stack(data_dir / "models", tmp_path) as running:
        load = faults.Load(running.server.url, running.key, threads=4, rate=60, limit=2500)
        outage(running, load)
        client = redis.Redis(port=running.port, decode_responses=True)
        check_outcomes(client, load)


def outage(running: faults.Stack, load: faults.Load) -> None:
    """Kill Redis under load for OUTAGE_SECONDS, restart it, and load on for 100 more checks."""
    load.start()
    try:
        time.sleep(2)
        faults.kill(running.redis)  # SIGKILL: only what the AOF holds survives
        time.sleep(OUTAGE_SECONDS)
        running.restart_redis()
        restarted = load.sent()
        faults.wait_for(lambda: load.sent() > restarted + 100, 30, "100 checks after the restart")
    finally:
        load.stop()


def check_outcomes(client: redis.Redis, load: faults.Load) -> None:
    """Assert every 2xx stored with its review entry and every 503 clear; record the counts."""
    outcomes = [(cid, o) for cid, attempts in load.attempts.items() for o in attempts]
    statuses = Counter(o.status for _, o in outcomes)
    accepted = [(cid, o) for cid, o in outcomes if 200 <= o.status < 300]
    refused = [o for _, o in outcomes if o.status == 503]
    lost = []
    for cid, o in accepted:
        record = client.hgetall(KEYS.comment(SITE, cid))
        if not record or json.loads(record["response"]) != o.body:
            lost.append(cid)
        elif not client.xrange(KEYS.review_stream(), record["review_id"], record["review_id"]):
            lost.append(cid)
    refused_but_stored = sum(
        client.exists(KEYS.comment(SITE, cid)) for cid, o in outcomes if o.status == 503
    )
    entries = [f["id"] for _, f in client.xrange(KEYS.review_stream())]

    assert set(statuses) <= {200, 503}, statuses
    assert refused, "the outage was never seen"
    assert len(accepted) > 150
    for o in refused:
        assert o.body is not None and o.body["error"]["code"] == "storage_unavailable"
        assert o.retry_after is not None and int(o.retry_after) > 0
    assert lost == []
    assert len(entries) == len(set(entries)), "a comment was queued twice"
    faults.record(
        "redis",
        fault=f"Redis SIGKILLed for {OUTAGE_SECONDS:g} s, restarted from its AOF"
        " (appendfsync always)",
        sent_what="checks through gunicorn (2 workers), 4 clients, every verdict unsure",
        sent=len(outcomes),
        ok=len(accepted),
        unavailable=len(refused),
        lost=len(lost),
        also=f"every 503 had Retry-After; {refused_but_stored} of the 503s had been stored"
        " (a retry gets that answer); review entries = records, none twice",
    )
