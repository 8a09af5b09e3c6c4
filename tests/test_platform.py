"""A platform's own decision closes our review item, on every real Redis the suite has."""

from __future__ import annotations

import pytest
import redis

from service.delivery.callbacks import Callbacks
from service.errors import APIError
from service.keys import Keys
from service.review.labels import LabelLog
from service.review.platform import PlatformDecisions
from service.review.queue import ReviewQueue
from tests.review_data import SITE, enqueue

KEYS = Keys()


@pytest.fixture
def platform(redis_client: redis.Redis) -> PlatformDecisions:
    return PlatformDecisions(redis_client, KEYS)


def test_a_platform_decision_closes_a_claimed_item_in_one_step(
    redis_client: redis.Redis, platform: PlatformDecisions
) -> None:
    queue = ReviewQueue(redis_client, KEYS)
    [rid] = enqueue(redis_client, KEYS, [0.6], ["buy followers at followers.example"])
    assert [i.review_id for i in queue.claim("alice", 5)] == [rid]

    closing = platform.close(SITE, "c-0", "spam", "akismet")

    assert (closing.status, closing.review_id) == ("closed", rid)
    record = redis_client.hgetall(KEYS.comment(SITE, "c-0"))
    assert (record["review_state"], record["decision"]) == ("decided", "spam")
    assert record["decided_by"] == record["platform_source"] == "platform:akismet"
    assert record["platform_label"] == "spam"
    assert queue.counts() == {"pending": 0, "claimed": 0}
    assert queue.claimed_by("alice") == [] and queue.pending() == []
    assert queue.stats()["decided_24h"] == 1
    [(_, audit)] = redis_client.xrange(KEYS.audit_stream())
    assert (audit["event"], audit["review_id"], audit["moderator"], audit["label"]) == (
        "platform",
        rid,
        "platform:akismet",
        "spam",
    )
    assert (audit["note"], audit["verdict"], audit["model_version"]) == (
        "closed",
        "unsure",
        "test-model",
    )
    [label] = LabelLog(redis_client, KEYS).latest()
    assert (label.comment_id, label.label, label.source) == ("c-0", "spam", "platform:akismet")
    assert label.text == "buy followers at followers.example"
    with pytest.raises(APIError) as refused:
        queue.decide(rid, "ham", "alice")
    assert refused.value.status == 409
    assert "platform:akismet" in refused.value.message


def test_a_decided_item_stays_decided_but_the_record_notes_the_platform(
    redis_client: redis.Redis, platform: PlatformDecisions
) -> None:
    queue = ReviewQueue(redis_client, KEYS)
    [rid] = enqueue(redis_client, KEYS, [0.5])
    queue.decide(rid, "ham", "alice")

    closing = platform.close(SITE, "c-0", "spam", "label-api")

    assert (closing.status, closing.review_id) == ("recorded", rid)
    record = redis_client.hgetall(KEYS.comment(SITE, "c-0"))
    assert (record["decision"], record["decided_by"]) == ("ham", "alice")
    assert (record["platform_label"], record["platform_source"]) == ("spam", "platform:label-api")
    events = [f["event"] for _, f in redis_client.xrange(KEYS.audit_stream())]
    assert events == ["decide", "platform"]
    # The platform spoke last, so its label is the one that trains.
    [label] = LabelLog(redis_client, KEYS).latest()
    assert (label.label, label.source) == ("spam", "platform:label-api")
    # The moderator's own decision is still theirs to undo.
    assert queue.recent_decisions("alice")[0]["review_id"] == rid


