"""The Blogger API v3, as far as the connector needs it: list pending comments, approve, spam.

Requests go through google-auth's ``AuthorizedSession``, which adds the OAuth2 bearer token,
refreshes it when it has expired and retries once on a 401. Quota errors (429, and 403 with
reason ``rateLimitExceeded`` or ``userRateLimitExceeded``), 5xx answers and lost connections
or timeouts are retried with exponential backoff and full jitter, or after ``Retry-After``
when the answer has one.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import google.auth.credentials
import requests
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

log = logging.getLogger(__name__)

SCOPE = "https://www.googleapis.com/auth/blogger"
"""The OAuth2 scope that may read and moderate a blog's comments."""

RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
# The comment statuses Blogger reports (the discovery document's enum for Comment.status).
LIVE, PENDING, SPAM = "LIVE", "PENDING", "SPAM"


class BloggerError(Exception):
    """The Blogger API refused a request (after any retries)."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"Blogger API {status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message


class BudgetSpent(Exception):
    """This poll has made as many requests as its budget allows; the next poll goes on."""


@dataclass(frozen=True)
class BloggerComment:
    """One ``blogger#comment`` resource, in the fields the connector reads."""

    id: str
    post_id: str
    blog_id: str
    published: str
    status: str
    content: str
    author_name: str | None
    author_url: str | None
    in_reply_to: str | None

    @classmethod
    def from_resource(cls, data: dict[str, Any]) -> BloggerComment:
        """Read a comment resource as the API returns it."""
        author = data.get("author") or {}
        return cls(
            id=str(data["id"]),
            post_id=str((data.get("post") or {}).get("id", "")),
            blog_id=str((data.get("blog") or {}).get("id", "")),
            published=str(data.get("published", "")),
            status=str(data.get("status", "")),
            content=str(data.get("content") or ""),
            author_name=author.get("displayName"),
            author_url=author.get("url"),
            in_reply_to=(data.get("inReplyTo") or {}).get("id"),
        )


def load_credentials(
    path: Path, token_uri: str | None = None
) -> google.auth.credentials.Credentials:
    """Load an authorized-user file (OAuth consent flow) or a service-account key.

    Args:
        token_uri: the OAuth2 token endpoint to refresh at; None keeps the file's (a
            service-account key) or google-auth's default (an authorized-user file).
    """
    try:
        info = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot read credentials {path}: {e}") from None
    if not isinstance(info, dict):
        info = {}
    # google-auth-oauthlib's Credentials.to_json() writes an authorized user without "type".
    kind = info.get("type") or ("authorized_user" if "refresh_token" in info else None)
    creds: Any
    if kind == "authorized_user":
        creds = user_credentials.Credentials.from_authorized_user_info(info, scopes=[SCOPE])
    elif kind == "service_account":
        creds = service_account.Credentials.from_service_account_info(info, scopes=[SCOPE])
    else:
        raise ValueError(
            f"{path} is neither an authorized-user file nor a service-account key "
            '("type" must be "authorized_user" or "service_account")'
        )
    return creds.with_token_uri(token_uri) if token_uri else creds


