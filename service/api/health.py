"""Liveness, readiness and the OpenAPI document."""

from __future__ import annotations

import json
from importlib import resources

from flask import Blueprint, Response, current_app, jsonify
from flask.typing import ResponseReturnValue

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Answer while the process is alive."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Answer 200 when a model is loaded and Redis answers, 503 otherwise."""
    checks = {"model": "commentguard.scorer" in current_app.extensions, "redis": False}
    try:
        checks["redis"] = bool(current_app.extensions["commentguard.redis"].ping())
    except Exception:  # noqa: BLE001 - any failure means not ready
        checks["redis"] = False
    ready = all(checks.values())
    body = {"status": "ready" if ready else "not_ready", "checks": checks}
    if ready:
        body["model_version"] = current_app.extensions["commentguard.scorer"].version
    return jsonify(body), 200 if ready else 503


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """Return the OpenAPI document of every endpoint and status code."""
    text = resources.files("service").joinpath("openapi.json").read_text("utf-8")
    return Response(json.dumps(json.loads(text)), mimetype="application/json")
