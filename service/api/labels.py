"""The label API: a platform's own spam/ham decision on a checked comment closes ours."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, g, jsonify
from flask.typing import ResponseReturnValue

from service.api.auth import require_api_key
from service.api.comments import json_body
from service.errors import APIError

bp = Blueprint("labels", __name__, url_prefix="/v1/comments")

SOURCE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}")
DEFAULT_SOURCE = "api"


@bp.post("/<path:comment_id>/label")
@require_api_key
def label(comment_id: str) -> ResponseReturnValue:
    """Apply the platform's label: close the comment's review item and write a training label."""
    data = json_body()
    if not isinstance(data, dict):
        raise APIError(422, "invalid_label", 'send {"label": "spam" | "ham"}', "label")
    if data.get("label") not in ("spam", "ham"):
        raise APIError(422, "invalid_label", "`label` must be spam or ham", "label")
    site = data.get("site", g.site)
    if site != g.site:
        raise APIError(
            403, "wrong_site", f"this API key is for site {g.site!r}, not {site!r}", "site"
        )
    source = data.get("source", DEFAULT_SOURCE)
    if not isinstance(source, str) or not SOURCE.fullmatch(source):
        raise APIError(
            422,
            "invalid_source",
            "`source` must be 1-32 lower-case letters, digits, '.', '_' or '-'",
            "source",
        )
    ext = current_app.extensions
    if ext["commentguard.records"].get(site, comment_id) is None:
        raise APIError(404, "not_found", f"no comment {comment_id!r} was checked for site {site!r}")
    closing = ext["commentguard.platform"].close(site, comment_id, data["label"], source)
    record = ext["commentguard.records"].get(site, comment_id) or {}
    return jsonify(
        {
            "id": comment_id,
            "site": site,
            "label": data["label"],
            "decided_by": f"platform:{source}",
            "closed": closing.status == "closed",
            "review": ext["commentguard.review"].state_of(record),
        }
    )
