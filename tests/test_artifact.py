import json
import shutil

import pytest

from model.artifact import FORMAT, MANIFEST_FILE, MODEL_FILE, ArtifactError, Cutoffs, load
from model.store import ModelStore
from training.corpus import shipped_examples


@pytest.fixture
def artifact_dir(data_dir, tmp_path):
    target = tmp_path / "artifact"
    shutil.copytree(data_dir / "models" / "test-model", target)
    return target


def test_loads_a_good_artifact_with_its_manifest(artifact_dir):
    artifact = load(artifact_dir)
    manifest = artifact.manifest
    assert manifest["format"] == FORMAT
    assert artifact.version == "test-model"
    assert set(manifest) >= {"sha256", "sklearn_version", "cutoffs", "training_counts", "metrics"}
    assert manifest["training_counts"]["examples"] == len(shipped_examples())
    assert 0 < artifact.cutoffs.ham < artifact.cutoffs.spam < 1
    scores = artifact.classifier.predict_proba(["subscribe to my channel", "great song"])
    assert scores[0] > 0.5 > scores[1]


def test_refuses_a_modified_model_file(artifact_dir):
    with (artifact_dir / MODEL_FILE).open("ab") as f:
        f.write(b"\0")
    with pytest.raises(ArtifactError, match="sha256"):
        load(artifact_dir)


def test_refuses_a_foreign_manifest(artifact_dir):
    (artifact_dir / MANIFEST_FILE).write_text(json.dumps({"version": "x"}))
    with pytest.raises(ArtifactError, match="not a CommentGuard model"):
        load(artifact_dir)


def test_refuses_a_foreign_joblib_file_even_with_a_matching_hash(artifact_dir):
    import joblib

    from model.artifact import sha256_of

    joblib.dump({"not": "a model"}, artifact_dir / MODEL_FILE)
    manifest = json.loads((artifact_dir / MANIFEST_FILE).read_text())
    manifest["sha256"] = sha256_of(artifact_dir / MODEL_FILE)
    (artifact_dir / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="SpamClassifier"):
        load(artifact_dir)


def test_store_without_a_published_model_says_how_to_get_one(tmp_path):
    with pytest.raises(ArtifactError, match="commentguard train"):
        ModelStore(tmp_path).load_current()


def test_store_promotes_atomically(artifact_dir):
    store = ModelStore(artifact_dir.parent)
    store.promote("artifact")
    assert store.current_version() == "artifact"
    assert store.load_current().version == "test-model"


def test_cutoffs_make_three_way_verdicts():
    cutoffs = Cutoffs(ham=0.2, spam=0.9)
    assert [cutoffs.verdict(s) for s in (0.0, 0.19, 0.2, 0.89, 0.9, 1.0)] == [
        "ham",
        "ham",
        "unsure",
        "unsure",
        "spam",
        "spam",
    ]