class Budget:
    """Requests one poll may make, and at most ``per_minute`` of them in any minute."""

    def __init__(
        self,
        per_poll: int,
        per_minute: int,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_poll = per_poll
        self.per_minute = per_minute
        self.sleep = sleep
        self.clock = clock
        self.used = 0
        self._recent: deque[float] = deque()

    def start_poll(self) -> None:
        """Give a new poll its whole budget."""
        self.used = 0

    def take(self) -> None:
        """Spend one request, waiting for the minute's window; raise BudgetSpent past the poll's."""
        if self.used >= self.per_poll:
            raise BudgetSpent(f"{self.used} requests made, the budget of one poll")
        now = self.clock()
        while self._recent and now - self._recent[0] >= 60:
            self._recent.popleft()
        if len(self._recent) >= self.per_minute:
            self.sleep(60 - (now - self._recent[0]))
            self._recent.popleft()
            now = self.clock()
        self._recent.append(now)
        self.used += 1


class BloggerClient:
    """The comment methods of one blog, with retries, backoff and a request budget."""

    def __init__(
        self,
        session: requests.Session,
        blog_id: str,
        base_url: str,
        budget: Budget,
        retries: int,
        backoff: float,
        backoff_max: float,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session = session
        self.blog_id = blog_id
        self.base_url = base_url.rstrip("/")
        self.budget = budget
        self.retries = retries
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.timeout = timeout
        self.sleep = sleep

    @classmethod
    def from_credentials(
        cls, creds: google.auth.credentials.Credentials, blog_id: str, **kwargs: Any
    ) -> BloggerClient:
        """Return a client whose session signs requests with (and refreshes) ``creds``."""
        return cls(AuthorizedSession(creds), blog_id, **kwargs)

    def pending_pages(
        self, start_date: str | None, page_size: int
    ) -> Iterator[list[BloggerComment]]:
        """Yield the blog's pending comments page by page (comments.listByBlog)."""
        params: dict[str, Any] = {
            "status": "pending",
            "fetchBodies": "true",
            "maxResults": page_size,
        }
        if start_date:
            params["startDate"] = start_date
        while True:
            page = self._call("GET", f"/blogs/{self.blog_id}/comments", params)
            yield [BloggerComment.from_resource(item) for item in page.get("items") or []]
            token = page.get("nextPageToken")
            if not token:
                return
            params["pageToken"] = token

    def get(self, post_id: str, comment_id: str) -> BloggerComment | None:
        """Return one comment (comments.get), or None when it no longer exists."""
        try:
            data = self._call("GET", self._comment_path(post_id, comment_id))
        except BloggerError as e:
            if e.status == 404:
                return None
            raise
        return BloggerComment.from_resource(data)

    def approve(self, post_id: str, comment_id: str) -> BloggerComment:
        """Publish a comment (comments.approve)."""
        path = self._comment_path(post_id, comment_id) + "/approve"
        return BloggerComment.from_resource(self._call("POST", path))

    def mark_as_spam(self, post_id: str, comment_id: str) -> BloggerComment:
        """Mark a comment as spam (comments.markAsSpam)."""
        path = self._comment_path(post_id, comment_id) + "/spam"
        return BloggerComment.from_resource(self._call("POST", path))

    def _comment_path(self, post_id: str, comment_id: str) -> str:
        return f"/blogs/{self.blog_id}/posts/{post_id}/comments/{comment_id}"

    def _call(self, method: str, path: str, params: dict[str, Any] | None = None) -> Any:
        """Make one API call, retrying quota errors, 5xx and lost connections."""
        for attempt in range(self.retries + 1):
            self.budget.take()
            last = attempt == self.retries
            try:
                response = self.session.request(
                    method, self.base_url + path, params=params, timeout=self.timeout
                )
            except (requests.ConnectionError, requests.Timeout) as e:
                # A moderation that timed out may have been applied: its retry then gets a
                # 400 "already", which the poller counts as done.
                if last:
                    raise BloggerError(0, "connection", str(e)) from None
                self._wait(attempt, None, f"{method} {path}: {e}")
                continue
            if response.status_code < 300:
                return response.json()
            error = _error_of(response)
            if not _retryable(response.status_code, error.reason) or last:
                raise error
            self._wait(attempt, response.headers.get("Retry-After"), str(error))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _wait(self, attempt: int, retry_after: str | None, why: str) -> None:
        """Sleep before the next attempt: Retry-After if given, else jittered backoff."""
        delay = None
        if retry_after is not None:
            try:
                delay = min(float(retry_after), self.backoff_max)
            except ValueError:  # an HTTP date: rare from Google, and backoff is as good
                delay = None
        if delay is None:
            delay = random.uniform(0, min(self.backoff_max, self.backoff * 2**attempt))
        log.warning("%s; retrying in %.2f s", why, delay)
        self.sleep(delay)


def _retryable(status: int, reason: str) -> bool:
    return status == 429 or status >= 500 or (status == 403 and reason in RATE_LIMIT_REASONS)


def _error_of(response: requests.Response) -> BloggerError:
    """Read Google's JSON error (``{"error": {"code", "message", "errors": [...]}}``)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return BloggerError(response.status_code, "unknown", response.text[:200])
    errors = error.get("errors") or [{}]
    reason = errors[0].get("reason") or error.get("status") or "unknown"
    return BloggerError(response.status_code, str(reason), str(error.get("message", "")))
