"""End to end: `commentguard serve` with the embedded Redis delivers callbacks from its master."""

from __future__ import annotations

import re
import shutil

import httpx
import pytest
import redis

from service.delivery.callbacks import Callbacks
from service.keys import Keys
from tests.e2e import Server, free_port
from tests.test_delivery_faults import Processes, received, receiver, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def processes():
    procs = Processes()
    yield procs
    for proc in procs.started:
        Processes.kill(proc)


def test_the_embedded_mode_runs_the_dispatcher_thread(data_dir, tmp_path, processes):
    served = tmp_path / "var"
    shutil.copytree(data_dir / "models", served / "models", symlinks=True)
    # Cutoffs of 0 make every verdict spam, whatever the model says.
    env = {
        "COMMENTGUARD_DATA_DIR": str(served),
        "COMMENTGUARD_REDIS_URL": "",
        "COMMENTGUARD_HAM_CUTOFF": "0",
        "COMMENTGUARD_SPAM_CUTOFF": "0",
    }
    log = tmp_path / "serve.log"
    server = Server(env, log)
    try:
        server.wait_ready()
        text = log.read_text()
        assert "dispatcher thread" in text
        key = re.findall(r"cg_[A-Za-z0-9_-]{20,}", text)[0]
        socket_url = re.search(r'embedded Redis at (unix://[^\s"]+)', text).group(1)
        port = free_port()
        with redis.Redis.from_url(socket_url, decode_responses=True) as client:
            secret = Callbacks(client, Keys()).set("default", f"http://127.0.0.1:{port}/hook")
        got = tmp_path / "received.log"
        receiver(processes, port, secret, got)
        reply = httpx.post(
            f"{server.url}/v1/comments/check",
            json={"id": "e2e-1", "content": "hello"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert reply.json()["verdict"] == "spam"
        wait_for(lambda: len(received(got)) == 1, 20, "the callback")
    finally:
        assert server.stop() == 0
