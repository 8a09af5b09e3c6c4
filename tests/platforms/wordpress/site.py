"""Helpers of the WordPress end-to-end test: the running site, CommentGuard, their state."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis

from service.api.auth import ApiKeys
from service.keys import Keys
from service.web.moderators import Moderators

HERE = Path(__file__).parent
AKISMET = Path("/usr/share/wordpress/wp-content/plugins/akismet/akismet.php")
SITE = "wordpress-e2e"
# Texts the test model scores between its cutoffs; the first one still unsure is used.
UNSURE = ("like if you agree", "great post, I wrote about this too on my blog", "like if u agree")
KEYS = Keys()


def missing_prerequisite() -> str | None:
    """Return what this machine lacks to run WordPress, or None."""
    if not AKISMET.exists() or shutil.which("php") is None:
        return "Debian's wordpress package and php-cli are not installed"
    if shutil.which("mariadb") is None:
        return "MariaDB is not installed"
    for args in ([], ["-h127.0.0.1", "-P3306"]):
        if (
            subprocess.run(
                ["mariadb", "-uroot", *args, "-e", "SELECT 1"], capture_output=True
            ).returncode
            == 0
        ):
            return None
    return "MariaDB is not answering as root"


@dataclass
class WordPress:
    """The running site: its URL, admin session and application password, and a tally."""

    url: str
    site: dict[str, str]
    admin: httpx.Client
    rest: httpx.Client
    posted: list[int] = field(default_factory=list)

    def post_comment(self, text: str, author: str) -> tuple[int | None, httpx.Response]:
        """Post a comment through wp-comments-post.php as a visitor; return its id, if stored."""
        visitor = httpx.Client(base_url=self.url, timeout=30)
        page = visitor.get(self.site["post_url"]).text
        nonce = re.search(r"name=['\"]akismet_comment_nonce['\"] value=['\"](\w+)", page)
        r = visitor.post(
            "/wp-comments-post.php",
            data={
                "comment_post_ID": str(self.site["post_id"]),
                "comment_parent": "0",
                "author": author,
                "email": f"{author.lower().replace(' ', '.')}@example.org",
                "url": "",
                "comment": text,
                "akismet_comment_nonce": nonce.group(1) if nonce else "",
                "ak_js": str(int(time.time() * 1000) - 9000),
                "ak_hp_textarea": "",
            },
        )
        assert r.status_code == 302, r.text[:500]
        found = re.search(r"#comment-(\d+)$", r.headers["location"])
        if found:
            self.posted.append(int(found.group(1)))
        return (int(found.group(1)) if found else None), r

    def status(self, comment_id: int) -> str:
        """Return the comment's status as the REST API says: approved, hold, spam or trash."""
        r = self.rest.get(f"/wp-json/wp/v2/comments/{comment_id}", params={"context": "edit"})
        assert r.status_code == 200, r.text
        return str(r.json()["status"])

    def admin_page(self, path: str) -> str:
        """Return an admin page's HTML, logged in as the administrator."""
        r = self.admin.get(path)
        assert r.status_code == 200, (path, r.status_code)
        return r.text


@dataclass(frozen=True)
class CommentGuard:
    """The CommentGuard under test: its URL and a client of its Redis database."""

    url: str
    redis: redis.Redis


def run(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run(args, env=os.environ | env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def record(commentguard: CommentGuard, comment_id: str) -> dict[str, str]:
    return commentguard.redis.hgetall(KEYS.comment(SITE, comment_id))


def our_id(wordpress: WordPress, wp_id: int) -> str:
    """Return the CommentGuard id the must-use plugin stored with a WordPress comment."""
    r = wordpress.rest.get(f"/wp-json/wp/v2/comments/{wp_id}", params={"context": "edit"})
    found = str(r.json()["meta"]["commentguard_id"])
    assert re.fullmatch(r"akismet-[0-9a-f]{32}", found), found
    return found


def unsure_text(commentguard: CommentGuard, tag: str) -> str:
    """Return a comment text CommentGuard answers unsure (asked with is_test: nothing stored)."""
    key = ApiKeys(commentguard.redis, KEYS).create(SITE, akismet=True)
    for text in UNSURE:
        probe = {"api_key": key, "blog": "x", "user_ip": "127.0.0.1", "is_test": "1"}
        r = httpx.post(
            f"{commentguard.url}/1.1/comment-check",
            data=probe | {"comment_content": f"{text} {tag}"},
        )
        if r.headers["X-CommentGuard-Verdict"] == "unsure":
            return f"{text} {tag}"
    raise AssertionError("no candidate text is unsure under the test model")


def moderator_decides(commentguard: CommentGuard, cid: str, label: str) -> None:
    """Decide the comment's review item through the review API, as /moderate does."""
    moderators = Moderators(commentguard.redis, KEYS)
    if not moderators.exists("mia"):
        moderators.add("mia", "correct horse")
    bearer = {"Authorization": f"Bearer {moderators.new_token('mia')}"}
    [item] = httpx.post(
        f"{commentguard.url}/v1/review/claim", json={"count": 1}, headers=bearer
    ).json()["items"]
    assert item["comment_id"] == cid
    url = f"{commentguard.url}/v1/review/items/{item['review_id']}/decision"
    assert httpx.post(url, json={"label": label}, headers=bearer).status_code == 200
