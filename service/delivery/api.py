"""The dead-letter API: a site lists the events its callback never took, and replays them."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from service.api.auth import require_api_key
from service.delivery.dispatcher import iso
from service.delivery.outbox import Outbox
from service.errors import APIError

bp = Blueprint("deliveries", __name__, url_prefix="/v1/deliveries")

MAX_LIST = 500


def outbox() -> Outbox:
    """Return the app's outbox."""
    box: Outbox = current_app.extensions["commentguard.outbox"]
    return box


@bp.get("/dead")
@require_api_key
def dead() -> ResponseReturnValue:
    """List the site's dead letters, oldest first."""
    raw = request.args.get("limit", "100")
    if not raw.isdecimal() or not 1 <= int(raw) <= MAX_LIST:
        raise APIError(
            422, "invalid_request", f"`limit` must be an integer from 1 to {MAX_LIST}", "limit"
        )
    letters = outbox().dead(g.site, int(raw))
    return jsonify({"dead": [_public(d) for d in letters]})


@bp.post("/dead/<dead_id>/replay")
@require_api_key
def replay(dead_id: str) -> ResponseReturnValue:
    """Put one of the site's dead letters back in the outbox for delivery."""
    box = outbox()
    letter = box.dead_letter(dead_id)
    # Another site's letter is as unknown as a missing one: ids reveal nothing across sites.
    if letter is None or letter.get("site") != g.site:
        raise APIError(404, "not_found", f"no dead letter {dead_id!r} for site {g.site!r}")
    new_id = box.replay(dead_id)
    if new_id is None:  # replayed by someone else meanwhile
        raise APIError(404, "not_found", f"no dead letter {dead_id!r} for site {g.site!r}")
    return jsonify({"id": dead_id, "event_id": letter["event_id"], "state": "queued"})


def _public(letter: dict[str, str]) -> dict[str, object]:
    """Return a dead letter as the API shows it."""
    return {
        "id": letter["id"],
        "event_id": letter.get("event_id", ""),
        "type": letter.get("type", ""),
        "site": letter.get("site", ""),
        "comment_id": letter.get("comment_id", ""),
        "decision": letter.get("decision") or None,
        "attempts": int(letter.get("attempts", 0)),
        "last_error": letter.get("last_error", ""),
        "failed_at": iso(letter.get("failed_at", "")),
    }
