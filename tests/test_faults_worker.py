"""A gunicorn worker SIGKILLed under load: its requests fail, the master respawns it, no harm."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections import Counter

import pytest
import redis

from service.keys import Keys
from tests import faults

pytestmark = [pytest.mark.fault, pytest.mark.e2e, pytest.mark.slow]

KEYS = Keys()
SITE = "default"
RECORD_FIELDS = {"response", "comment", "verdict", "score", "received_at", "review_id"}
BOOTED = re.compile(r"Booting worker with pid: (\d+)")


def test_a_worker_killed_under_load_costs_only_its_requests(data_dir, tmp_path):
    with faults.stack(data_dir / "models", tmp_path) as running:
        log = running.server.log
        workers = BOOTED.findall(log.read_text())
        assert len(workers) == 2, log.read_text()
        # Each failed check is retried with its id, as a platform retries a webhook.
        load = faults.Load(
            running.server.url, running.key, threads=4, rate=1000, limit=4000, retry=True
        )
        load.start()
        try:
            time.sleep(2)
            victim = int(workers[0])
            os.kill(victim, signal.SIGKILL)
            faults.wait_for(lambda: len(BOOTED.findall(log.read_text())) == 3, 30, "a new worker")
            time.sleep(2)
        finally:
            load.stop()
        client = redis.Redis(port=running.port, decode_responses=True)
        outcomes = [o for attempts in load.attempts.values() for o in attempts]
        statuses = Counter(o.status for o in outcomes)
        failed = [o for o in outcomes if not 200 <= o.status < 300]
        answers: dict[str, set[str]] = {}
        for cid, attempts in load.attempts.items():
            for o in attempts:
                if 200 <= o.status < 300:
                    answers.setdefault(cid, set()).add(json.dumps(o.body, sort_keys=True))
        lost = half_written = 0
        for cid, given in answers.items():
            record = client.hgetall(KEYS.comment(SITE, cid))
            if not record:
                lost += 1
                continue
            half_written += set(record) < RECORD_FIELDS or not record["review_id"]
            assert given == {json.dumps(json.loads(record["response"]), sort_keys=True)}, cid
        queued = Counter(f["id"] for _, f in client.xrange(KEYS.review_stream()))
        duplicated = sum(n - 1 for n in queued.values())
        never = [cid for cid in load.attempts if cid not in answers]
        respawned = BOOTED.findall(log.read_text())[2]

    assert str(victim) not in BOOTED.findall(log.read_text())[2:]
    assert (lost, half_written, duplicated) == (0, 0, 0)
    assert never == []
    assert len(queued) == len(answers)
    faults.record(
        "worker",
        fault="a gunicorn worker (of 2) SIGKILLed under load",
        sent_what="checks, 4 clients; a failed check is retried with its id",
        sent=len(outcomes),
        ok=len(outcomes) - len(failed),
        unavailable=statuses[503],
        lost=lost,
        also=f"{len(failed)} failed ({statuses[0]} without an answer, {len(failed) - statuses[0]}"
        f" x 5xx), all answered on retry; the master booted worker {respawned}; 0 duplicated"
        f" queue entries, 0 half-written records among {len(answers)} comments",
    )
