"""The webhook API: check comments and read their stored verdicts."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from service.api.auth import require_api_key
from service.api.checks import check_comments
from service.api.validation import Comment, parse_comment, parse_json
from service.errors import APIError

bp = Blueprint("comments", __name__, url_prefix="/v1/comments")


def json_body() -> Any:
    """Return the parsed JSON body, or raise 415/400 with a message a person can act on."""
    if not request.is_json:
        raise APIError(
            415,
            "unsupported_media_type",
            "send the comment as JSON with Content-Type: application/json",
        )
    return parse_json(request.get_data(cache=True))


def _site_of(comment: Comment) -> str:
    """Return the key's site, refusing a comment that names another site."""
    if comment.site is not None and comment.site != g.site:
        raise APIError(
            403, "wrong_site", f"this API key is for site {g.site!r}, not {comment.site!r}", "site"
        )
    return str(g.site)


@bp.post("/check")
@require_api_key
def check() -> ResponseReturnValue:
    """Score one comment and answer ham, unsure or spam; retries get the stored answer."""
    comment = parse_comment(json_body(), current_app.config["COMMENTGUARD"]["MAX_CONTENT_CHARS"])
    _site_of(comment)
    return jsonify(check_comments(str(g.site), [comment])[0])


@bp.post("/check-batch")
@require_api_key
def check_batch() -> ResponseReturnValue:
    """Score up to MAX_BATCH comments in one call."""
    settings = current_app.config["COMMENTGUARD"]
    request.max_content_length = settings["MAX_BATCH_BODY_BYTES"]
    data = json_body()
    items = data.get("comments") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise APIError(
            422, "invalid_batch", 'send {"comments": [...]} with at least one comment', "comments"
        )
    if len(items) > settings["MAX_BATCH"]:
        raise APIError(
            422, "invalid_batch", f"at most {settings['MAX_BATCH']} comments per batch", "comments"
        )
    comments = [
        parse_comment(item, settings["MAX_CONTENT_CHARS"], f"comments[{i}].")
        for i, item in enumerate(items)
    ]
    for c in comments:
        _site_of(c)
    return jsonify({"results": check_comments(str(g.site), comments)})


@bp.get("/<path:comment_id>")
@require_api_key
def show(comment_id: str) -> ResponseReturnValue:
    """Return the stored record of a comment: its answer and when it was received."""
    site = request.args.get("site", g.site)
    if site != g.site:
        raise APIError(
            403, "wrong_site", f"this API key is for site {g.site!r}, not {site!r}", "site"
        )
    record = current_app.extensions["commentguard.records"].get(site, comment_id)
    if record is None:
        raise APIError(404, "not_found", f"no comment {comment_id!r} was checked for site {site!r}")
    review = current_app.extensions["commentguard.review"].state_of(record)
    return jsonify(record_view(record, review))


def record_view(record: dict[str, Any], review: dict[str, Any]) -> dict[str, Any]:
    """Return the public view of a stored record with its review state."""
    answer = json.loads(record["response"])
    comment = json.loads(record["comment"])
    return answer | {
        "site": comment["site"],
        "received_at": float(record["received_at"]),
        "review": review,
    }
