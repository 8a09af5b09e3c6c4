"""Keep-alive under gunicorn: a refused oversized body never breaks the client's next request."""

from __future__ import annotations

import json
import re
import shutil
import socket

import pytest

from tests.e2e import Server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


class KeepAliveClient:
    """One HTTP/1.1 client that reuses its socket unless an answer says `Connection: close`."""

    def __init__(self, port: int, key: str) -> None:
        self.port = port
        self.key = key
        self.connections = 0
        self._open()

    def _open(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self.file = self.sock.makefile("rb")
        self.connections += 1

    def close(self) -> None:
        self.file.close()
        self.sock.close()

    def post(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Send one request; return (status, headers, body), or raise if the socket failed."""
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.sock.sendall(head.encode() + body)
        status_line = self.file.readline()
        if not status_line:
            raise ConnectionError("the server closed a connection it had said was kept alive")
        headers = {}
        while (line := self.file.readline()) not in (b"\r\n", b""):
            name, value = line.decode().split(":", 1)
            headers[name.strip().lower()] = value.strip()
        data = self.file.read(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
            self._open()
        return int(status_line.split()[1]), headers, data


@pytest.fixture(scope="module")
def served(data_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("keepalive")
    shutil.copytree(data_dir / "models", root / "var" / "models", symlinks=True)
    log = root / "serve.log"
    server = Server({"COMMENTGUARD_DATA_DIR": str(root / "var"), "COMMENTGUARD_REDIS_URL": ""}, log)
    try:
        server.wait_ready()
        key = re.findall(r"cg_[A-Za-z0-9_-]{20,}", log.read_text())[0]
        yield server, key
    finally:
        assert server.stop() == 0


def small(i: int) -> bytes:
    return json.dumps({"id": f"small-{i}", "content": "thanks, this helped me a lot"}).encode()


def test_every_request_after_a_413_on_one_keepalive_client_is_answered(served):
    server, key = served
    client = KeepAliveClient(server.port, key)
    oversized = b'{"id": "big", "content": "' + b"a" * 300_000 + b'"}'
    answered = failed = 0
    try:
        for i in range(30):
            status, headers, body = client.post("/v1/comments/check", oversized)
            assert status == 413
            assert headers["connection"] == "close"
            assert json.loads(body)["error"]["code"] == "body_too_large"
            try:
                status, _, _ = client.post("/v1/comments/check", small(i))
                answered += status == 200
            except (ConnectionError, OSError):
                failed += 1
    finally:
        client.close()
    assert (answered, failed) == (30, 0)


def test_small_requests_share_one_connection(served):
    server, key = served
    client = KeepAliveClient(server.port, key)
    try:
        statuses = [client.post("/v1/comments/check", small(100 + i))[0] for i in range(30)]
    finally:
        client.close()
    assert statuses == [200] * 30
    assert client.connections == 1


def test_an_unread_batch_body_within_the_limit_closes_the_connection_too(served):
    server, _ = served
    client = KeepAliveClient(server.port, "cg_not-a-key")
    batch = json.dumps({"comments": [{"id": str(i), "content": "x" * 200} for i in range(1000)]})
    try:
        status, headers, _ = client.post("/v1/comments/check-batch", batch.encode())
        assert status == 401
        assert headers["connection"] == "close"
        assert client.post("/v1/comments/check", small(200))[0] == 401
    finally:
        client.close()
