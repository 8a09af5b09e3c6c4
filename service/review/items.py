"""Review items and decisions as the API shows them, and the errors a decision can meet."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from model.artifact import COMMENT_TYPE
from service.errors import APIError


def iso(ts: float | str) -> str:
    """Return a Unix time as an ISO 8601 UTC string."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(ts)))


def enqueued_at(review_id: str) -> float:
    """Return when a stream entry was added, from its id."""
    return int(review_id.partition("-")[0]) / 1000


@dataclass(frozen=True)
class Item:
    """A comment waiting for a moderator, with its stored record."""

    review_id: str
    site: str
    comment_id: str
    score: float
    record: dict[str, Any]
    claimed_by: str | None = None
    claim_expires_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the item as JSON-ready data."""
        answer = json.loads(self.record.get("response") or "{}")
        comment = json.loads(self.record.get("comment") or "{}")
        claim = None
        if self.claimed_by is not None and self.claim_expires_at is not None:
            claim = {"moderator": self.claimed_by, "expires_at": iso(self.claim_expires_at)}
        return {
            "review_id": self.review_id,
            "site": self.site,
            "comment_id": self.comment_id,
            "score": self.score,
            "verdict": answer.get("verdict", "unsure"),
            "reasons": answer.get("reasons", []),
            "model_version": answer.get("model_version"),
            "content": comment.get("content", ""),
            "type": comment.get("type", COMMENT_TYPE),
            "author": comment.get("author", {}),
            "post": comment.get("post", {}),
            "created_at": comment.get("created_at"),
            "received_at": iso(self.record["received_at"])
            if "received_at" in self.record
            else None,
            "enqueued_at": iso(enqueued_at(self.review_id)),
            "claim": claim,
        }


@dataclass(frozen=True)
class Decision:
    """A moderator's verdict on a review item."""

    review_id: str
    label: str
    moderator: str
    at: float
    undo_until: float

    def to_dict(self) -> dict[str, Any]:
        """Return the decision as JSON-ready data."""
        return {
            "review_id": self.review_id,
            "label": self.label,
            "decided_by": self.moderator,
            "decided_at": iso(self.at),
            "undo_until": iso(self.undo_until),
        }


def superseded(rid: str, current: str) -> APIError:
    """Return the error for a review id that an undo replaced."""
    if current:
        return APIError(
            409, "superseded", f"review item {rid!r} was undone and queued again as {current!r}"
        )
    return APIError(404, "not_found", f"no review item {rid!r}")


def decision_of(
    rid: str,
    label: str,
    moderator: str,
    reply: list[str] | None,
    lease_ms: int,
    undo_seconds: float,
) -> Decision | APIError:
    """Turn the decide script's reply into a Decision or the error to answer."""
    if reply is None:
        return APIError(404, "not_found", f"no review item {rid!r}")
    status, *rest = reply
    if status == "ok":
        at = float(rest[0])
        return Decision(rid, label, moderator, at, at + undo_seconds)
    if status == "decided":
        decided, by, when = rest
        return APIError(409, "already_decided", f"already decided {decided} by {by} at {iso(when)}")
    if status == "claimed":
        holder, idle_ms = rest
        until = iso(time.time() + (lease_ms - int(idle_ms)) / 1000)
        return APIError(409, "claimed", f"claimed by {holder} until {until}")
    return superseded(rid, rest[0])


def undo_error(review_id: str, status: str, rest: list[str], undo_seconds: float) -> APIError:
    """Return the error for an undo script's refusal."""
    if status == "not_decided":
        return APIError(409, "not_decided", f"review item {review_id!r} is not decided")
    if status == "not_decider":
        return APIError(403, "not_decider", f"only {rest[0]}, who decided it, may undo it")
    if status == "too_late":
        return APIError(
            409,
            "undo_window_passed",
            f"decided at {iso(rest[0])}; decisions can be undone for {undo_seconds:g} seconds",
        )
    return superseded(review_id, rest[0])
