"""The Blogger connector against a local stand-in of the Blogger API v3, on real Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask

from commentguard.connect import blogger_poller
from service.connectors.blogger import BloggerError
from service.connectors.poller import BloggerPoller
from tests.platforms.blogger.scenario import (
    HAM,
    SITE,
    SPAM,
    STATUS_OF,
    UNSURE,
    add_all,
    blogger_settings,
    write_credentials,
)
from tests.platforms.blogger.server import FakeBlogger, Fault, serve


@pytest.fixture
def blogger() -> Iterator[tuple[FakeBlogger, str]]:
    """Return the stand-in's state and base URL."""
    state = FakeBlogger()
    with serve(state) as url:
        yield state, url


@pytest.fixture
def credentials(tmp_path: Path) -> Path:
    """Return an authorized-user file as an OAuth consent flow writes it."""
    return write_credentials(tmp_path / "blogger-credentials.json")


@pytest.fixture
def blogger_app(redis_url: str, data_dir: Path, blogger: tuple[FakeBlogger, str]) -> Flask:
    """Return an app on the test Redis whose Blogger settings point at the stand-in."""
    from service.app import create_app

    overrides = {"REDIS_URL": redis_url, "DATA_DIR": str(data_dir), "SECRET_KEY": "test"}
    return create_app(overrides | blogger_settings(blogger[1]))


@pytest.fixture
def sleeps() -> list[float]:
    """Return the list every wait of the connector is recorded in (instead of sleeping)."""
    return []


@pytest.fixture
def poller(
    blogger_app: Flask, blogger: tuple[FakeBlogger, str], credentials: Path, sleeps: list[float]
) -> Iterator[BloggerPoller]:
    """Return a poller wired as `commentguard connect blogger` wires it, inside the app."""
    with blogger_app.app_context():
        p = blogger_poller(blogger_app, blogger[0].blog_id, credentials, SITE)
        p.client.sleep = sleeps.append
        p.client.budget.sleep = sleeps.append
        yield p


def verdicts(r: redis.Redis, ids: list[str]) -> list[str]:
    """Return the stored verdict of each comment of the site."""
    return [r.hget(f"{{cg}}:comment:{SITE}:{cid}", "verdict") for cid in ids]  # type: ignore[misc]


def moderator(app: Flask) -> dict[str, str]:
    """Return the Authorization header of a new moderator."""
    moderators = app.extensions["commentguard.moderators"]
    moderators.add("ann", "correct horse battery")
    return {"Authorization": f"Bearer {moderators.new_token('ann')}"}


def test_pages_are_read_and_each_verdict_is_applied(
    poller: BloggerPoller, blogger: tuple[FakeBlogger, str], redis_client: redis.Redis
) -> None:
    state = blogger[0]
    ids = add_all(state)
    report = poller.poll()
    assert report.complete
    assert report.listed == 7
    assert state.calls["listByBlog"] == 3  # 7 comments, 3 a page
    for name, group in ids.items():
        assert verdicts(redis_client, group) == [name] * len(group)
        assert [state.status(c) for c in group] == [STATUS_OF[name]] * len(group)
    assert (report.approved, report.spammed, report.unsure) == (2, 3, 2)
    assert state.refreshes == 1
    assert redis_client.hlen(f"{{cg}}:blogger:{state.blog_id}:unsure") == 2


