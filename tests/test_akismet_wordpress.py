"""What WordPress's Akismet plugin needs beyond the protocol's core, driven in-process."""

from __future__ import annotations

import json

import pytest
import redis
from flask import Flask

from service.api.akismet import stripslashes
from service.keys import Keys
from service.review.labels import LabelLog
from service.review.queue import ReviewQueue

BLOG = "http://127.0.0.1:8080"
WORDPRESS = {"User-Agent": "WordPress/6.1.9 | Akismet/5.0.2"}
KEYS = Keys()


@pytest.fixture
def akismet_key(app: Flask) -> str:
    return app.extensions["commentguard.api_keys"].create("blog.example.com", akismet=True)


def form(key: str, **fields: str) -> dict[str, str]:
    """Return the fields WordPress sends for an anonymous comment, plus ``fields``."""
    return {
        "api_key": key,
        "blog": BLOG,
        "user_ip": "127.0.0.1",
        "permalink": f"{BLOG}/hello-world/",
        "comment_type": "comment",
        "comment_author": "Ann O\\'Neil",
        "comment_author_email": "ann@example.org",
        "comment_content": 'He said \\"don\\\'t\\" about C:\\\\path, is this video any good?',
    } | fields


def test_stripslashes_is_phps() -> None:
    assert stripslashes('He said \\"don\\\'t\\" C:\\\\path') == 'He said "don\'t" C:\\path'
    assert stripslashes("a\\0b\\") == "a\0b"
    assert stripslashes("plain") == "plain"


def test_settings_page_calls(client, akismet_key: str) -> None:
    r = client.post("/1.1/get-subscription", data={"key": akismet_key, "blog": BLOG})
    assert r.status_code == 200 and r.json["status"] == "active"
    assert r.json["account_name"] == "CommentGuard: blog.example.com"
    r = client.post("/1.1/get-subscription", data={"key": "0123456789ab", "blog": BLOG})
    assert (r.text, r.headers["X-akismet-debug-help"][:15]) == ("invalid", "Invalid API key")
    r = client.post("/1.1/get-stats", data={"key": akismet_key, "blog": BLOG, "from": "all"})
    assert r.json == dict.fromkeys(
        ("spam", "ham", "missed_spam", "false_positives", "accuracy", "time_saved"), 0
    )
    assert client.post("/1.1/get-stats", data={"blog": BLOG}).text == "invalid"
    r = client.get("/1.1/test", headers={"User-Agent": f"WordPress/6.1.9; {BLOG}"})
    assert (r.status_code, r.text, r.mimetype) == (200, "connected", "text/plain")


def test_a_slashed_check_and_its_unslashed_report_meet_one_record(
    unsure_app: Flask, redis_client: redis.Redis
) -> None:
    client = unsure_app.test_client()
    key = unsure_app.extensions["commentguard.api_keys"].create("blog.example.com", akismet=True)
    checked = client.post("/1.1/comment-check", data=form(key), headers=WORDPRESS)
    cid = checked.headers["X-CommentGuard-Id"]
    record = redis_client.hgetall(KEYS.comment("blog.example.com", cid))
    stored = json.loads(record["comment"])
    assert stored["content"] == 'He said "don\'t" about C:\\path, is this video any good?'
    assert stored["author"]["name"] == "Ann O'Neil"
    # The report sends what WordPress stored: the same text without the backslashes.
    report = {k: stripslashes(v) for k, v in form(key).items()} | {"comment_ID": "7"}
    assert client.post("/1.1/submit-spam", data=report, headers=WORDPRESS).text.startswith("Thanks")
    record = redis_client.hgetall(KEYS.comment("blog.example.com", cid))
    assert (record["review_state"], record["decided_by"]) == ("decided", "platform:akismet")
    assert ReviewQueue(redis_client, KEYS).pending() == []
    [label] = LabelLog(redis_client, KEYS).latest()
    assert (label.comment_id, label.label, label.source) == (cid, "spam", "platform:akismet")


def test_other_clients_keep_their_backslashes(client, akismet_key: str, redis_client) -> None:
    r = client.post("/1.1/comment-check", data=form(akismet_key))
    record = redis_client.hgetall(KEYS.comment("blog.example.com", r.headers["X-CommentGuard-Id"]))
    assert json.loads(record["comment"])["author"]["name"] == "Ann O\\'Neil"


def test_a_recheck_answers_the_platforms_later_decision(
    unsure_app: Flask, redis_client: redis.Redis
) -> None:
    client = unsure_app.test_client()
    key = unsure_app.extensions["commentguard.api_keys"].create("blog.example.com", akismet=True)
    cid = client.post("/1.1/comment-check", data=form(key), headers=WORDPRESS).headers[
        "X-CommentGuard-Id"
    ]
    # A recheck sends the filtered database row, which derives another id: the bridge's
    # commentguard_id names the record.
    recheck = form(key, comment_content="filtered <b>text</b>", recheck_reason="recheck_queue")
    ours = recheck | {"commentguard_id": cid}
    r = client.post("/1.1/comment-check", data=ours, headers=WORDPRESS)
    assert (r.text, r.headers["X-CommentGuard-Id"], r.headers["X-CommentGuard-Verdict"]) == (
        "true",
        cid,
        "unsure",
    )
    for label, answer in (("ham", "false"), ("spam", "true"), ("ham", "false")):
        client.post(f"/1.1/submit-{label}", data=ours, headers=WORDPRESS)
        r = client.post("/1.1/comment-check", data=ours, headers=WORDPRESS)
        assert (r.text, r.headers["X-CommentGuard-Verdict"]) == (answer, label)
    # Without recheck_reason a repeated check gets the first answer, as any retry does.
    again = {k: v for k, v in ours.items() if k != "recheck_reason"}
    assert client.post("/1.1/comment-check", data=again, headers=WORDPRESS).text == "true"
    assert redis_client.xlen(KEYS.labels_stream()) == 3
    assert len(list(redis_client.scan_iter("{cg}:comment:*"))) == 1


def test_a_recheck_answers_a_moderators_decision(unsure_app: Flask, redis_client) -> None:
    client = unsure_app.test_client()
    key = unsure_app.extensions["commentguard.api_keys"].create("blog.example.com", akismet=True)
    cid = client.post("/1.1/comment-check", data=form(key), headers=WORDPRESS).headers[
        "X-CommentGuard-Id"
    ]
    queue = ReviewQueue(redis_client, KEYS)
    [item] = queue.pending()
    queue.decide(item.review_id, "ham", "alice")
    recheck = form(key, recheck_reason="retry", commentguard_id=cid)
    r = client.post("/1.1/comment-check", data=recheck, headers=WORDPRESS)
    assert (r.text, r.headers["X-CommentGuard-Verdict"]) == ("false", "ham")


def test_a_malformed_commentguard_id_is_ignored(client, akismet_key: str) -> None:
    plain = client.post("/1.1/comment-check", data=form(akismet_key))
    odd = client.post("/1.1/comment-check", data=form(akismet_key, commentguard_id="../x"))
    assert odd.headers["X-CommentGuard-Id"] == plain.headers["X-CommentGuard-Id"]
