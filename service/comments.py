"""The webhook API: check comments and read their stored verdicts."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from service.auth import require_api_key
from service.errors import APIError
from service.validation import Comment, parse_comment

bp = Blueprint("comments", __name__, url_prefix="/v1/comments")


def json_body() -> Any:
    """Return the parsed JSON body, or raise 415/400 with a message a person can act on."""
    if not request.is_json:
        raise APIError(
            415,
            "unsupported_media_type",
            "send the comment as JSON with Content-Type: application/json",
        )
    data = request.get_json(silent=True)
    if data is None:
        raise APIError(400, "invalid_json", "the request body is not valid JSON")
    return data


def _site_of(comment: Comment) -> str:
    """Return the key's site, refusing a comment that names another site."""
    if comment.site is not None and comment.site != g.site:
        raise APIError(
            403, "wrong_site", f"this API key is for site {g.site!r}, not {comment.site!r}", "site"
        )
    return str(g.site)


def _check(comments: list[Comment]) -> list[dict[str, Any]]:
    """Score new comments, store each once, and return the answers that stand."""
    store = current_app.extensions["commentguard.records"]
    site = str(g.site)
    answers: list[dict[str, Any] | None] = [store.stored_answer(site, c.id) for c in comments]
    new = [c for c, a in zip(comments, answers, strict=True) if a is None]
    if new:
        scorer = current_app.extensions.get("commentguard.scorer")
        if scorer is None:
            raise APIError(
                503, "model_unavailable", "no model is loaded yet: run `commentguard train`"
            )
        verdicts = current_app.extensions["commentguard.signals"].apply(
            site, new, scorer.check([c.content for c in new]), scorer.cutoffs
        )
        # In shadow mode the answer is always the configured safe verdict; the computed one
        # is stored and reported beside it.
        shadow = current_app.config["COMMENTGUARD"]["SHADOW_VERDICT"]
        items = [
            (
                c.to_dict() | {"site": site},
                {
                    "id": c.id,
                    "verdict": shadow or v.verdict,
                    "score": round(v.score, 6),
                    "reasons": [r.to_dict() for r in v.reasons],
                    "model_version": scorer.version,
                }
                | ({"shadow": {"verdict": v.verdict}} if shadow else {}),
            )
            for c, v in zip(new, verdicts, strict=True)
        ]
        stored = iter(store.save_many(site, items))
        answers = [a if a is not None else next(stored) for a in answers]
    return [a for a in answers if a is not None]


@bp.post("/check")
@require_api_key
def check() -> ResponseReturnValue:
    """Score one comment and answer ham, unsure or spam; retries get the stored answer."""
    comment = parse_comment(json_body(), current_app.config["COMMENTGUARD"]["MAX_CONTENT_CHARS"])
    _site_of(comment)
    return jsonify(_check([comment])[0])


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
    ids = [c.id for c in comments]
    if len(set(ids)) != len(ids):
        raise APIError(
            422, "invalid_batch", "comment ids in one batch must be distinct", "comments"
        )
    for c in comments:
        _site_of(c)
    return jsonify({"results": _check(comments)})


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
    return jsonify(record_view(record))


def record_view(record: dict[str, Any]) -> dict[str, Any]:
    """Return the public view of a stored record."""
    answer = json.loads(record["response"])
    comment = json.loads(record["comment"])
    return answer | {
        "site": comment["site"],
        "received_at": float(record["received_at"]),
        "review": {"state": "pending" if record.get("review_id") else "none"},
    }
