"""The JSON review API: moderators list, claim and decide held comments with a bearer token."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from service.api.auth import bearer_guard
from service.api.comments import json_body
from service.api.validation import is_unicode
from service.errors import APIError
from service.review.queue import LABELS, ReviewQueue

bp = Blueprint("review", __name__, url_prefix="/v1/review")

MAX_LIST = 500
MAX_NOTE_CHARS = 2000
ORDERS = ("oldest", "uncertain")


def queue() -> ReviewQueue:
    """Return the app's review queue."""
    q: ReviewQueue = current_app.extensions["commentguard.review"]
    return q


require_moderator = bearer_guard(
    "send a moderator token as `Authorization: Bearer <token>`;"
    " print one with `commentguard moderators token NAME`",
    lambda token: current_app.extensions["commentguard.moderators"].name_for_token(token),
    "invalid_token",
    "this moderator token is unknown or was replaced",
    "moderator",
)
"""Let the call through only with a moderator's bearer token; set g.moderator."""


def _int_arg(value: Any, name: str, low: int, high: int) -> int:
    """Return ``value`` if it is an integer within [low, high], or raise 422 naming the field."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise APIError(
            422, "invalid_request", f"`{name}` must be an integer from {low} to {high}", name
        )
    return value


def parse_decision(data: Any, where: str = "") -> tuple[str, str]:
    """Return (label, note) from a decision object, or raise 422 naming the field."""
    if not isinstance(data, dict):
        raise APIError(422, "invalid_request", "a decision must be a JSON object", where or None)
    label = data.get("label")
    if label not in LABELS:
        raise APIError(422, "invalid_label", "`label` must be spam or ham", f"{where}label")
    note = data.get("note", "")
    if note is None:
        note = ""
    if not isinstance(note, str) or len(note) > MAX_NOTE_CHARS or not is_unicode(note):
        raise APIError(
            422,
            "invalid_request",
            f"`note` must be a string of at most {MAX_NOTE_CHARS} characters, valid Unicode",
            f"{where}note",
        )
    return str(label), note


@bp.get("/items")
@require_moderator
def items() -> ResponseReturnValue:
    """List pending items, oldest first or most uncertain first, with the counts."""
    order = request.args.get("order", "oldest")
    if order not in ORDERS:
        raise APIError(422, "invalid_request", "`order` must be oldest or uncertain", "order")
    raw = request.args.get("limit", "50")
    limit = _int_arg(int(raw) if raw.isdecimal() and len(raw) < 7 else None, "limit", 1, MAX_LIST)
    q = queue()
    pending = q.pending(order, limit)
    return jsonify({"items": [i.to_dict() for i in pending], "order": order, "counts": q.counts()})


@bp.post("/claim")
@require_moderator
def claim() -> ResponseReturnValue:
    """Lease up to ``count`` items to the calling moderator."""
    data = json_body()
    if not isinstance(data, dict):
        raise APIError(422, "invalid_request", 'send {"count": N}', "count")
    settings = current_app.config["COMMENTGUARD"]
    count = _int_arg(data.get("count", 1), "count", 1, settings["REVIEW_MAX_CLAIM"])
    claimed = queue().claim(g.moderator, count)
    return jsonify(
        {
            "items": [i.to_dict() for i in claimed],
            "lease_seconds": settings["REVIEW_LEASE_SECONDS"],
        }
    )


@bp.post("/items/<review_id>/decision")
@require_moderator
def decide(review_id: str) -> ResponseReturnValue:
    """Decide one item spam or ham; a second decision gets 409 naming who decided."""
    label, note = parse_decision(json_body())
    return jsonify(queue().decide(review_id, label, g.moderator, note).to_dict())


@bp.post("/decisions")
@require_moderator
def decide_many() -> ResponseReturnValue:
    """Decide many items at once; each result carries its own status."""
    data = json_body()
    entries = data.get("decisions") if isinstance(data, dict) else None
    limit = current_app.config["COMMENTGUARD"]["REVIEW_MAX_CLAIM"]
    if not isinstance(entries, list) or not 1 <= len(entries) <= limit:
        raise APIError(
            422,
            "invalid_request",
            f'send {{"decisions": [{{"review_id", "label", "note"?}}, ...]}} with 1 to {limit}',
            "decisions",
        )
    parsed = []
    for i, entry in enumerate(entries):
        label, note = parse_decision(entry, f"decisions[{i}].")
        rid = entry.get("review_id")
        if not isinstance(rid, str) or not rid:
            raise APIError(
                422, "invalid_request", "`review_id` must be a string", f"decisions[{i}].review_id"
            )
        parsed.append((rid, label, note))
    results = []
    for (rid, _, _), outcome in zip(parsed, queue().decide_many(parsed, g.moderator), strict=True):
        if isinstance(outcome, APIError):
            error = {"code": outcome.code, "message": outcome.message}
            results.append({"review_id": rid, "status": outcome.status, "error": error})
        else:
            results.append({"status": 200} | outcome.to_dict())
    return jsonify({"results": results})


@bp.post("/items/<review_id>/release")
@require_moderator
def release(review_id: str) -> ResponseReturnValue:
    """Hand the caller's claim on an item back to the queue."""
    queue().release(review_id, g.moderator)
    return jsonify({"review_id": review_id, "state": "pending"})


@bp.post("/items/<review_id>/undo")
@require_moderator
def undo(review_id: str) -> ResponseReturnValue:
    """Undo the caller's decision within the undo window; the item is queued again."""
    new_id = queue().undo(review_id, g.moderator)
    return jsonify({"review_id": review_id, "state": "pending", "requeued_as": new_id})


@bp.get("/stats")
@require_moderator
def stats() -> ResponseReturnValue:
    """Return pending, claimed, decided in the last 24 h, and the oldest pending age."""
    return jsonify(queue().stats())
