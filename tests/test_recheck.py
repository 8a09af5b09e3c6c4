"""`commentguard recheck`: pending review items re-scored; clear ones resolved with an audit."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from click.testing import CliRunner
from flask import Flask

from commentguard.cli import main
from service.keys import Keys
from service.review.queue import ReviewQueue

# The queue's scripts and pipelines must also work on a Redis Cluster.
pytestmark = pytest.mark.cluster

COMMENTS = {
    "spam-1": "CHECK OUT MY CHANNEL!!! subscribe please http://bit.ly/free-money",
    "spam-2": "Please subscribe to my channel, I make music videos, check it out!",
    "ham-1": "This song brings back so many memories, love it",
    "decided": "Subscribe to my channel for free gift cards http://free.example.com",
}


def _queue_everything(app: Flask) -> None:
    """Check every comment on an app that answers unsure to all."""
    auth = {"Authorization": "Bearer " + app.extensions["commentguard.api_keys"].create("blog")}
    client = app.test_client()
    for comment_id, content in COMMENTS.items():
        answer = client.post(
            "/v1/comments/check", json={"id": comment_id, "content": content}, headers=auth
        ).get_json()
        assert answer["verdict"] == "unsure"
    app.extensions["commentguard.redis"].close()


def test_recheck_is_a_dry_run_unless_applied(
    redis_client: redis.Redis, redis_url: str, data_dir: Path, unsure_app: Flask
) -> None:
    _queue_everything(unsure_app)
    keys = Keys()
    # A moderator holds this one, and decides it: recheck must leave it alone.
    queue = ReviewQueue(redis_client, keys)
    held = queue.claim("ann", 4)
    decided = next(i for i in held if i.comment_id == "decided")
    for item in held:
        if item is not decided:
            queue.release(item.review_id, "ann")
    queue.decide(decided.review_id, "spam", "ann")
    labels_before = redis_client.xlen(keys.labels_stream())
    env = {
        "COMMENTGUARD_REDIS_URL": redis_url,
        "COMMENTGUARD_DATA_DIR": str(data_dir),
        # One cutoff: every item is now clearly one or the other, whatever the model's figures.
        "COMMENTGUARD_HAM_CUTOFF": "0.5",
        "COMMENTGUARD_SPAM_CUTOFF": "0.5",
    }

    dry = CliRunner().invoke(main, ["recheck"], env=env, catch_exceptions=False)
    assert dry.exit_code == 0
    assert "model test-model: 3 pending, now ham 1, spam 2, still unsure 0" in dry.output
    assert "dry run: nothing changed" in dry.output
    assert redis_client.xlen(keys.review_stream()) == 3
    assert redis_client.xlen(keys.audit_stream()) == 1

    applied = CliRunner().invoke(main, ["recheck", "--apply"], env=env, catch_exceptions=False)
    assert "resolved 3 items" in applied.output
    record = redis_client.hgetall(keys.comment("blog", "spam-1"))
    assert record["decision"] == "spam" and record["decided_by"] == "model:test-model"
    assert redis_client.hget(keys.comment("blog", "decided"), "decided_by") == "ann"
    audit = [f for _, f in redis_client.xrange(keys.audit_stream())]
    assert {(a["id"], a["label"], a["moderator"]) for a in audit} == {
        ("decided", "spam", "ann"),
        ("spam-1", "spam", "model:test-model"),
        ("spam-2", "spam", "model:test-model"),
        ("ham-1", "ham", "model:test-model"),
    }
    assert redis_client.xlen(keys.review_stream()) == 0
    # a model must not learn from itself: no label beyond the moderator's
    assert redis_client.xlen(keys.labels_stream()) == labels_before == 1
