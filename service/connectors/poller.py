"""The Blogger connector's loop: pull pending comments, check them, apply the verdicts.

Blogger has no comment webhooks, so one poll does what a webhook would have:

1. list the pending comments published since the cursor (less an overlap), every page
   before moderating any (moderating shrinks the list the page tokens walk);
2. check each as ``POST /v1/comments/check`` would (the record is written once per
   (site, comment id), and an unsure comment is queued for the moderators);
3. approve the ham, mark the spam, and track the unsure in Redis;
4. apply the moderators' decisions on the tracked comments that are still pending.

A verdict is written as applied only after Blogger accepted it, and an applied comment is
never sent again, so a poll that crashed half-way is simply run again. The cursor moves only
when a poll has read every page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis

from service.api.validation import Comment, parse_comment
from service.connectors.blogger import (
    PENDING,
    BloggerClient,
    BloggerComment,
    BloggerError,
    BudgetSpent,
)
from service.errors import APIError
from service.keys import Keys
from service.review.records import CommentStore

log = logging.getLogger(__name__)

Check = Callable[[str, Sequence[Comment]], list[dict[str, Any]]]
"""Answer comments of a site as the check API does (service.api.checks.check_comments)."""

# 4xx answers to approve/markAsSpam that mean there is nothing left to do: the comment is
# gone (404) or no longer pending (Blogger's 400/409 for a comment already moderated).
_DONE_STATUSES = frozenset({400, 404, 409})


@dataclass
class PollReport:
    """What one poll saw and did."""

    listed: int = 0
    checked: int = 0
    approved: int = 0
    spammed: int = 0
    unsure: int = 0
    decided: int = 0
    already_done: int = 0
    invalid: int = 0
    cursor: str | None = None
    complete: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return asdict(self)


class BloggerPoller:
    """One blog's pending comments, checked and moderated from CommentGuard."""

    def __init__(
        self,
        client: BloggerClient,
        redis_client: redis.Redis,
        keys: Keys,
        records: CommentStore,
        check: Check,
        site: str,
        page_size: int,
        overlap_seconds: float,
        undo_seconds: float,
        max_content: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.redis = redis_client
        self.records = records
        self.check = check
        self.site = site
        self.page_size = page_size
        self.overlap = timedelta(seconds=overlap_seconds)
        self.undo_seconds = undo_seconds
        self.max_content = max_content
        self.clock = clock
        blog = client.blog_id
        self.cursor_key = keys.blogger_cursor(blog)
        self.applied_key = keys.blogger_applied(blog)
        self.unsure_key = keys.blogger_unsure(blog)

    def poll(self) -> PollReport:
        """Run one poll: new pending comments first, then the moderators' decisions."""
        report = PollReport()
        self.client.budget.start_poll()
        cursor: Any = self.redis.get(self.cursor_key)
        newest = _parse_time(cursor) if cursor else None
        start = (newest - self.overlap).isoformat() if newest else None
        try:
            # Every page is read before anything is moderated: a comment approved between two
            # pages would leave the pending list and could shift a later page past another.
            listed = [c for page in self.client.pending_pages(start, self.page_size) for c in page]
            report.listed = len(listed)
            for at in range(0, len(listed), self.page_size):
                self._handle_page(listed[at : at + self.page_size], report)
            for c in listed:
                published = _parse_time(c.published)
                if published and (newest is None or published > newest):
                    newest = published
            if newest is not None:
                self.redis.set(self.cursor_key, newest.isoformat())
                report.cursor = newest.isoformat()
            self._apply_decisions(report)
        except BudgetSpent as e:
            # The cursor stays where it was: the next poll reads these pages again, and
            # skips what this one applied.
            log.warning("poll stopped early: %s", e)
            return report
        report.complete = True
        return report

    def _handle_page(self, page: list[BloggerComment], report: PollReport) -> None:
        """Check the page's comments not yet handled and apply their verdicts."""
        fresh = [c for c in page if c.status in (PENDING, "")]
        if not fresh:
            return
        ids = [c.id for c in fresh]
        applied: Any = self.redis.hmget(self.applied_key, ids)
        tracked: Any = self.redis.hmget(self.unsure_key, ids)
        todo: list[tuple[BloggerComment, Comment]] = []
        for c, done, waiting in zip(fresh, applied, tracked, strict=True):
            if done is not None or waiting is not None:
                continue
            try:
                todo.append((c, self._as_comment(c)))
            except APIError as e:
                # Left pending in Blogger for the blog's owner: nothing was accepted here.
                log.warning("comment %s left pending: %s", c.id, e.message)
                report.invalid += 1
        if not todo:
            return
        answers = self.check(self.site, [comment for _, comment in todo])
        report.checked += len(todo)
        for (c, _), answer in zip(todo, answers, strict=True):
            verdict = answer["verdict"]
            if verdict == "unsure":
                self.redis.hset(self.unsure_key, c.id, c.post_id)
                report.unsure += 1
            else:
                self._apply(c.post_id, c.id, verdict, report)

    def _as_comment(self, c: BloggerComment) -> Comment:
        """Return the Blogger comment as the check API's validated comment."""
        author = {"name": c.author_name, "url": c.author_url}
        return parse_comment(
            {
                "id": c.id,
                "site": self.site,
                "content": c.content,
                "author": {k: v for k, v in author.items() if v},
                "post": {"id": c.post_id} if c.post_id else None,
                "created_at": c.published or None,
            },
            self.max_content,
        )

    def _apply(self, post_id: str, comment_id: str, verdict: str, report: PollReport) -> None:
        """Approve (ham) or mark as spam in Blogger, then remember it as applied."""
        try:
            if verdict == "ham":
                self.client.approve(post_id, comment_id)
                report.approved += 1
            else:
                self.client.mark_as_spam(post_id, comment_id)
                report.spammed += 1
        except BloggerError as e:
            if e.status not in _DONE_STATUSES:
                raise
            log.info("comment %s needs nothing more: %s", comment_id, e)
            report.already_done += 1
        self.redis.hset(self.applied_key, comment_id, verdict)

    def _apply_decisions(self, report: PollReport) -> None:
        """Apply each tracked comment's decision; stop tracking it once it cannot be undone.

        A decision undone and decided the other way within the undo window is applied again.
        """
        tracked: Any = self.redis.hgetall(self.unsure_key)
        for comment_id, post_id in tracked.items():
            record = self.records.get(self.site, comment_id)
            if record is None or record.get("review_state") != "decided":
                continue
            label = record["decision"]
            applied: Any = self.redis.hget(self.applied_key, comment_id)
            if applied != label:
                current = self.client.get(post_id, comment_id)
                if applied is None and (current is None or current.status != PENDING):
                    # The owner moderated it in Blogger first: theirs stands.
                    self.redis.hset(self.applied_key, comment_id, label)
                    report.already_done += 1
                else:
                    self._apply(post_id, comment_id, label, report)
                    report.decided += 1
            if self.clock() - float(record["decided_at"]) > self.undo_seconds:
                self.redis.hdel(self.unsure_key, comment_id)


def _parse_time(value: str) -> datetime | None:
    """Return an RFC 3339 time as an aware datetime in UTC, or None when unreadable."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
