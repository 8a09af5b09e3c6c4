"""Behaviour of the review queue, against every real Redis the suite has."""

from __future__ import annotations

import threading
import time

import pytest
import redis
from flask import Flask

from commentguard.retraining import to_examples
from service.errors import APIError
from service.keys import Keys
from service.review.items import Decision
from service.review.labels import LabelLog
from service.review.queue import ReviewQueue
from service.review.records import CommentStore
from tests.review_data import SITE, comment, enqueue

# The queue's scripts and pipelines must also work on a Redis Cluster.
pytestmark = pytest.mark.cluster

KEYS = Keys()


def make_queue(client: redis.Redis, **kwargs: float) -> ReviewQueue:
    """Return a queue on the test Redis."""
    return ReviewQueue(client, KEYS, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def queue(redis_client: redis.Redis) -> ReviewQueue:
    return make_queue(redis_client)


def test_concurrent_identical_checks_queue_one_entry(unsure_app: Flask) -> None:
    app = unsure_app
    key = app.extensions["commentguard.api_keys"].create(SITE)
    body = {"id": "same-1", "content": "is this spam? visit my channel"}
    barrier = threading.Barrier(10)
    answers: list[dict] = []

    def check() -> None:
        client = app.test_client()
        barrier.wait()
        r = client.post("/v1/comments/check", json=body, headers={"Authorization": f"Bearer {key}"})
        answers.append(r.get_json())

    threads = [threading.Thread(target=check) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    redis_client = app.extensions["commentguard.redis"]
    assert [a["verdict"] for a in answers] == ["unsure"] * 10
    assert len({a["score"] for a in answers}) == 1
    assert redis_client.xlen(KEYS.review_stream()) == 1


def test_claims_give_each_item_to_one_moderator_oldest_first(
    redis_client: redis.Redis, queue: ReviewQueue
) -> None:
    ids = enqueue(redis_client, KEYS, [0.4, 0.5, 0.6, 0.7, 0.3])
    alice = queue.claim("alice", 3)
    bob = queue.claim("bob", 3)
    assert [i.review_id for i in alice] == ids[:3]
    assert [i.review_id for i in bob] == ids[3:]
    assert queue.claim("carol", 3) == []
    assert {i.claimed_by for i in alice} == {"alice"}
    assert [i.review_id for i in queue.claimed_by("bob")] == ids[3:]
    assert queue.counts() == {"pending": 0, "claimed": 5}
    item = alice[0].to_dict()
    assert item["content"] == "comment number 0"
    assert item["comment_id"] == "c-0"
    assert item["claim"]["moderator"] == "alice"
    assert item["reasons"][0]["code"] == "spam_words"


def test_expired_lease_hands_the_item_to_another_moderator(redis_client: redis.Redis) -> None:
    [rid] = enqueue(redis_client, KEYS, [0.5])
    short = make_queue(redis_client, lease_seconds=0.1)
    long = make_queue(redis_client, lease_seconds=600)
    assert [i.review_id for i in short.claim("alice", 1)] == [rid]
    # Within a 600 s lease nobody else gets it.
    assert long.claim("bob", 1) == []
    time.sleep(0.2)
    assert [i.review_id for i in short.pending()] == [rid]
    assert [i.review_id for i in short.claim("bob", 1)] == [rid]
    assert short.claimed_by("alice") == []
    with pytest.raises(APIError) as e:
        long.decide(rid, "spam", "alice")
    assert (e.value.status, e.value.code) == (409, "claimed")
    assert "bob" in e.value.message
    assert long.decide(rid, "ham", "bob").label == "ham"


def test_twenty_concurrent_decisions_have_one_winner(
    redis_client: redis.Redis, queue: ReviewQueue
) -> None:
    [rid] = enqueue(redis_client, KEYS, [0.5])
    barrier = threading.Barrier(20)
    results: list[Decision | APIError] = []

    def decide(n: int) -> None:
        barrier.wait()
        try:
            results.append(queue.decide(rid, "spam" if n % 2 else "ham", f"mod{n}"))
        except APIError as e:
            results.append(e)

    threads = [threading.Thread(target=decide, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wins = [r for r in results if isinstance(r, Decision)]
    losses = [r for r in results if isinstance(r, APIError)]
    assert len(wins) == 1
    assert len(losses) == 19
    assert {(e.status, e.code) for e in losses} == {(409, "already_decided")}
    assert all(wins[0].moderator in e.message and wins[0].label in e.message for e in losses)
    assert len(LabelLog(redis_client, KEYS).latest()) == 1
    assert redis_client.xlen(KEYS.audit_stream()) == 1


def test_a_decision_updates_record_audit_and_labels(
    redis_client: redis.Redis, queue: ReviewQueue
) -> None:
    [rid] = enqueue(redis_client, KEYS, [0.55], ["cheap pills at pills.example"])
    decision = queue.decide(rid, "spam", "alice", "obvious pharma")
    record = redis_client.hgetall(KEYS.comment(SITE, "c-0"))
    assert record["review_state"] == "decided"
    assert (record["decision"], record["decided_by"], record["note"]) == (
        "spam",
        "alice",
        "obvious pharma",
    )
    assert float(record["decided_at"]) == decision.at
    [(_, audit)] = redis_client.xrange(KEYS.audit_stream())
    assert audit == {
        "event": "decide",
        "review_id": rid,
        "site": SITE,
        "id": "c-0",
        "moderator": "alice",
        "at": record["decided_at"],
        "label": "spam",
        "note": "obvious pharma",
        "score": "0.55",
        "verdict": "unsure",
        "model_version": "test-model",
    }
    [label] = LabelLog(redis_client, KEYS).latest()
    assert (label.site, label.comment_id, label.label) == (SITE, "c-0", "spam")
    assert (label.text, label.source) == ("cheap pills at pills.example", "moderator:alice")
    assert label.post_url == ""  # the platform sent no post URL
    assert redis_client.xlen(KEYS.review_stream()) == 0
    assert queue.counts() == {"pending": 0, "claimed": 0}
    assert queue.state_of(record)["decision"]["label"] == "spam"


def test_undo_requeues_the_item_and_labels_stay_deduplicated(
    redis_client: redis.Redis, queue: ReviewQueue
) -> None:
    [rid] = enqueue(redis_client, KEYS, [0.5], ["great post, thanks"])
    queue.decide(rid, "spam", "alice")
    new_rid = queue.undo(rid, "alice")
    assert new_rid != rid
    record = redis_client.hgetall(KEYS.comment(SITE, "c-0"))
    assert record["review_id"] == new_rid
    assert record["review_state"] == "pending"
    assert "decision" not in record
    assert queue.state_of(record) == {"state": "pending", "review_id": new_rid}
    assert LabelLog(redis_client, KEYS).latest() == []
    assert [i.review_id for i in queue.pending()] == [new_rid]
    with pytest.raises(APIError) as e:
        queue.decide(rid, "ham", "alice")
    assert (e.value.status, e.value.code) == (409, "superseded")
    assert new_rid in e.value.message
    queue.decide(new_rid, "ham", "bob")
    [label] = LabelLog(redis_client, KEYS).latest()
    assert (label.label, label.source) == ("ham", "moderator:bob")
    events = [
        (f["event"], f["moderator"], f["label"])
        for _, f in redis_client.xrange(KEYS.audit_stream())
    ]
    assert events == [
        ("decide", "alice", "spam"),
        ("undo", "alice", "spam"),
        ("decide", "bob", "ham"),
    ]
    undo = redis_client.xrange(KEYS.audit_stream())[1][1]
    assert (undo["review_id"], undo["requeued_as"]) == (rid, new_rid)
    assert queue.stats()["decided_24h"] == 1


def test_undo_only_by_the_decider_within_the_window(redis_client: redis.Redis) -> None:
    first, second = enqueue(redis_client, KEYS, [0.5, 0.6])
    queue = make_queue(redis_client, undo_seconds=300)
    queue.decide(first, "spam", "alice")
    with pytest.raises(APIError) as e:
        queue.undo(first, "bob")
    assert (e.value.status, e.value.code) == (403, "not_decider")
    with pytest.raises(APIError) as e:
        queue.undo(second, "alice")
    assert (e.value.status, e.value.code) == (409, "not_decided")
    closed = make_queue(redis_client, undo_seconds=0)
    time.sleep(0.01)
    with pytest.raises(APIError) as e:
        closed.undo(first, "alice")
    assert (e.value.status, e.value.code) == (409, "undo_window_passed")
    with pytest.raises(APIError) as e:
        queue.undo("1-1", "alice")
    assert e.value.status == 404


def test_release_returns_the_item_to_the_queue(
    redis_client: redis.Redis, queue: ReviewQueue
) -> None:
    [rid] = enqueue(redis_client, KEYS, [0.5])
    queue.claim("alice", 1)
    with pytest.raises(APIError) as e:
        queue.release(rid, "bob")
    assert (e.value.status, e.value.code) == (409, "claimed")
    queue.release(rid, "alice")
    assert queue.counts() == {"pending": 1, "claimed": 0}
    with pytest.raises(APIError) as e:
        queue.release(rid, "alice")
    assert e.value.code == "not_claimed"
    assert [i.review_id for i in queue.claim("bob", 5)] == [rid]


def test_pending_lists_oldest_or_most_uncertain_first(
    redis_client: redis.Redis, queue: ReviewQueue
) -> None:
    ids = enqueue(redis_client, KEYS, [0.3, 0.52, 0.85, 0.45])
    assert [i.review_id for i in queue.pending()] == ids
    assert [i.score for i in queue.pending("uncertain")] == [0.52, 0.45, 0.3, 0.85]
    assert [i.review_id for i in queue.pending(limit=2)] == ids[:2]
    queue.claim("alice", 1)
    assert [i.review_id for i in queue.pending()] == ids[1:]
    stats = queue.stats()
    assert (stats["pending"], stats["claimed"], stats["decided_24h"]) == (3, 1, 0)
    assert stats["oldest_pending_age_seconds"] >= 0


def test_empty_queue_has_no_oldest_item(queue: ReviewQueue) -> None:
    assert queue.stats() == {
        "pending": 0,
        "claimed": 0,
        "decided_24h": 0,
        "oldest_pending_age_seconds": None,
    }
    assert queue.claim("alice", 5) == []
    assert queue.pending() == []


def test_bulk_decisions_succeed_or_fail_one_by_one(
    redis_client: redis.Redis, queue: ReviewQueue
) -> None:
    a, b = enqueue(redis_client, KEYS, [0.4, 0.6])
    queue.decide(a, "ham", "alice")
    results = queue.decide_many([(a, "spam", ""), (b, "spam", "bulk"), ("9-9", "ham", "")], "bob")
    assert isinstance(results[0], APIError) and results[0].status == 409
    assert isinstance(results[1], Decision) and results[1].label == "spam"
    assert isinstance(results[2], APIError) and results[2].status == 404
    with pytest.raises(APIError) as e:
        queue.decide_many([(a, "maybe", "")], "bob")
    assert e.value.status == 422
    assert {(lbl.comment_id, lbl.label) for lbl in LabelLog(redis_client, KEYS).latest()} == {
        ("c-0", "ham"),
        ("c-1", "spam"),
    }


def test_entries_queued_before_the_group_existed_are_served(
    redis_client: redis.Redis, queue: ReviewQueue
) -> None:
    ids = enqueue(redis_client, KEYS, [0.5, 0.5])
    assert redis_client.exists(KEYS.review_stream())
    assert [i.review_id for i in queue.claim("alice", 5)] == ids


def test_a_lone_surrogate_in_the_text_does_not_lose_the_label(
    redis_client: redis.Redis, queue: ReviewQueue
) -> None:
    [rid] = enqueue(redis_client, KEYS, [0.5], ["odd \ud800 text"])
    queue.decide(rid, "ham", "alice")
    [label] = LabelLog(redis_client, KEYS).latest()
    assert label.text == "odd \ufffd text"


def test_a_claim_takes_only_expired_leases_among_live_ones(
    redis_client: redis.Redis, queue: ReviewQueue
) -> None:
    first, second, third = enqueue(redis_client, KEYS, [0.5, 0.5, 0.5])
    queue.claim("alice", 1)
    queue.claim("bob", 1)
    queue.release(second, "bob")
    # The pending list now holds alice's live lease, then bob's released (expired) one.
    assert [i.review_id for i in queue.claim("carol", 5)] == [second, third]
    assert [i.review_id for i in queue.claimed_by("alice")] == [first]
    assert queue.counts() == {"pending": 0, "claimed": 3}


def test_a_label_keeps_the_post_url_and_title_and_trains_without_the_link_to_its_post(
    redis_client: redis.Redis, queue: ReviewQueue
) -> None:
    post = {"id": "p-9", "url": "https://blog.example.com/2024/harbour/", "title": "The harbour"}
    text = "see blog.example.com/2024/harbour and cheap-pills.example"
    answer = {"id": "c-9", "verdict": "unsure", "score": 0.5, "reasons": [], "model_version": "m"}
    CommentStore(redis_client, KEYS).save_once(SITE, comment("c-9", text, post=post), answer)
    [item] = queue.pending()
    queue.decide(item.review_id, "spam", "alice")
    [label] = LabelLog(redis_client, KEYS).latest()
    assert (label.text, label.post_url, label.comment_type) == (text, post["url"], "comment")
    assert label.post_title == "The harbour"
    [example] = to_examples([label])
    assert (example.text, example.kind) == ("see  and cheap-pills.example", "comment")
    assert example.title == "The harbour"
