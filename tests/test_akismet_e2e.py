"""The real `akismet` client against CommentGuard under gunicorn, on a free local port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import akismet
import httpx
import pytest
import redis

from service.api.auth import ApiKeys
from service.keys import Keys
from service.review.labels import LabelLog

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BLOG = "https://blog.example.com/"
STARTUP_SECONDS = 60


class LocalTransport(httpx.HTTPTransport):
    """Send every request, whatever its URL, to 127.0.0.1:port over plain HTTP."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return super().handle_request(request)


def local_client(port: int) -> httpx.Client:
    """Return an httpx client whose every request goes to the local server."""
    return httpx.Client(transport=LocalTransport(port), timeout=10)


def free_port() -> int:
    """Return a TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def akismet_key(redis_client: redis.Redis) -> str:
    """Return an Akismet-style key for ``blog.example.com``, made before the server starts."""
    return ApiKeys(redis_client, Keys()).create("blog.example.com", akismet=True)


@pytest.fixture
def server(akismet_key: str, redis_url: str, data_dir: Path, tmp_path: Path) -> Iterator[int]:
    """Run gunicorn with the project's config on a free port until /readyz answers; stop it."""
    port = free_port()
    env = os.environ | {
        "COMMENTGUARD_REDIS_URL": redis_url,
        "COMMENTGUARD_DATA_DIR": str(data_dir),
        "COMMENTGUARD_SECRET_KEY": "test",
    }
    log = (tmp_path / "gunicorn.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "python:service.gunicorn_conf"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "service.app:create_app()"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not become ready"
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_akismet_client_against_gunicorn(
    server: int, akismet_key: str, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_AKISMET_API_KEY", akismet_key)
    monkeypatch.setenv("PYTHON_AKISMET_BLOG_URL", BLOG)
    with akismet.SyncClient.validated_client(http_client=local_client(server)) as ak:
        assert ak.verify_key("wrongwrong12", BLOG) is False
        ham = {"comment_content": "I love this song so much, it reminds me of summer"}
        spam = {"comment_content": "Check out my channel http://bit.ly/xyz subscribe please!!!"}
        assert ak.comment_check("203.0.113.5", **ham) == akismet.CheckResponse.HAM
        assert ak.comment_check("198.51.100.9", **spam) == akismet.CheckResponse.DISCARD
        assert ak.submit_ham("198.51.100.9", **spam) is True
        assert ak.submit_spam("203.0.113.5", **ham, is_test=True) is True
        assert ak.usage_limit()["usage"] == 2
    wrong = akismet.Config(key="wrongwrong12", url=BLOG)
    with local_client(server) as http, pytest.raises(akismet.APIKeyError):
        akismet.SyncClient.validated_client(config=wrong, http_client=http)
    latest = LabelLog(redis_client, Keys()).latest()
    assert [(x.label, x.source) for x in latest] == [("ham", "platform:akismet")]
