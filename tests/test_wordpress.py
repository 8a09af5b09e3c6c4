"""WordPress 6.1 and its Akismet plugin against CommentGuard, end to end on 127.0.0.1.

Debian's `wordpress` package runs under `php -S` with MariaDB (tests/platforms/wordpress/);
its Akismet plugin reaches a CommentGuard gunicorn through the must-use plugin
files/commentguard.php, exactly as docs/wordpress.md tells a site to install it. Both servers
run on free ports and are stopped by pid; the database and its user are dropped at the end.
"""

from __future__ import annotations

import html
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from service.api.auth import ApiKeys
from service.delivery.signature import HEADER, sign
from service.review.queue import ReviewQueue
from tests.e2e import Server, free_port
from tests.platforms.wordpress.site import (
    HERE,
    KEYS,
    SITE,
    CommentGuard,
    WordPress,
    missing_prerequisite,
    moderator_decides,
    our_id,
    record,
    run,
    unsure_text,
)

pytestmark = [pytest.mark.wordpress, pytest.mark.e2e, pytest.mark.slow]

SECRET = "e2e-callback-secret"
HAM = "What a lovely walk through the old town, thanks for the photos of the bridge"
SPAM = "Check out my channel http://bit.ly/xyz subscribe please!!! free money"
# Redis database of the embedded server that no other test flushes.
DB = 7


@pytest.fixture(scope="module")
def commentguard(embedded_redis: str, data_dir: Path, tmp_path_factory) -> Iterator[CommentGuard]:
    """Run CommentGuard on a free port, on a Redis database of its own, with an Akismet key."""
    if (why := missing_prerequisite()) is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why}: `make test-wordpress` installs it")
        pytest.skip(f"{why}; `make test-wordpress` installs it (apt) and runs these tests")
    url = f"{embedded_redis}?db={DB}"
    client = redis.Redis.from_url(url, decode_responses=True)
    client.flushdb()
    env = {
        "COMMENTGUARD_REDIS_URL": url,
        "COMMENTGUARD_DATA_DIR": str(data_dir),
        "COMMENTGUARD_SECRET_KEY": "test",
        # Every test comment comes from 127.0.0.1 within seconds, which is no burst of a site.
        "COMMENTGUARD_BURST_MIN_COMMENTS": "1000",
    }
    server = Server(env, tmp_path_factory.mktemp("cg") / "gunicorn.log", workers=1)
    try:
        server.wait_ready(60)
        yield CommentGuard(server.url, client)
    finally:
        server.stop()
        client.flushdb()
        client.close()


@pytest.fixture(scope="module")
def wordpress(commentguard: CommentGuard, tmp_path_factory) -> Iterator[WordPress]:
    """Set WordPress up on a free port with a fresh database; stop it and drop it after."""
    state = tmp_path_factory.mktemp("wordpress")
    name = f"cg_wp_e2e_{os.getpid()}"
    env = {
        "CG_WP_STATE": str(state),
        "WP_PORT": str(free_port()),
        "COMMENTGUARD_URL": commentguard.url,
        "WP_DB_NAME": name,
        "WP_DB_USER": name,
        "CALLBACK_SECRET": SECRET,
        "PHP_CLI_SERVER_WORKERS": "2",
    }
    try:
        run(str(HERE / "setup.sh"), "--reset", env=env)
        run(str(HERE / "wp-server.sh"), "start", env=env)
        site = json.loads((state / "site.json").read_text())
        admin = httpx.Client(base_url=site["url"], timeout=30)
        admin.get("/wp-login.php")
        login = {"log": site["admin_user"], "pwd": site["admin_password"], "testcookie": "1"}
        assert admin.post("/wp-login.php", data=login).status_code == 302
        rest = httpx.Client(
            base_url=site["url"], auth=(site["admin_user"], site["app_password"]), timeout=30
        )
        wp = WordPress(site["url"], site, admin, rest)
        yield wp
        final = [wp.status(i) for i in wp.posted]
        tally = {s: final.count(s) for s in sorted(set(final))}
        print(
            f"\nWordPress {site['wp_version']}, Akismet {site['akismet_version']}:"
            f" {len(final)} comments posted, final states {tally}"
        )
    finally:
        run(str(HERE / "setup.sh"), "--drop", env=env)


