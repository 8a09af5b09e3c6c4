"""The shared model registry: promote on one host, every host serves it; tampering refused."""

from __future__ import annotations

import base64
import json
import shutil
import time
from pathlib import Path

import httpx
import pytest

from model.artifact import MANIFEST_FILE, ArtifactError, load
from model.store import ModelStore
from service.keys import Keys
from service.registry import RedisModelStore
from tests.e2e import Server

pytestmark = pytest.mark.cluster


def _second_version(data_dir: Path, root: Path, version: str) -> None:
    """Copy the session's model into ``root`` as another version (same bytes, new name)."""
    shutil.copytree(data_dir / "models" / "test-model", root / version)
    manifest = json.loads((root / version / MANIFEST_FILE).read_text())
    manifest.update(version=version, created_at=f"2099-{version}")
    (root / version / MANIFEST_FILE).write_text(json.dumps(manifest))


def test_a_version_promoted_on_one_host_is_fetched_and_verified_on_another(
    redis_client, data_dir, tmp_path
) -> None:
    one = RedisModelStore(tmp_path / "one", redis_client, Keys())
    other = RedisModelStore(tmp_path / "other", redis_client, Keys())
    _second_version(data_dir, one.root, "v1")
    _second_version(data_dir, one.root, "v2")
    one.promote("v1")
    one.promote("v2")
    assert other.current_version() == "v2"
    assert [v for v, _ in other.versions()] == ["v1", "v2"]
    assert load(other.fetch("v2")).version == "v2"
    assert other.rollback() == "v1"
    assert one.current_version() == "v1"


def test_a_tampered_artifact_in_the_registry_is_refused(redis_client, data_dir, tmp_path):
    one = RedisModelStore(tmp_path / "one", redis_client, Keys())
    _second_version(data_dir, one.root, "v1")
    one.promote("v1")
    key = Keys().model_artifact("v1")
    model = bytearray(base64.b64decode(redis_client.get(key)))
    model[100] ^= 0xFF
    redis_client.set(key, base64.b64encode(bytes(model)).decode())
    other = RedisModelStore(tmp_path / "other", redis_client, Keys())
    with pytest.raises(ArtifactError, match="refusing it"):
        other.fetch("v1")
    assert not other.path_for("v1").exists()


def test_a_version_in_neither_place_cannot_be_promoted(redis_client, tmp_path):
    with pytest.raises(ArtifactError, match="no version v9"):
        RedisModelStore(tmp_path, redis_client, Keys()).promote("v9")


def _served_version(server: Server) -> str | None:
    try:
        return httpx.get(f"{server.url}/readyz", timeout=2).json().get("model_version")
    except httpx.TransportError:
        return None


@pytest.mark.e2e
@pytest.mark.slow
def test_two_hosts_serve_a_promotion_and_a_rollback_within_five_seconds(
    embedded_redis, data_dir, tmp_path
) -> None:
    from service.redis_client import connect_url

    client = connect_url(embedded_redis)
    client.flushdb()
    publisher = RedisModelStore(tmp_path / "publisher", client, Keys())
    _second_version(data_dir, publisher.root, "v1")
    _second_version(data_dir, publisher.root, "v2")
    publisher.promote("v1")
    servers = []
    for name in ("host-a", "host-b"):
        env = {
            "COMMENTGUARD_DATA_DIR": str(tmp_path / name),
            "COMMENTGUARD_REDIS_URL": embedded_redis,
            "COMMENTGUARD_MODEL_REGISTRY": "redis",
            "COMMENTGUARD_RELOAD_INTERVAL": "0.5",
            "COMMENTGUARD_SECRET_KEY": "test",
        }
        servers.append(Server(env, tmp_path / f"{name}.log", workers=1))
    try:
        for server in servers:
            server.wait_ready()
            assert _served_version(server) == "v1"
        for action, expected in (("promote", "v2"), ("rollback", "v1")):
            if action == "promote":
                publisher.promote("v2")
            else:
                publisher.rollback()
            deadline = time.monotonic() + 5.0
            while time.monotonic() < deadline:
                if all(_served_version(s) == expected for s in servers):
                    break
                time.sleep(0.1)
            assert [_served_version(s) for s in servers] == [expected, expected], action
        for name in ("host-a", "host-b"):
            assert ModelStore(tmp_path / name / "models").path_for("v2").is_dir()
    finally:
        for server in servers:
            server.stop()
        client.flushdb()
