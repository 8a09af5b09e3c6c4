"""JSON log lines and request ids: one object per line, each request's line named by its id."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-Id"
# What an incoming id may look like: a proxy's or platform's id is kept, anything else
# (too long, spaces, control characters that could forge log lines) is replaced.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
ACCESS_LOGGER = "commentguard.access"
# Attributes every LogRecord has; anything else on a record came as ``extra``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message and request fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON line."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            line.setdefault("request_id", g.request_id)
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def request_id() -> str:
    """Return the incoming X-Request-Id when it is well formed, else a new random one."""
    sent = request.headers.get(REQUEST_ID_HEADER, "")
    return sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex


def install(app: Flask) -> None:
    """Give every request an id (answered in X-Request-Id) and one JSON access line."""
    access = logging.getLogger(ACCESS_LOGGER)

    @app.before_request
    def start() -> None:
        g.request_id = request_id()
        g.started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        if "request_id" not in g:  # a hook before ours answered first
            g.request_id, g.started = request_id(), time.perf_counter()
        response.headers[REQUEST_ID_HEADER] = g.request_id
        access.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": g.request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - g.started) * 1000, 3),
            },
        )
        return response
