"""Hot reload: a newly published model is served without a restart; a tampered one is refused."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from model.store import ModelStore
from service.app import create_app


def _publish_copy(models: Path, source: str, version: str) -> None:
    """Store a copy of ``source`` as ``version`` and make it current."""
    shutil.copytree(models / source, models / version)
    manifest = json.loads((models / version / "manifest.json").read_text())
    manifest["version"] = version
    (models / version / "manifest.json").write_text(json.dumps(manifest))
    ModelStore(models).promote(version)


def _tamper(directory: Path) -> None:
    with (directory / "model.joblib").open("ab") as f:
        f.write(b"\0")


@pytest.fixture
def own_data_dir(tmp_path: Path, data_dir: Path) -> Path:
    """Return a data directory of this test's own, serving a copy of the session model."""
    shutil.copytree(data_dir / "models" / "test-model", tmp_path / "models" / "test-model")
    (tmp_path / "models" / "current").symlink_to("test-model")
    return tmp_path


@pytest.fixture
def make_app(redis_url: str) -> Iterator[Callable[[Path], Flask]]:
    """Return a factory of apps on the test Redis that check for new models on every request."""
    apps: list[Flask] = []

    def make(data_dir: Path) -> Flask:
        overrides = {"REDIS_URL": redis_url, "DATA_DIR": str(data_dir), "RELOAD_INTERVAL": 0.0}
        apps.append(create_app(overrides | {"SECRET_KEY": "test"}))
        return apps[-1]

    yield make
    for app in apps:
        app.extensions["commentguard.reloader"].wait()
        app.extensions["commentguard.redis"].close()


def _check(client, auth: dict[str, str], n: int) -> dict:
    response = client.post(
        "/v1/comments/check", json={"id": f"c{n}", "content": "nice song"}, headers=auth
    )
    assert response.status_code == 200
    return response.get_json()


def test_a_new_model_is_served_after_it_is_published(make_app, own_data_dir: Path) -> None:
    app = make_app(own_data_dir)
    client = app.test_client()
    auth = {"Authorization": "Bearer " + app.extensions["commentguard.api_keys"].create("b")}
    assert _check(client, auth, 1)["model_version"] == "test-model"
    _publish_copy(own_data_dir / "models", "test-model", "v2")
    # The request that notices the change is answered by the old model meanwhile.
    assert _check(client, auth, 2)["model_version"] in ("test-model", "v2")
    app.extensions["commentguard.reloader"].wait()
    assert _check(client, auth, 3)["model_version"] == "v2"
    assert client.get("/readyz").get_json()["model_version"] == "v2"


def test_a_tampered_model_is_refused_at_reload_and_the_old_one_serves(
    make_app, own_data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(own_data_dir)
    client = app.test_client()
    auth = {"Authorization": "Bearer " + app.extensions["commentguard.api_keys"].create("b")}
    _publish_copy(own_data_dir / "models", "test-model", "v2")
    _tamper(own_data_dir / "models" / "v2")
    with caplog.at_level(logging.ERROR, logger="service.reloader"):
        _check(client, auth, 1)
        app.extensions["commentguard.reloader"].wait()
        assert _check(client, auth, 2)["model_version"] == "test-model"
    assert "refused model v2" in caplog.text and "sha256" in caplog.text


def test_a_tampered_model_is_refused_at_start(
    make_app, own_data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _tamper(own_data_dir / "models" / "test-model")
    with caplog.at_level(logging.ERROR):
        app = make_app(own_data_dir)
    assert "refused model test-model" in caplog.text
    assert app.test_client().get("/readyz").status_code == 503