def test_an_unsure_comment_waits_for_the_moderator_then_is_applied(
    poller: BloggerPoller,
    blogger: tuple[FakeBlogger, str],
    blogger_app: Flask,
    redis_client: redis.Redis,
) -> None:
    state = blogger[0]
    ids = add_all(state)
    poller.poll()
    again = poller.poll()
    assert (again.checked, again.decided) == (0, 0)
    assert [state.status(c) for c in ids["unsure"]] == ["PENDING", "PENDING"]
    client = blogger_app.test_client()
    mod = moderator(blogger_app)
    claimed = client.post("/v1/review/claim", json={"count": 10}, headers=mod).get_json()
    by_comment = {i["comment_id"]: i["review_id"] for i in claimed["items"]}
    assert set(by_comment) == set(ids["unsure"])
    first, second = ids["unsure"]
    for cid, label in ((first, "ham"), (second, "spam")):
        r = client.post(
            f"/v1/review/items/{by_comment[cid]}/decision", json={"label": label}, headers=mod
        )
        assert r.status_code == 200
    report = poller.poll()
    assert report.decided == 2
    assert (state.status(first), state.status(second)) == ("LIVE", "SPAM")
    assert state.applied[("approve", first)] == 1
    assert state.applied[("markAsSpam", second)] == 1
    calls = sum(state.applied.values())
    assert poller.poll().decided == 0
    assert sum(state.applied.values()) == calls


def test_a_decision_on_a_comment_the_owner_moderated_first_is_not_applied(
    poller: BloggerPoller, blogger: tuple[FakeBlogger, str], blogger_app: Flask
) -> None:
    state = blogger[0]
    cid = state.add(UNSURE[0])
    poller.poll()
    state.comments[cid]["status"] = "SPAM"  # the owner marked it in Blogger's dashboard
    client = blogger_app.test_client()
    mod = moderator(blogger_app)
    item = client.post("/v1/review/claim", json={"count": 1}, headers=mod).get_json()["items"][0]
    decided = client.post(
        f"/v1/review/items/{item['review_id']}/decision", json={"label": "ham"}, headers=mod
    )
    assert decided.status_code == 200
    report = poller.poll()
    assert (report.decided, report.already_done) == (0, 1)
    assert state.status(cid) == "SPAM"
    assert state.calls["approve"] == 0


def test_a_rerun_applies_nothing_new_and_the_cursor_moves(
    poller: BloggerPoller, blogger: tuple[FakeBlogger, str], redis_client: redis.Redis
) -> None:
    state = blogger[0]
    add_all(state)
    first = poller.poll()
    assert first.cursor is not None
    moderated = sum(state.applied.values())
    again = poller.poll()
    assert (again.checked, again.approved, again.spammed) == (0, 0, 0)
    assert sum(state.applied.values()) == moderated
    late = state.add(HAM[0])
    third = poller.poll()
    assert (third.checked, third.approved) == (1, 1)
    assert state.status(late) == "LIVE"
    assert redis_client.get(f"{{cg}}:blogger:{state.blog_id}:cursor") == third.cursor
    assert third.cursor is not None and third.cursor > first.cursor


def test_a_crash_mid_batch_then_a_rerun_applies_each_verdict_once(
    poller: BloggerPoller, blogger: tuple[FakeBlogger, str], redis_client: redis.Redis
) -> None:
    state = blogger[0]
    ids = add_all(state)
    state.refuse_after = 3
    with pytest.raises(BloggerError) as crash:
        poller.poll()
    assert crash.value.status == 403
    assert sum(state.applied.values()) == 3
    assert redis_client.get(f"{{cg}}:blogger:{state.blog_id}:cursor") is None
    state.refuse_after = None
    report = poller.poll()
    assert report.complete
    assert (report.approved + report.spammed, report.already_done) == (2, 0)
    for name, group in ids.items():
        assert [state.status(c) for c in group] == [STATUS_OF[name]] * len(group)
    assert all(n == 1 for n in state.applied.values())
    assert len(state.applied) == 5


def test_quota_errors_are_retried_with_backoff_and_retry_after(
    poller: BloggerPoller, blogger: tuple[FakeBlogger, str], sleeps: list[float]
) -> None:
    state = blogger[0]
    cid = state.add(SPAM[0])
    state.faults = [
        Fault(429, "rateLimitExceeded", retry_after="7"),
        Fault(403, "rateLimitExceeded"),
        Fault(403, "userRateLimitExceeded"),
        Fault(503, "backendError"),
    ]
    report = poller.poll()
    assert report.complete and report.spammed == 1
    assert state.status(cid) == "SPAM"
    assert state.calls["fault"] == 4
    assert sleeps[0] == 7.0
    # Full jitter: each wait is at most the doubled backoff of its attempt (1, 2, 4 s).
    assert [0 <= s <= 2.0**i for i, s in enumerate(sleeps[1:], start=1)] == [True] * 3


