"""End to end: `commentguard serve` under gunicorn, with the embedded Redis its master owns."""

from __future__ import annotations

import re
import shutil

import httpx
import pytest
import redis

from tests.e2e import Server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def served_data_dir(data_dir, tmp_path):
    target = tmp_path / "var"
    shutil.copytree(data_dir / "models", target / "models", symlinks=True)
    return target


def _printed_key(log):
    found = re.findall(r"cg_[A-Za-z0-9_-]{20,}", log.read_text())
    return found[0] if found else None


def test_serve_with_embedded_redis_answers_and_keeps_data_across_restarts(
    served_data_dir, tmp_path
):
    env = {"COMMENTGUARD_DATA_DIR": str(served_data_dir), "COMMENTGUARD_REDIS_URL": ""}
    log = tmp_path / "serve.log"
    server = Server(env, log)
    try:
        server.wait_ready()
        key = _printed_key(log)
        assert key, log.read_text()
        auth = {"Authorization": f"Bearer {key}"}
        body = {"id": "e2e-1", "content": "subscribe to my channel http://bit.ly/x"}
        first = httpx.post(f"{server.url}/v1/comments/check", json=body, headers=auth)
        assert first.status_code == 200
        assert first.json()["verdict"] == "spam"
        bad = httpx.post(f"{server.url}/v1/comments/check", content=b"{", headers=auth)
        assert bad.status_code == 415
        assert bad.json()["error"]["code"] == "unsupported_media_type"
    finally:
        assert server.stop() == 0
    socket_url = re.search(r'embedded Redis at (unix://[^\s"]+)', log.read_text()).group(1)
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(socket_url).ping()

    server = Server(env, tmp_path / "serve2.log")
    try:
        server.wait_ready()
        assert _printed_key(tmp_path / "serve2.log") is None
        again = httpx.post(f"{server.url}/v1/comments/check", json=body, headers=auth)
        assert again.json() == first.json()
    finally:
        assert server.stop() == 0