@pytest.fixture(scope="module")
def keyed(wordpress: WordPress, commentguard: CommentGuard) -> str:
    """Type a fresh CommentGuard key on Akismet's settings page; return the page it answers."""
    key = ApiKeys(commentguard.redis, KEYS).create(SITE, akismet=True)
    path = "/wp-admin/options-general.php?page=akismet-key-config"
    page = wordpress.admin_page(path)
    nonce = re.search(r'name="_wpnonce" value="(\w+)"', page)
    assert nonce and 'value="enter-key"' in page
    form = {"action": "enter-key", "_wpnonce": nonce.group(1), "key": key}
    r = wordpress.admin.post(path, data=form)
    assert r.status_code == 200
    assert wordpress.rest.get("/wp-json/akismet/v1/key").json() == key
    return r.text + wordpress.admin_page(path)


def test_the_settings_page_accepts_a_typed_key(keyed: str) -> None:
    assert "The key you entered is invalid" not in keyed
    assert "connect to the Akismet servers" not in keyed
    assert f"CommentGuard: {SITE}" in html.unescape(keyed)


def test_clear_ham_is_published_and_clear_spam_lands_in_the_spam_folder(
    wordpress: WordPress, commentguard: CommentGuard, keyed: str
) -> None:
    ham_id, _ = wordpress.post_comment(f"{HAM} ({uuid.uuid4().hex[:6]})", "Ana Lima")
    spam_id, _ = wordpress.post_comment(f"{SPAM} {uuid.uuid4().hex[:6]}", "Cheap Deals")
    assert ham_id and spam_id
    assert wordpress.status(ham_id) == "approved"
    # The settings page saved akismet_strictness=0, so even a discard pro-tip keeps it as spam.
    assert wordpress.status(spam_id) == "spam"
    assert record(commentguard, our_id(wordpress, ham_id))["verdict"] == "ham"
    assert record(commentguard, our_id(wordpress, spam_id))["verdict"] == "spam"


def test_unsure_waits_as_pending_and_a_spam_click_in_wordpress_closes_our_review_item(
    wordpress: WordPress, commentguard: CommentGuard, keyed: str
) -> None:
    text = unsure_text(commentguard, f'it\'s "{uuid.uuid4().hex[:6]}"')
    wp_id, response = wordpress.post_comment(text, "Tom O'Hara")
    assert wp_id and f"unapproved={wp_id}" in response.headers["location"]
    assert wordpress.status(wp_id) == "hold"
    cid = our_id(wordpress, wp_id)
    queue = ReviewQueue(commentguard.redis, KEYS)
    assert [i.comment_id for i in queue.pending()] == [cid]
    # WordPress's quotes reached the check slashed; the record has them as the visitor typed.
    assert json.loads(record(commentguard, cid)["comment"])["content"] == text

    r = wordpress.rest.post(f"/wp-json/wp/v2/comments/{wp_id}", data={"status": "spam"})

    assert r.status_code == 200 and wordpress.status(wp_id) == "spam"
    stored = record(commentguard, cid)
    assert (stored["review_state"], stored["decision"]) == ("decided", "spam")
    assert stored["decided_by"] == "platform:akismet"
    assert queue.pending() == [] and queue.counts() == {"pending": 0, "claimed": 0}
    labels = commentguard.redis.xrange(KEYS.labels_stream())
    mine = [(f["label"], f["text"], f["source"]) for _, f in labels if f["id"] == cid]
    assert mine == [("spam", text, "platform:akismet")]