def test_quota_errors_past_the_retries_fail_the_poll_and_lose_nothing(
    poller: BloggerPoller, blogger: tuple[FakeBlogger, str]
) -> None:
    state = blogger[0]
    cid = state.add(SPAM[0])
    state.faults = [Fault(429, "rateLimitExceeded")] * 7
    with pytest.raises(BloggerError) as refused:
        poller.poll()
    assert (refused.value.status, refused.value.reason) == (429, "rateLimitExceeded")
    assert state.calls["fault"] == 7  # the first try and six retries
    assert poller.poll().spammed == 1
    assert state.status(cid) == "SPAM"


def test_a_403_that_is_not_a_rate_limit_is_not_retried(
    poller: BloggerPoller, blogger: tuple[FakeBlogger, str]
) -> None:
    state = blogger[0]
    state.add(HAM[0])
    state.faults = [Fault(403, "forbidden")]
    with pytest.raises(BloggerError) as refused:
        poller.poll()
    assert (refused.value.status, refused.value.reason) == (403, "forbidden")
    assert state.calls["fault"] == 1


def test_an_expired_token_is_refreshed(
    poller: BloggerPoller, blogger: tuple[FakeBlogger, str]
) -> None:
    state = blogger[0]
    state.add(HAM[0])
    poller.poll()
    assert state.refreshes == 1
    state.expire_tokens()
    cid = state.add(SPAM[0])
    report = poller.poll()
    assert report.spammed == 1 and state.status(cid) == "SPAM"
    assert state.refreshes == 2


def test_a_poll_past_its_budget_stops_and_the_next_one_goes_on(
    poller: BloggerPoller, blogger: tuple[FakeBlogger, str], redis_client: redis.Redis
) -> None:
    state = blogger[0]
    ids = add_all(state)
    poller.client.budget.per_poll = 4
    first = poller.poll()
    assert not first.complete
    assert redis_client.get(f"{{cg}}:blogger:{state.blog_id}:cursor") is None
    polls = 1 + next(n for n in range(1, 10) if poller.poll().complete)
    assert polls > 2
    for name, group in ids.items():
        assert [state.status(c) for c in group] == [STATUS_OF[name]] * len(group)
    assert all(n == 1 for n in state.applied.values())


def test_a_decision_undone_and_decided_the_other_way_is_applied_again(
    poller: BloggerPoller,
    blogger: tuple[FakeBlogger, str],
    blogger_app: Flask,
    redis_client: redis.Redis,
) -> None:
    state = blogger[0]
    cid = state.add(UNSURE[0])
    poller.poll()
    client = blogger_app.test_client()
    mod = moderator(blogger_app)

    def decide(label: str) -> str:
        claimed = client.post("/v1/review/claim", json={"count": 1}, headers=mod).get_json()
        rid = claimed["items"][0]["review_id"]
        r = client.post(f"/v1/review/items/{rid}/decision", json={"label": label}, headers=mod)
        assert r.status_code == 200
        return str(rid)

    first = decide("ham")
    assert poller.poll().decided == 1 and state.status(cid) == "LIVE"
    assert client.post(f"/v1/review/items/{first}/undo", headers=mod).status_code == 200
    assert poller.poll().decided == 0  # waiting for the new decision: Blogger keeps it LIVE
    decide("spam")
    assert poller.poll().decided == 1 and state.status(cid) == "SPAM"
    assert dict(state.applied) == {("approve", cid): 1, ("markAsSpam", cid): 1}
    assert redis_client.hexists(f"{{cg}}:blogger:{state.blog_id}:unsure", cid)
    poller.undo_seconds = 0  # the decision can no longer be undone: stop watching it
    poller.poll()
    assert not redis_client.hexists(f"{{cg}}:blogger:{state.blog_id}:unsure", cid)
