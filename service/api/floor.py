"""A floor for benchmarks: the cheapest JSON endpoint this app and server can serve."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

bp = Blueprint("floor", __name__)


@bp.post("/bench/floor")
def floor() -> ResponseReturnValue:
    """Parse a JSON comment and answer a fixed verdict, touching neither Redis nor the model."""
    data = request.get_json(silent=True)
    comment_id = data.get("id") if isinstance(data, dict) else None
    return jsonify({"id": comment_id, "verdict": "ham"})