def test_not_spam_then_check_for_spam_keeps_the_comment_out_of_spam(
    wordpress: WordPress, commentguard: CommentGuard, keyed: str
) -> None:
    wp_id, _ = wordpress.post_comment(f"{SPAM} {uuid.uuid4().hex[:6]}", "Cheap Deals")
    assert wp_id and wordpress.status(wp_id) == "spam"
    # "Not Spam" puts a comment that was spam from the start back as pending (submit-ham).
    r = wordpress.rest.post(f"/wp-json/wp/v2/comments/{wp_id}", data={"status": "unspam"})
    assert r.status_code == 200 and wordpress.status(wp_id) == "hold"
    assert record(commentguard, our_id(wordpress, wp_id))["platform_label"] == "ham"
    page = wordpress.admin_page("/wp-admin/edit-comments.php?comment_status=moderated")
    nonce = re.search(r'class="[^"]*checkforspam[^"]*".*?data-nonce="(\w+)"', page, re.S)
    assert nonce, "no Check for Spam button"

    r = wordpress.admin.post(
        "/wp-admin/admin-ajax.php",
        data={
            "action": "akismet_recheck_queue",
            "offset": "0",
            "limit": "100",
            "nonce": nonce.group(1),
        },
    )

    assert r.status_code == 200, r.text
    counts = r.json()["counts"]
    assert counts["processed"] >= 1 and counts["spam"] == 0 and counts["error"] == 0
    assert wordpress.status(wp_id) == "hold"


def test_a_signed_decision_callback_is_applied_once_and_a_bad_one_refused(
    wordpress: WordPress, commentguard: CommentGuard, keyed: str
) -> None:
    wp_id, _ = wordpress.post_comment(unsure_text(commentguard, uuid.uuid4().hex[:6]), "Lee Chan")
    assert wp_id and wordpress.status(wp_id) == "hold"
    cid = our_id(wordpress, wp_id)
    moderator_decides(commentguard, cid, "ham")
    stored = record(commentguard, cid)
    event = {
        "event_id": uuid.uuid4().hex,
        "type": "comment.decided",
        "site": SITE,
        "comment_id": cid,
        "decision": "ham",
        "source": "moderator",
        "decided_by": "mia",
        "decided_at": stored["decided_at"],
        "score": float(stored["score"]),
        "model_version": "test-model",
    }
    body = json.dumps(event).encode()
    url = f"{wordpress.url}/wp-json/commentguard/v1/decision"

    def deliver(signature: str, payload: bytes = body) -> httpx.Response:
        headers = {
            "Content-Type": "application/json",
            HEADER: signature,
            "CommentGuard-Event-Id": str(event["event_id"]),
        }
        return httpx.post(url, content=payload, headers=headers)

    forged = deliver(sign("not-the-secret", body))
    stale = deliver(sign(SECRET, body, now=time.time() - 600))
    tampered = deliver(sign(SECRET, body), body.replace(b'"ham"', b'"spam"'))
    assert [r.status_code for r in (forged, stale, tampered)] == [401, 401, 401]
    assert "outside the 300 s window" in stale.json()["message"]
    assert wordpress.status(wp_id) == "hold"

    applied = deliver(sign(SECRET, body))

    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    assert wordpress.status(wp_id) == "approved"
    # A redelivery of the same event is dropped, even when the comment changed meanwhile.
    wordpress.rest.post(f"/wp-json/wp/v2/comments/{wp_id}", data={"status": "hold"})
    assert deliver(sign(SECRET, body)).json()["status"] == "duplicate"
    assert wordpress.status(wp_id) == "hold"
    wordpress.rest.post(f"/wp-json/wp/v2/comments/{wp_id}", data={"status": "approved"})
    reopened = json.dumps(
        event | {"event_id": uuid.uuid4().hex, "type": "comment.reopened", "decision": None}
    ).encode()
    assert deliver(sign(SECRET, reopened), reopened).json()["status"] == "applied"
    assert wordpress.status(wp_id) == "hold"
