"""Behaviour signals in Redis: each fires, stays quiet on a look-alike, and shows as a reason."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import redis

from service.review.signals import combine

# The queue's scripts and pipelines must also work on a Redis Cluster.
pytestmark = pytest.mark.cluster

TEXT = "I really enjoyed how this article explains the new zoning rules for the old harbour."
_ids = itertools.count()


def check(client: Any, auth: dict[str, str], **fields: Any) -> dict[str, Any]:
    """Check one comment (a fresh id each time) and return the answer."""
    body = {"id": f"c-{next(_ids)}", "content": TEXT} | fields
    response = client.post("/v1/comments/check", json=body, headers=auth)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def codes(answer: dict[str, Any]) -> set[str]:
    """Return the reason codes of an answer."""
    return {r["code"] for r in answer["reasons"]}


def test_combine_adds_log_odds() -> None:
    assert combine(0.5, 0.0) == pytest.approx(0.5)
    assert combine(0.5, 2.0) == pytest.approx(0.880797, abs=1e-6)
    assert combine(0.2, -100.0) < 1e-6


def test_honeypot_fires_only_when_filled(client: Any, auth: dict[str, str]) -> None:
    quiet = check(client, auth, honeypot="")
    assert "signal_honeypot" not in codes(quiet)
    loud = check(client, auth, honeypot="http://pills.example.com")
    assert "signal_honeypot" in codes(loud)
    assert loud["verdict"] == "spam"
    assert loud["score"] > quiet["score"]


def test_fast_submit_fires_below_the_threshold(client: Any, auth: dict[str, str]) -> None:
    assert "signal_fast_submit" not in codes(check(client, auth, submit_seconds=45))
    fast = check(client, auth, submit_seconds=0.4)
    assert "signal_fast_submit" in codes(fast)
    assert any("0.4 s" in r["message"] for r in fast["reasons"])


def test_submit_seconds_must_be_a_number(client: Any, auth: dict[str, str]) -> None:
    response = client.post(
        "/v1/comments/check",
        json={"id": "bad", "content": TEXT, "submit_seconds": "soon"},
        headers=auth,
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "submit_seconds"


def test_same_text_on_several_posts_fires(client: Any, auth: dict[str, str]) -> None:
    first = check(client, auth, post={"id": "p1"})
    second = check(client, auth, post={"id": "p2"})
    third = check(client, auth, post={"id": "p3"})
    assert "signal_duplicate_text" not in codes(first) | codes(second)
    assert "signal_duplicate_text" in codes(third)
    assert third["score"] > first["score"]


def test_same_text_on_one_post_or_short_text_does_not_fire(
    client: Any, auth: dict[str, str]
) -> None:
    for _ in range(4):
        same_post = check(client, auth, post={"id": "p1"})
    assert "signal_duplicate_text" not in codes(same_post)
    for n in range(4):
        short = check(client, auth, content="Great post, thanks!", post={"id": f"s{n}"})
    assert "signal_duplicate_text" not in codes(short)


def test_burst_from_one_ip_fires(client: Any, auth: dict[str, str]) -> None:
    answers = [
        check(client, auth, content=f"{TEXT} ({n})", author={"ip": "203.0.113.9"}) for n in range(5)
    ]
    assert all("signal_burst_ip" not in codes(a) for a in answers[:4])
    assert "signal_burst_ip" in codes(answers[4])


def test_a_batch_is_recorded_in_one_pipeline_and_in_order(
    app: Any, client: Any, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each comment of a batch sees the ones before it, as if they came one by one."""
    comments = [
        {"id": f"c-{next(_ids)}", "content": f"{TEXT} ({n})", "author": {"ip": "198.51.100.7"}}
        for n in range(5)
    ] + [
        {"id": f"c-{next(_ids)}", "content": TEXT + " again", "post": {"id": f"b{n}"}}
        for n in range(3)
    ]
    record = app.extensions["commentguard.signals"]._record.sha
    pipelines = []
    execute = redis.client.Pipeline.execute

    def counted(pipe: redis.client.Pipeline, *args: Any, **kwargs: Any) -> Any:
        pipelines.append([command[1] == record for command, _ in pipe.command_stack])
        return execute(pipe, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", counted)
    response = client.post("/v1/comments/check-batch", json={"comments": comments}, headers=auth)
    assert response.status_code == 200, response.get_json()
    answers = response.get_json()["results"]
    recording = [p for p in pipelines if any(p)]
    assert recording == [[True] * len(comments)]
    assert ["signal_burst_ip" in codes(a) for a in answers[:5]] == [False] * 4 + [True]
    assert ["signal_duplicate_text" in codes(a) for a in answers[5:]] == [False, False, True]


def test_comments_from_different_ips_are_no_burst(client: Any, auth: dict[str, str]) -> None:
    answers = [
        check(client, auth, content=f"{TEXT} ({n})", author={"ip": f"203.0.113.{n}"})
        for n in range(6)
    ]
    assert all("signal_burst_ip" not in codes(a) for a in answers)


def test_author_history_of_spam_fires(client: Any, auth: dict[str, str]) -> None:
    author = {"email": "seller@example.com"}
    assert "signal_author_spam" not in codes(check(client, auth, author=author))
    check(client, auth, author=author, honeypot="filled")
    later = check(client, auth, content="Nice one.", author=author)
    assert "signal_author_spam" in codes(later)
    other = check(client, auth, content="Nice one.", author={"email": "reader@example.com"})
    assert "signal_author_spam" not in codes(other)


def test_author_with_approved_comments_is_trusted(client: Any, auth: dict[str, str]) -> None:
    author = {"email": "regular@example.com"}
    answers = [
        check(client, auth, content=f"Good point about the harbour, part {n}.", author=author)
        for n in range(4)
    ]
    assert all(a["verdict"] == "ham" for a in answers[:3])
    assert "signal_author_trusted" not in codes(answers[2])
    assert "signal_author_trusted" in codes(answers[3])


def test_a_retried_comment_counts_once_in_the_authors_history(
    client: Any, auth: dict[str, str]
) -> None:
    author = {"email": "retrier@example.com"}
    body = {"content": "Good point about the harbour.", "author": author}
    for _ in range(4):  # the webhook retries one comment
        retried = check(client, auth, id="c-retried", **body)
    assert retried["verdict"] == "ham"
    answers = [
        check(client, auth, content=f"Good point about the bridge, part {n}.", author=author)
        for n in range(3)
    ]
    assert "signal_author_trusted" not in codes(answers[1])  # 1 + 2 approved: not yet
    assert "signal_author_trusted" in codes(answers[2])


def test_keyword_stuffed_author_url_fires(client: Any, auth: dict[str, str]) -> None:
    stuffed = check(client, auth, author={"url": "https://best-cheap-diet-pills-online.com/"})
    assert "signal_author_url" in codes(stuffed)
    plain = check(client, auth, author={"url": "https://jane-doe.example.org/blog"})
    assert "signal_author_url" not in codes(plain)


@pytest.fixture
def shadow_client(redis_url: str, data_dir: Any) -> Any:
    """Return a test client of an app in shadow mode that always answers ham."""
    from service.app import create_app

    app = create_app(
        {
            "REDIS_URL": redis_url,
            "DATA_DIR": str(data_dir),
            "SECRET_KEY": "test",
            "SHADOW_VERDICT": "ham",
        }
    )
    key = app.extensions["commentguard.api_keys"].create("blog.example.com")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


def test_shadow_mode_answers_the_safe_verdict_and_reports_the_computed_one(
    shadow_client: Any,
) -> None:
    answer = check(shadow_client, {}, honeypot="filled")
    assert answer["verdict"] == "ham"
    assert answer["shadow"] == {"verdict": "spam"}
    stored = shadow_client.get(f"/v1/comments/{answer['id']}").get_json()
    assert stored["shadow"] == {"verdict": "spam"}
    assert stored["verdict"] == "ham"


def test_shadow_verdict_must_be_a_verdict(redis_url: str, data_dir: Any) -> None:
    from service.app import create_app
    from service.settings import SettingsError

    with pytest.raises(SettingsError, match="SHADOW_VERDICT"):
        create_app(
            {
                "REDIS_URL": redis_url,
                "DATA_DIR": str(data_dir),
                "SECRET_KEY": "test",
                "SHADOW_VERDICT": "maybe",
            }
        )
