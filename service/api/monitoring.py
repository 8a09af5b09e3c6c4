"""``GET /metrics`` in the Prometheus text format, and the per-request counting behind it."""

from __future__ import annotations

import hmac
import time

from flask import Blueprint, Response, current_app, g, request
from flask.typing import ResponseReturnValue

from service.errors import APIError
from service.metrics import QueueCollector

bp = Blueprint("monitoring", __name__)
# Any other method (a client may send any word) is counted as OTHER, so series stay bounded.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@bp.after_app_request
def count(response: Response) -> Response:
    """Count the answered request and its latency, by its route (never its raw path)."""
    started = g.get("started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    current_app.extensions["commentguard.metrics"].request(
        route,
        request.method if request.method in METHODS else "OTHER",
        response.status_code,
        seconds,
        g.get("error_code"),
    )
    return response


@bp.get("/metrics")
def metrics() -> ResponseReturnValue:
    """Return every worker's metrics and the review queue's depth, read now."""
    token = current_app.config["COMMENTGUARD"]["METRICS_TOKEN"]
    if token:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            raise APIError(
                401, "unauthorized", "send COMMENTGUARD_METRICS_TOKEN as `Authorization: Bearer`"
            )
    queue = current_app.extensions["commentguard.review"]
    body, content_type = current_app.extensions["commentguard.metrics"].exposition(
        QueueCollector(queue.stats)
    )
    return Response(body, content_type=content_type)
