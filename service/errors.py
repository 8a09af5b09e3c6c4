"""One JSON error envelope for every 4xx and 5xx answer."""

from __future__ import annotations

import logging

import redis
from flask import Flask, Response, g, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_comment",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


# Redis errors that mean "retry shortly", not a fault of ours: the server is unreachable or
# slow, or a failover is under way (redis-py reloads a script missing on a new master and
# retries once; a NoScriptError after that means its commands reached two servers).
# Nothing ran, so the client's retry is safe: 503 with Retry-After.
REDIS_UNAVAILABLE = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.NoScriptError,
)


class APIError(Exception):
    """An error answered as ``{"error": {"code", "message", "field"?}}`` with a status."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


def envelope(status: int, code: str, message: str, field: str | None = None) -> Response:
    """Return the error envelope as a JSON response."""
    error: dict[str, str] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    response = jsonify({"error": error})
    response.status_code = status
    if has_request_context():
        g.error_code = code  # counted by code in /metrics
    return response


def register(app: Flask) -> None:
    """Answer every error the app can raise with the envelope."""

    @app.errorhandler(APIError)
    def api_error(e: APIError) -> Response:
        return envelope(e.status, e.code, e.message, e.field)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        status = e.code or 500
        message = e.description or e.name
        if isinstance(e, RequestEntityTooLarge) and request.max_content_length is not None:
            message = f"the request body is larger than {request.max_content_length:,} bytes"
        response = envelope(status, _CODES.get(status, "error"), message)
        if status == 405 and e.get_response().allow:
            response.headers["Allow"] = ", ".join(sorted(e.get_response().allow))
        return response

    def redis_down(e: Exception) -> Response:
        log.error("Redis unavailable: %s", e)
        response = envelope(
            503, "storage_unavailable", "the comment store is unavailable; retry shortly"
        )
        response.headers["Retry-After"] = "5"
        return response

    for unavailable in REDIS_UNAVAILABLE:
        app.register_error_handler(unavailable, redis_down)

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> Response:
        log.exception("unhandled error")
        return envelope(500, "internal_error", "an unexpected error occurred; it was logged")