def test_without_a_record_only_the_label_is_written(
    redis_client: redis.Redis, platform: PlatformDecisions
) -> None:
    assert platform.close(SITE, "never-checked", "ham", "akismet").status == "unknown"
    assert redis_client.xlen(KEYS.labels_stream()) == 0
    closing = platform.close(SITE, "never-checked", "ham", "akismet", "nice post", "u")
    assert (closing.status, closing.review_id) == ("recorded", "")
    [label] = LabelLog(redis_client, KEYS).latest()
    assert (label.text, label.post_url, label.label) == ("nice post", "u", "ham")
    assert not redis_client.exists(KEYS.comment(SITE, "never-checked"))
    assert redis_client.xlen(KEYS.audit_stream()) == 0


def test_a_bad_label_is_refused(platform: PlatformDecisions) -> None:
    with pytest.raises(ValueError, match="spam or ham"):
        platform.close(SITE, "c-0", "maybe", "akismet")


def test_the_label_api_closes_the_item_and_a_moderator_then_gets_409(
    unsure_app, redis_client: redis.Redis
) -> None:
    client = unsure_app.test_client()
    keys = unsure_app.extensions["commentguard.api_keys"]
    auth = {"Authorization": f"Bearer {keys.create(SITE)}"}
    body = {"id": "wp-41", "content": "is this a real offer? write me"}
    assert client.post("/v1/comments/check", json=body, headers=auth).json["verdict"] == "unsure"
    [item] = ReviewQueue(redis_client, KEYS).pending()

    r = client.post(
        "/v1/comments/wp-41/label", json={"label": "ham", "source": "wordpress"}, headers=auth
    )

    assert r.status_code == 200, r.json
    assert (r.json["closed"], r.json["decided_by"]) == (True, "platform:wordpress")
    assert r.json["review"]["decision"]["label"] == "ham"
    shown = client.get("/v1/comments/wp-41", headers=auth).json["review"]
    assert (shown["state"], shown["decision"]["decided_by"]) == ("decided", "platform:wordpress")
    again = client.post("/v1/comments/wp-41/label", json={"label": "spam"}, headers=auth)
    assert (again.json["closed"], again.json["decided_by"]) == (False, "platform:api")
    moderators = unsure_app.extensions["commentguard.moderators"]
    moderators.add("alice", "correct horse")
    bearer = {"Authorization": f"Bearer {moderators.new_token('alice')}"}
    late = client.post(
        f"/v1/review/items/{item.review_id}/decision", json={"label": "spam"}, headers=bearer
    )
    assert (late.status_code, late.json["error"]["code"]) == (409, "already_decided")


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/v1/comments/never/label", {"label": "spam"}, 404, None),
        ("/v1/comments/c/label", {"label": "maybe"}, 422, "label"),
        ("/v1/comments/c/label", ["spam"], 422, "label"),
        ("/v1/comments/c/label", {"label": "spam", "source": "Big Bad"}, 422, "source"),
        ("/v1/comments/c/label", {"label": "spam", "site": "other.example"}, 403, "site"),
    ],
)
def test_the_label_api_refuses_bad_calls_clearly(
    client, auth, path: str, body: object, status: int, field: str | None
) -> None:
    r = client.post(path, json=body, headers=auth)
    assert r.status_code == status
    assert r.json["error"].get("field") == field and r.json["error"]["message"]


def test_a_closed_item_writes_one_outbox_event_for_a_site_with_a_callback(
    redis_client: redis.Redis, platform: PlatformDecisions
) -> None:
    Callbacks(redis_client, KEYS).set(SITE, "http://127.0.0.1:9/hook")
    enqueue(redis_client, KEYS, [0.6], ["buy followers at followers.example"])
    assert platform.close(SITE, "c-0", "spam", "wordpress").status == "closed"
    # A second report of the same decision finds the item decided: no second event.
    assert platform.close(SITE, "c-0", "spam", "wordpress").status == "recorded"
    [(_, event)] = redis_client.xrange(KEYS.outbox())
    assert (event["type"], event["comment_id"], event["decision"]) == (
        "comment.decided",
        "c-0",
        "spam",
    )
    assert (event["source"], event["decided_by"]) == ("platform", "platform:wordpress")
