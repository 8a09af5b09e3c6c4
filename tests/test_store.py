"""The model store: versions, promotion history, rollback and pruning."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from model.artifact import ArtifactError, load
from model.store import ModelStore


def _copy_version(store: ModelStore, source: Path, version: str, created: str) -> None:
    """Store a copy of a real artifact as ``version``, created at ``created``."""
    target = store.path_for(version)
    shutil.copytree(source, target)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest.update(version=version, created_at=created)
    (target / "manifest.json").write_text(json.dumps(manifest))


@pytest.fixture
def store(tmp_path: Path, data_dir: Path) -> ModelStore:
    """Return a store holding versions v1..v4 (copies of the session model), none current."""
    s = ModelStore(tmp_path / "models")
    s.root.mkdir()
    source = data_dir / "models" / "test-model"
    for n in range(1, 5):
        _copy_version(s, source, f"v{n}", f"2026-01-0{n}T00:00:00")
    return s


def test_versions_are_listed_oldest_first(store: ModelStore) -> None:
    assert [v for v, _ in store.versions()] == ["v1", "v2", "v3", "v4"]


def test_rollback_walks_back_through_promotions(store: ModelStore) -> None:
    for v in ("v1", "v2", "v3"):
        store.promote(v)
    assert store.rollback() == "v2"
    assert store.current_version() == "v2"
    assert store.rollback() == "v1"
    with pytest.raises(ArtifactError, match="no earlier version"):
        store.rollback()


def test_rollback_returns_to_the_version_before_a_manual_promotion(store: ModelStore) -> None:
    store.promote("v3")
    store.promote("v1")
    assert store.rollback() == "v3"


def test_rollback_refuses_a_tampered_previous_version(store: ModelStore) -> None:
    store.promote("v1")
    store.promote("v2")
    with (store.path_for("v1") / "model.joblib").open("ab") as f:
        f.write(b"tampered")
    with pytest.raises(ArtifactError, match="sha256"):
        store.rollback()
    assert store.current_version() == "v2"


def test_prune_keeps_the_newest_and_always_the_current(store: ModelStore) -> None:
    store.promote("v1")
    assert store.prune(2) == ["v2"]
    assert [v for v, _ in store.versions()] == ["v1", "v3", "v4"]
    assert load(store.path_for("v1")).version == "v1"
