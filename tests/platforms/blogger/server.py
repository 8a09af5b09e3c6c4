"""A local stand-in for the Blogger API v3 and Google's OAuth2 token endpoint.

It speaks the shapes of Blogger's published discovery document (``blogger#commentList`` of
``blogger#comment`` resources, ``nextPageToken``; approve and markAsSpam answer the comment
with status ``LIVE`` or ``SPAM``) and Google's JSON errors, holds comments in memory,
enforces the bearer token, and can be told to fail the next requests (429, 403
rateLimitExceeded, 5xx) or to hold an answer while a test kills the client.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

SCOPE = "https://www.googleapis.com/auth/blogger"
CLIENT_ID = "test-client.apps.example"
CLIENT_SECRET = "test-secret"
REFRESH_TOKEN = "test-refresh-token"
_PACIFIC = timezone(timedelta(hours=-8))
_STATUS_PARAM = {"live": "LIVE", "pending": "PENDING", "spam": "SPAM", "emptied": "EMPTIED"}


@dataclass
class Fault:
    """One injected failure: the status, Google's error reason and an optional Retry-After."""

    status: int
    reason: str
    retry_after: str | None = None


@dataclass
class FakeBlogger:
    """The state of the stand-in: comments, tokens, faults and what was called."""

    blog_id: str = "8070105920543249955"
    comments: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    faults: list[Fault] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    applied: Counter[tuple[str, str]] = field(default_factory=Counter)
    refreshes: int = 0
    # After this many approve/spam calls, the next one is applied and then held.
    hold_after: int | None = None
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    # After this many approve/spam calls, every further one is refused (403 forbidden).
    refuse_after: int | None = None
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(7_000_000_000_000_000))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, content: str, post_id: str = "4321", minutes_ago: float = 0.0) -> str:
        """Add a pending comment; return its id."""
        cid = str(next(self._ids))
        # Blogger answers in the blog's time zone; a fixed -08:00 exercises the parsing.
        when = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        stamp = when.astimezone(_PACIFIC).isoformat(timespec="milliseconds")
        base = f"http://{{host}}/blogger/v3/blogs/{self.blog_id}/posts/{post_id}/comments/{cid}"
        self.comments[cid] = {
            "kind": "blogger#comment",
            "id": cid,
            "post": {"id": post_id},
            "blog": {"id": self.blog_id},
            "published": stamp,
            "updated": stamp,
            "selfLink": base,
            "content": content,
            "author": {
                "id": "g-" + cid[-4:],
                "displayName": "Reader " + cid[-3:],
                "url": "https://www.blogger.com/profile/" + cid[-6:],
                "image": {"url": "//example.invalid/avatar.png"},
            },
            "status": "PENDING",
        }
        return cid

    def status(self, cid: str) -> str:
        """Return the current status of a comment."""
        return str(self.comments[cid]["status"])

    def expire_tokens(self) -> None:
        """Make every access token handed out so far invalid (as their expiry would)."""
        self.tokens.clear()


def _error(status: int, reason: str, message: str, retry_after: str | None = None) -> Response:
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
        }
    }
    response = jsonify(body)
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def create_app(state: FakeBlogger) -> Flask:
    """Return the Flask app of the stand-in for ``state``."""
    app = Flask(__name__)

    @app.post("/token")
    def token() -> Any:
        form = request.form
        if (
            form.get("grant_type") != "refresh_token"
            or form.get("refresh_token") != REFRESH_TOKEN
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
        ):
            return jsonify({"error": "invalid_grant", "error_description": "Bad Request"}), 400
        access = "ya29." + secrets.token_urlsafe(16)
        state.tokens.add(access)
        state.refreshes += 1
        return jsonify(
            {"access_token": access, "expires_in": 3599, "scope": SCOPE, "token_type": "Bearer"}
        )

    @app.before_request
    def guard() -> Any:
        if request.path == "/token":
            return None
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or header[7:] not in state.tokens:
            return _error(401, "authError", "Request had invalid authentication credentials.")
        with state._lock:
            fault = state.faults.pop(0) if state.faults else None
        if fault is not None:
            state.calls["fault"] += 1
            return _error(fault.status, fault.reason, "injected", fault.retry_after)
        return None

    prefix = "/blogger/v3/blogs/<blog_id>"

    @app.get(prefix + "/comments")
    def list_by_blog(blog_id: str) -> Any:
        state.calls["listByBlog"] += 1
        if blog_id != state.blog_id:
            return _error(404, "notFound", "Blog not found")
        wanted = {_STATUS_PARAM[s] for s in request.args.getlist("status")} or {"LIVE"}
        start = request.args.get("startDate")
        since = datetime.fromisoformat(start) if start else None
        size = int(request.args.get("maxResults", 20))
        offset = int(request.args.get("pageToken") or 0)
        body = request.args.get("fetchBodies", "true") == "true"
        found = sorted(
            (
                c
                for c in state.comments.values()
                if c["status"] in wanted
                and (since is None or datetime.fromisoformat(c["published"]) >= since)
            ),
            key=lambda c: datetime.fromisoformat(c["published"]),
            reverse=True,
        )
        page = found[offset : offset + size]
        items = [c if body else {k: v for k, v in c.items() if k != "content"} for c in page]
        out: dict[str, Any] = {"kind": "blogger#commentList", "items": items}
        if offset + size < len(found):
            out["nextPageToken"] = str(offset + size)
        return jsonify(out)

    @app.get(prefix + "/posts/<post_id>/comments/<cid>")
    def get(blog_id: str, post_id: str, cid: str) -> Any:
        state.calls["get"] += 1
        c = state.comments.get(cid)
        if blog_id != state.blog_id or c is None or c["post"]["id"] != post_id:
            return _error(404, "notFound", "Comment not found")
        return jsonify(c)

    def moderate(blog_id: str, post_id: str, cid: str, method: str, to: str) -> Any:
        state.calls[method] += 1
        c = state.comments.get(cid)
        if blog_id != state.blog_id or c is None or c["post"]["id"] != post_id:
            return _error(404, "notFound", "Comment not found")
        if state.refuse_after is not None and sum(state.applied.values()) >= state.refuse_after:
            return _error(403, "forbidden", "The caller does not have permission")
        if c["status"] == to:
            return _error(400, "invalid", f"Comment is already {to}")
        c["status"] = to
        state.applied[(method, cid)] += 1
        moderated = sum(state.applied.values())
        if state.hold_after is not None and moderated > state.hold_after:
            state.held.set()
            state.release.wait(30)
        return jsonify(c)

    @app.post(prefix + "/posts/<post_id>/comments/<cid>/approve")
    def approve(blog_id: str, post_id: str, cid: str) -> Any:
        return moderate(blog_id, post_id, cid, "approve", "LIVE")

    @app.post(prefix + "/posts/<post_id>/comments/<cid>/spam")
    def mark_as_spam(blog_id: str, post_id: str, cid: str) -> Any:
        return moderate(blog_id, post_id, cid, "markAsSpam", "SPAM")

    return app


@contextmanager
def serve(state: FakeBlogger) -> Iterator[str]:
    """Serve the stand-in on a free port of 127.0.0.1; yield its base URL."""
    server = make_server("127.0.0.1", 0, create_app(state), threaded=True)
    # A short poll interval: shutdown() waits for one, and every test stops a server.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        state.release.set()
        server.shutdown()
        thread.join(10)
