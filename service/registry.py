"""The shared model registry: promoted models live in Redis, where every API host finds them.

Each host keeps the local ``ModelStore`` directory as a cache: ``fetch`` downloads a version
once, checks its sha256 against the registry's manifest, and renames it into place. The
``current`` pointer and the history of switches are Redis keys, so a promotion or rollback on
one host is what every host's reloader sees on its next look.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from model.artifact import MANIFEST_FILE, MODEL_FILE, ArtifactError, read_manifest
from model.store import ModelStore
from service.keys import Keys
from service.settings import SettingsError


class RedisModelStore(ModelStore):
    """A ``ModelStore`` whose versions, ``current`` and history are kept in Redis.

    ``root`` is this host's cache; the registry is the truth. The artifact's bytes are kept
    base64-encoded, because the service's Redis clients decode every reply as text.
    """

    def __init__(self, root: Path, redis_client: Any, keys: Keys) -> None:
        super().__init__(root)
        self.redis = redis_client
        self.keys = keys

    def current_version(self) -> str | None:
        """Return the version the registry's ``current`` names, or None."""
        return self.redis.get(self.keys.model_current())  # type: ignore[no-any-return]

    def versions(self) -> list[tuple[str, dict[str, Any]]]:
        """Return (version, manifest) of every version in the registry, oldest first."""
        raw = self.redis.hgetall(self.keys.model_manifests())
        found = [(v, json.loads(m)) for v, m in raw.items()]
        return sorted(found, key=lambda vm: (str(vm[1].get("created_at", "")), vm[0]))

    def _exists(self, version: str) -> bool:
        """Return whether the registry still holds ``version``."""
        return bool(self.redis.hexists(self.keys.model_manifests(), version))

    def publish(self, version: str) -> None:
        """Upload a version from this host's cache to the registry (once; the first one wins)."""
        directory = self.path_for(version)
        manifest = read_manifest(directory)
        model = (directory / MODEL_FILE).read_bytes()
        if hashlib.sha256(model).hexdigest() != manifest.get("sha256"):
            raise ArtifactError(f"{directory / MODEL_FILE} does not match its manifest's sha256")
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.keys.model_artifact(version), base64.b64encode(model).decode(), nx=True)
            pipe.hsetnx(self.keys.model_manifests(), version, json.dumps(manifest))
            pipe.execute()

    def fetch(self, version: str) -> Path:
        """Return the cached directory of ``version``, downloading and verifying it if absent.

        Raises ArtifactError when the registry lacks it or its bytes do not match the sha256
        of its manifest (a tampered or truncated upload): nothing unverified enters the cache.
        """
        directory = self.path_for(version)
        raw_manifest = self.redis.hget(self.keys.model_manifests(), version)
        if raw_manifest is None:
            raise ArtifactError(f"no version {version} in the model registry")
        manifest = json.loads(raw_manifest)
        if directory.is_dir():
            try:
                if read_manifest(directory).get("sha256") == manifest.get("sha256"):
                    return directory
            except ArtifactError:
                pass
        encoded = self.redis.get(self.keys.model_artifact(version))
        if encoded is None:
            raise ArtifactError(f"the model registry holds no artifact for {version}")
        model = base64.b64decode(encoded)
        actual = hashlib.sha256(model).hexdigest()
        if actual != manifest.get("sha256"):
            raise ArtifactError(
                f"the registry's artifact of {version} has sha256 {actual}, but its manifest "
                f"says {manifest.get('sha256')}: refusing it"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.root, prefix=".fetch-"))
        (staging / MODEL_FILE).write_bytes(model)
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest), "utf-8")
        shutil.rmtree(directory, ignore_errors=True)
        os.replace(staging, directory)
        return directory

    def promote(self, version: str, action: str = "promote") -> None:
        """Publish ``version`` if it is only in this cache, then point ``current`` at it."""
        if not self._exists(version):
            if not self.path_for(version).is_dir():
                raise ArtifactError(f"no version {version} in the registry or {self.root}")
            self.publish(version)
        entry = json.dumps({"version": version, "action": action, "at": time.time()})
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.keys.model_current(), version)
            pipe.rpush(self.keys.model_history(), entry)
            pipe.execute()

    def _history(self) -> list[dict[str, Any]]:
        return [json.loads(e) for e in self.redis.lrange(self.keys.model_history(), 0, -1)]

    def _stack(self) -> list[str]:
        """Replay the registry's history."""
        return self._replay(self._history())

    def prune(self, keep: int) -> list[str]:
        """Delete all but the newest ``keep`` versions from the registry, never the current."""
        current = self.current_version()
        old = [v for v, _ in self.versions()][: -keep if keep > 0 else None]
        removed = [v for v in old if v != current]
        for version in removed:
            with self.redis.pipeline(transaction=True) as pipe:
                pipe.hdel(self.keys.model_manifests(), version)
                pipe.delete(self.keys.model_artifact(version))
                pipe.execute()
            shutil.rmtree(self.path_for(version), ignore_errors=True)
        return removed


def model_store(cfg: dict[str, Any], redis_client: Any, keys: Keys) -> ModelStore:
    """Return the store ``MODEL_REGISTRY`` names, cached or kept under DATA_DIR/models."""
    root = Path(cfg["DATA_DIR"]) / "models"
    if cfg["MODEL_REGISTRY"] == "redis":
        return RedisModelStore(root, redis_client, keys)
    if cfg["MODEL_REGISTRY"] != "local":
        raise SettingsError(f"MODEL_REGISTRY must be local or redis, not {cfg['MODEL_REGISTRY']!r}")
    return ModelStore(root)
