"""The benchmark floor endpoint exists only when switched on."""

from __future__ import annotations

from pathlib import Path

from service.app import create_app


def _client(redis_url: str, data_dir: Path, floor: int):
    """Return a test client of an app with BENCH_FLOOR set to ``floor``."""
    app = create_app({"REDIS_URL": redis_url, "DATA_DIR": str(data_dir), "BENCH_FLOOR": floor})
    return app.test_client()


def test_the_floor_is_off_by_default(client) -> None:
    assert client.post("/bench/floor", json={"id": "c1"}).status_code == 404


def test_the_floor_answers_a_fixed_verdict_when_on(redis_url: str, data_dir: Path) -> None:
    response = _client(redis_url, data_dir, 1).post("/bench/floor", json={"id": "c1"})
    assert response.status_code == 200
    assert response.get_json() == {"id": "c1", "verdict": "ham"}
