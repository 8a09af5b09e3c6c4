"""End to end: review decisions -> `commentguard train` -> a running gunicorn serves the new model.

A client keeps checking comments the whole time; not one request may fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import redis
from click.testing import CliRunner

from commentguard.cli import main
from model.store import ModelStore
from service.api.auth import ApiKeys
from service.keys import Keys
from service.review.labels import LabelLog
from service.web.moderators import Moderators
from training.datasets import SHIPPED, read_file

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
# Bounds, not timing assertions: how long to wait before calling the test failed.
START_TIMEOUT = 60.0
RELOAD_TIMEOUT = 30.0


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client(threading.Thread):
    """Check comments in a loop until stopped; record every status and model version."""

    def __init__(self, base_url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        self.stop = threading.Event()
        self.statuses: list[int] = []
        self.versions: list[str] = []
        self.errors: list[str] = []

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            body = {"id": f"loop-{n}", "content": f"great video number {n}"}
            try:
                response = self.http.post("/v1/comments/check", json=body)
            except httpx.HTTPError as e:
                self.errors.append(repr(e))
                continue
            self.statuses.append(response.status_code)
            if response.status_code == 200:
                self.versions.append(response.json()["model_version"])
        self.http.close()


def test_labels_to_train_to_a_running_gunicorn_without_a_failed_request(
    redis_client: redis.Redis, redis_url: str, data_dir: Path, small_corpus: Path, tmp_path: Path
) -> None:
    shutil.copytree(data_dir / "models" / "test-model", tmp_path / "models" / "test-model")
    store = ModelStore(tmp_path / "models")
    store.promote("test-model")
    token = ApiKeys(redis_client, Keys()).create("blog")
    port = _free_port()
    env = os.environ | {
        "COMMENTGUARD_REDIS_URL": redis_url,
        "COMMENTGUARD_DATA_DIR": str(tmp_path),
        "COMMENTGUARD_RELOAD_INTERVAL": "0.5",
        # Every comment is unsure, so each one checked below waits for a moderator.
        "COMMENTGUARD_HAM_CUTOFF": "0",
        "COMMENTGUARD_SPAM_CUTOFF": "1",
    }
    cli = Path(sys.executable).parent / "commentguard"
    server = subprocess.Popen(
        [str(cli), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    loop = Client(f"http://127.0.0.1:{port}", token)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not become ready"
            assert server.poll() is None, "gunicorn exited"
            time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        truth = {}
        for i, e in enumerate(read_file(SHIPPED / "Youtube04-Eminem.csv")[:60]):
            truth[f"e{i}"] = "spam" if e.label else "ham"
            body = {"id": f"e{i}", "content": e.text}
            checked = httpx.post(f"{base}/v1/comments/check", json=body, headers=auth(token))
            assert checked.json()["verdict"] == "unsure"
        loop.start()

        moderators = Moderators(redis_client, Keys())
        moderators.add("ann", "a long enough password")
        ann = auth(moderators.new_token("ann"))
        claimed = httpx.post(f"{base}/v1/review/claim", json={"count": 60}, headers=ann)
        items = claimed.json()["items"]
        assert sorted(i["comment_id"] for i in items) == sorted(truth)
        for item in items:
            decided = httpx.post(
                f"{base}/v1/review/items/{item['review_id']}/decision",
                json={"label": truth[item["comment_id"]]},
                headers=ann,
            )
            assert decided.status_code == 200, decided.text
        assert len(LabelLog(redis_client, Keys()).latest()) == 60
        # --force: the session model trained on every shipped comment, the gate's base
        # slice included, so the comparison is rigged in its favour; the gate has its own tests.
        result = CliRunner().invoke(
            main,
            ["train", "--data", str(small_corpus), "--min-new-labels", "50", "--force"],
            env={k: v for k, v in env.items() if k.startswith("COMMENTGUARD_")},
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        new = store.current_version()
        assert new != "test-model"

        deadline = time.monotonic() + RELOAD_TIMEOUT
        while not loop.versions or loop.versions[-1] != new:
            assert time.monotonic() < deadline, f"still serving {loop.versions[-1:]} not {new}"
            time.sleep(0.2)
        time.sleep(1.0)  # a few more requests on the new model, from both workers
    finally:
        loop.stop.set()
        if loop.is_alive():
            loop.join(15)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    assert loop.errors == []
    assert loop.statuses and set(loop.statuses) == {200}
    assert loop.versions[0] == "test-model" and loop.versions[-1] == new
