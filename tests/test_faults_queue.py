"""Review-queue faults: a claim whose moderator was killed, and decisions racing a lease's end."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest
import redis

from service.errors import APIError
from service.keys import Keys
from service.review.items import Decision
from service.review.labels import LabelLog
from service.review.queue import ReviewQueue
from tests import faults
from tests.review_data import enqueue

pytestmark = [pytest.mark.fault]

KEYS = Keys()
LEASE = 1.0
ABANDONED = 5
ROUNDS = 15
RACERS = 6

# A moderator's client: claims items, says which, then waits to be killed without deciding.
CLAIMER = """
import json, sys, time
import redis
from service.keys import Keys
from service.review.queue import ReviewQueue
queue = ReviewQueue(redis.Redis.from_url(sys.argv[1], decode_responses=True), Keys(),
                    lease_seconds=float(sys.argv[2]))
print(json.dumps([item.review_id for item in queue.claim("alice", int(sys.argv[3]))]), flush=True)
time.sleep(60)
"""


def test_a_claim_abandoned_by_a_killed_client_returns_after_the_lease(
    redis_client: redis.Redis, redis_url: str
) -> None:
    ids = enqueue(redis_client, KEYS, [0.5] * ABANDONED)
    client = subprocess.Popen(
        [sys.executable, "-c", CLAIMER, redis_url, str(LEASE), str(ABANDONED)],
        stdout=subprocess.PIPE,
        cwd=faults.ROOT,
    )
    try:
        assert client.stdout is not None
        claimed = json.loads(client.stdout.readline())
    finally:
        faults.kill(client)
        if client.stdout is not None:
            client.stdout.close()
    assert claimed == ids
    queue = ReviewQueue(redis_client, KEYS, lease_seconds=LEASE)
    # The killed client's lease still runs: nobody else gets its items yet.
    assert queue.claim("bob", ABANDONED) == []
    returned: list[str] = []

    def bob_claims() -> bool:
        returned.extend(item.review_id for item in queue.claim("bob", ABANDONED))
        return len(returned) == ABANDONED

    faults.wait_for(bob_claims, 3 * LEASE, "the abandoned items back in the queue")
    assert sorted(returned) == sorted(ids)
    decided = [queue.decide(rid, "spam", "bob") for rid in returned]
    assert queue.counts()["pending"] == 0
    faults.record(
        "lease",
        fault="a moderator's client SIGKILLed holding claims",
        sent_what=f"{ABANDONED} items claimed, client killed, {LEASE:g} s lease",
        sent=ABANDONED,
        ok=len(decided),
        unavailable=0,
        lost=ABANDONED - len(returned),
        also=f"{len(returned)} of {ABANDONED} claimable by another moderator after the lease,"
        " none before",
    )


def race(queue: ReviewQueue, rid: str, lease: float, round_no: int) -> list[Decision | APIError]:
    """Let RACERS threads (the holder among them) decide ``rid`` around the end of its lease."""
    claimed_at = time.monotonic()
    barrier = threading.Barrier(RACERS)
    results: list[Decision | APIError] = []

    def decide(moderator: str, offset: float) -> None:
        barrier.wait()
        # The racers aim at the lease's end, a few ms either side, in a new order each round.
        time.sleep(max(0.0, claimed_at + lease + offset - time.monotonic()))
        try:
            results.append(queue.decide(rid, "spam", moderator))
        except APIError as e:
            results.append(e)

    racers = ["alice"] + [f"mod{i}" for i in range(1, RACERS)]
    threads = [
        threading.Thread(target=decide, args=(m, ((i + round_no) % RACERS - RACERS / 2) / 1000))
        for i, m in enumerate(racers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results


def test_decisions_racing_the_end_of_a_lease_have_one_winner(redis_client: redis.Redis) -> None:
    lease = 0.2
    queue = ReviewQueue(redis_client, KEYS, lease_seconds=lease)
    holder_wins = other_wins = 0
    for n in range(ROUNDS):
        redis_client.flushdb()
        [rid] = enqueue(redis_client, KEYS, [0.5])
        assert [item.review_id for item in queue.claim("alice", 1)] == [rid]
        results = race(queue, rid, lease, n)
        wins = [r for r in results if isinstance(r, Decision)]
        losses = [r for r in results if isinstance(r, APIError)]
        assert len(results) == RACERS, f"round {n}"
        assert len(wins) == 1, f"round {n}: {wins}"
        assert {e.status for e in losses} == {409}
        assert redis_client.xlen(KEYS.audit_stream()) == 1
        assert len(LabelLog(redis_client, KEYS).latest()) == 1
        holder_wins += wins[0].moderator == "alice"
        other_wins += wins[0].moderator != "alice"
    faults.record(
        "race",
        fault="decisions racing a lease's expiry",
        sent_what=f"{ROUNDS} rounds x {RACERS} threads deciding one item at the end of a"
        f" {lease:g} s lease",
        sent=ROUNDS * RACERS,
        ok=holder_wins + other_wins,
        unavailable=0,
        lost=0,
        also=f"1 winner in each of {ROUNDS} rounds (the holder {holder_wins}, another"
        f" moderator {other_wins}), 1 audit entry and 1 label each; the rest 409",
    )
