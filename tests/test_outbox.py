"""Outbox events: each final decision writes exactly one, in the decision's own script."""

from __future__ import annotations

from typing import Any

import redis

from service.delivery.callbacks import Callbacks
from service.keys import Keys
from service.review.queue import ReviewQueue
from service.review.records import CommentStore

SITE = "blog.example.com"
KEYS = Keys()


def events(client: redis.Redis) -> list[dict[str, str]]:
    """Return the outbox's events' fields, oldest first."""
    return [f for _, f in client.xrange(KEYS.outbox())]


def answer(comment_id: str, verdict: str, score: float) -> dict[str, Any]:
    """Return an answer as the check path stores it."""
    return {
        "id": comment_id,
        "verdict": verdict,
        "score": score,
        "reasons": [],
        "model_version": "m-7",
    }


def comment(comment_id: str) -> dict[str, Any]:
    """Return a stored comment."""
    return {"id": comment_id, "content": f"text of {comment_id}", "site": SITE}


def test_automatic_ham_and_spam_write_one_event_each_and_unsure_none(redis_client):
    Callbacks(redis_client, KEYS).set(SITE, "http://127.0.0.1:9/hook")
    store = CommentStore(redis_client, KEYS)
    items = [
        (comment("c-ham"), answer("c-ham", "ham", 0.01)),
        (comment("c-spam"), answer("c-spam", "spam", 0.99)),
        (comment("c-unsure"), answer("c-unsure", "unsure", 0.5)),
    ]
    store.save_many(SITE, items)
    # The platform retries its webhook: the stored answer stands, no second event.
    store.save_many(SITE, items)
    store.save_once(SITE, *items[1])
    got = events(redis_client)
    assert [(e["comment_id"], e["decision"]) for e in got] == [("c-ham", "ham"), ("c-spam", "spam")]
    spam = got[1]
    assert spam["type"] == "comment.decided"
    assert spam["source"] == "model"
    assert spam["decided_by"] == "m-7"
    assert spam["model_version"] == "m-7"
    assert float(spam["score"]) == 0.99
    assert float(spam["decided_at"]) > 1.7e9


def test_no_callback_no_event(redis_client):
    store = CommentStore(redis_client, KEYS)
    store.save_once(SITE, comment("c-1"), answer("c-1", "spam", 0.99))
    assert events(redis_client) == []


def test_decision_and_undo_write_one_event_each(redis_client):
    Callbacks(redis_client, KEYS).set(SITE, "http://127.0.0.1:9/hook")
    store = CommentStore(redis_client, KEYS)
    queue = ReviewQueue(redis_client, KEYS)
    store.save_once(SITE, comment("c-1"), answer("c-1", "unsure", 0.5))
    assert events(redis_client) == []
    (item,) = queue.claim("ann", 1)
    queue.decide(item.review_id, "spam", "ann")
    # A second decision of the same item loses and writes nothing.
    assert isinstance(queue.decide_many([(item.review_id, "ham", "")], "bob")[0], Exception)
    requeued = queue.undo(item.review_id, "ann")
    (again,) = queue.claim("ann", 1)
    assert again.review_id == requeued
    queue.decide(requeued, "ham", "ann")
    got = events(redis_client)
    assert [(e["type"], e["decision"], e["source"], e["decided_by"]) for e in got] == [
        ("comment.decided", "spam", "moderator", "ann"),
        ("comment.reopened", "", "moderator", "ann"),
        ("comment.decided", "ham", "moderator", "ann"),
    ]
    assert {e["comment_id"] for e in got} == {"c-1"}
    assert {e["model_version"] for e in got} == {"m-7"}
    assert {float(e["score"]) for e in got} == {0.5}


def test_a_model_resolving_an_item_is_the_source(redis_client):
    Callbacks(redis_client, KEYS).set(SITE, "http://127.0.0.1:9/hook")
    store = CommentStore(redis_client, KEYS)
    queue = ReviewQueue(redis_client, KEYS)
    store.save_once(SITE, comment("c-1"), answer("c-1", "unsure", 0.5))
    (item,) = queue.pending()
    queue.decide_many([(item.review_id, "ham", "")], "model:m-8", learn=False)
    (event,) = events(redis_client)
    assert (event["source"], event["decided_by"]) == ("model", "model:m-8")


def test_the_check_endpoint_writes_the_event_of_its_verdict(redis_url, data_dir):
    from service.app import create_app

    # Cutoffs of 0 make every score spam: the verdict is known whatever the model says.
    app = create_app(
        {
            "REDIS_URL": redis_url,
            "DATA_DIR": str(data_dir),
            "SECRET_KEY": "t",
            "HAM_CUTOFF": 0.0,
            "SPAM_CUTOFF": 0.0,
        }
    )
    client = app.extensions["commentguard.redis"]
    key = app.extensions["commentguard.api_keys"].create(SITE)
    app.extensions["commentguard.callbacks"].set(SITE, "http://127.0.0.1:9/hook")
    body = {"id": "c-9", "content": "Great post, thanks for writing it."}
    http = app.test_client()
    for _ in range(2):
        reply = http.post(
            "/v1/comments/check", json=body, headers={"Authorization": f"Bearer {key}"}
        )
        assert reply.status_code == 200, reply.get_json()
    (event,) = events(client)
    assert (event["comment_id"], event["decision"], event["source"]) == ("c-9", "spam", "model")
    assert event["model_version"] == "test-model"
