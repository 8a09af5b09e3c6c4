"""Shared fixtures: a trained model, real Redis servers, an app and an API key."""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import redis

import model.scorer
import service.reloader
from model.artifact import MANIFEST_FILE, MODEL_FILE, Artifact, load, save, sha256_of
from model.store import ModelStore
from service.redis_client import connect_url, embedded_url, shutdown_embedded, start_embedded
from tests import redis_servers
from training.corpus import shipped_examples
from training.datasets import SHIPPED, read_file
from training.recipe import train

TEST_REDIS_ENV = "COMMENTGUARD_TEST_REDIS_URL"


def redis_targets(cluster: bool = False) -> list[str]:
    """Return the Redis servers a Redis test runs against (with ``cluster``, a cluster too)."""
    targets = ["embedded"] + (["external"] if os.environ.get(TEST_REDIS_ENV) else [])
    return targets + (["cluster"] if cluster else [])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test on each Redis target; a test marked ``cluster`` on a cluster too."""
    if "redis_url" in metafunc.fixturenames:
        cluster = metafunc.definition.get_closest_marker("cluster") is not None
        metafunc.parametrize("redis_url", redis_targets(cluster), indirect=True)


def _once_per_object(build: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Return ``build`` remembering its result for each live argument object (by identity)."""
    built: dict[int, Any] = {}

    def once(obj: Any) -> Any:
        key = id(obj)
        if key not in built:
            built[key] = build(obj)
            weakref.finalize(obj, built.pop, key, None)  # an id is reused once obj is gone
        return built[key]

    return once


@pytest.fixture(scope="session", autouse=True)
def models_loaded_once() -> Iterator[None]:
    """Load and compile each distinct model once per test session, not once per app.

    Every app a test creates loads its model (about 1.5 s of joblib's Python unpickler) and
    compiles the fast path and the signal weights (about 0.8 s): that was three quarters of
    the CPU of the API and review tests. An artifact whose files are not byte for byte one
    already loaded still goes through the real ``load``, hash check and all, so a tampered
    or replaced artifact is refused as in the service. Processes a test starts (gunicorn,
    the CLI in a subprocess) load and compile their own.
    """
    loaded: dict[tuple[str, str], Artifact] = {}

    def load_once(directory: Path) -> Artifact:
        try:
            key = (sha256_of(directory / MODEL_FILE), (directory / MANIFEST_FILE).read_text())
        except OSError:
            return load(directory)
        if key not in loaded:
            loaded[key] = load(directory)
        return replace(loaded[key], manifest=json.loads(key[1]))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service.reloader, "load", load_once)
        patch.setattr(
            model.scorer, "CompiledClassifier", _once_per_object(model.scorer.CompiledClassifier)
        )
        patch.setattr(model.scorer, "SignalWeights", _once_per_object(model.scorer.SignalWeights))
        yield


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a data directory with a model trained on the shipped data, published."""
    root = tmp_path_factory.mktemp("var")
    examples = shipped_examples()
    trained = train(examples)
    store = ModelStore(root / "models")
    save(
        trained.classifier,
        store.path_for("test-model"),
        {
            "version": "test-model",
            "cutoffs": {"ham": trained.cutoffs.ham, "spam": trained.cutoffs.spam},
            "training_counts": trained.counts,
            "metrics": {"validation": trained.validation},
        },
    )
    store.promote("test-model")
    return root


@pytest.fixture(scope="session")
def embedded_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start one embedded Redis for the session and return its URL."""
    server = start_embedded(tmp_path_factory.mktemp("embedded"))
    yield embedded_url(server)
    shutdown_embedded(server)


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start a 3-master Redis Cluster on free loopback ports and return its URL."""
    if not redis_servers.available():
        pytest.skip(redis_servers.MISSING)
    servers, ports = redis_servers.start_cluster(tmp_path_factory.mktemp("cluster"))
    yield "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in ports)
    servers.stop()


@pytest.fixture
def redis_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Return the URL of a real, flushed Redis: embedded, the CI server when set, a cluster."""
    if request.param == "embedded":
        url = request.getfixturevalue("embedded_redis")
    elif request.param == "cluster":
        url = request.getfixturevalue("redis_cluster")
    else:
        url = os.environ[TEST_REDIS_ENV]
    client = connect_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """Return a client of the flushed test Redis."""
    client = connect_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def app(redis_url: str, data_dir: Path):
    """Return an app on the flushed test Redis, serving the session's trained model."""
    from service.app import create_app

    return create_app({"REDIS_URL": redis_url, "DATA_DIR": str(data_dir), "SECRET_KEY": "test"})


@pytest.fixture
def unsure_app(redis_url: str, data_dir: Path):
    """Return an app whose cutoffs (0 and 1) make every verdict unsure: everything is queued."""
    from service.app import create_app

    return create_app(
        {
            "REDIS_URL": redis_url,
            "DATA_DIR": str(data_dir),
            "SECRET_KEY": "test",
            "HAM_CUTOFF": 0.0,
            "SPAM_CUTOFF": 1.0,
        }
    )


@pytest.fixture
def client(app):
    """Return a Flask test client."""
    return app.test_client()


@pytest.fixture
def api_key(app) -> str:
    """Return an API key for the site ``blog.example.com``."""
    return app.extensions["commentguard.api_keys"].create("blog.example.com")


@pytest.fixture
def auth(api_key: str) -> dict[str, str]:
    """Return the Authorization header for ``api_key``."""
    return {"Authorization": f"Bearer {api_key}"}


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a directory of three small JSON Lines files (40 spam + 40 ham of three videos).

    Training on it takes a fraction of the time the shipped corpus takes.
    """
    root = tmp_path_factory.mktemp("small-corpus")
    for name in ("Youtube01-Psy", "Youtube02-KatyPerry", "Youtube03-LMFAO"):
        rows = read_file(SHIPPED / f"{name}.csv")
        picked = [e for e in rows if e.label == 1][:40] + [e for e in rows if e.label == 0][:40]
        with (root / f"{name}.jsonl").open("w", encoding="utf-8") as f:
            for e in picked:
                f.write(json.dumps({"text": e.text, "label": e.label}) + "\n")
    return root
