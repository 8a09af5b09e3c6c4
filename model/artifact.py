"""The model artifact: a joblib file plus a manifest that vouches for it."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import sklearn

from model.classifier import SpamClassifier

FORMAT = "commentguard-model/1"
MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
COMMENT_TYPE = "comment"
"""The default comment type: judged at the global cutoffs, never at cutoffs of its own."""


class ArtifactError(Exception):
    """The artifact is missing, tampered with, or not a CommentGuard model."""


@dataclass(frozen=True)
class Cutoffs:
    """Score cutoffs: below ``ham`` is ham, at or above ``spam`` is spam, between is unsure."""

    ham: float
    spam: float

    def verdict(self, score: float) -> str:
        """Return ``ham``, ``unsure`` or ``spam`` for a calibrated score."""
        if score < self.ham:
            return "ham"
        if score >= self.spam:
            return "spam"
        return "unsure"


@dataclass
class Artifact:
    """A loaded model and what its manifest says about it."""

    classifier: SpamClassifier
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """Return the version string from the manifest."""
        return str(self.manifest["version"])

    @property
    def cutoffs(self) -> Cutoffs:
        """Return the cutoffs chosen on validation data."""
        c = self.manifest["cutoffs"]
        return Cutoffs(ham=float(c["ham"]), spam=float(c["spam"]))

    @property
    def cutoffs_by_type(self) -> dict[str, Cutoffs]:
        """Return the cutoffs of each comment type that had enough labels for its own."""
        return {
            kind: Cutoffs(ham=float(c["ham"]), spam=float(c["spam"]))
            for kind, c in self.manifest.get("cutoffs_by_type", {}).items()
        }


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save(classifier: SpamClassifier, directory: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write the classifier and its manifest into ``directory``; return the manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    model_path = directory / MODEL_FILE
    joblib.dump(classifier, model_path, compress=3)
    full = {
        "format": FORMAT,
        **manifest,
        "sha256": sha256_of(model_path),
        "sklearn_version": sklearn.__version__,
        "size_bytes": model_path.stat().st_size,
    }
    _write_json_atomically(directory / MANIFEST_FILE, full)
    return full


def read_manifest(directory: Path) -> dict[str, Any]:
    """Return the manifest of an artifact directory, or raise ArtifactError."""
    try:
        manifest = json.loads((directory / MANIFEST_FILE).read_text("utf-8"))
    except FileNotFoundError as e:
        raise ArtifactError(f"no {MANIFEST_FILE} in {directory}") from e
    except (ValueError, UnicodeDecodeError) as e:
        raise ArtifactError(f"{directory / MANIFEST_FILE} is not valid JSON: {e}") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArtifactError(f"{directory} is not a CommentGuard model (format is not {FORMAT})")
    return manifest


def load(directory: Path) -> Artifact:
    """Load an artifact after checking its hash; refuse anything that does not match."""
    manifest = read_manifest(directory)
    model_path = directory / MODEL_FILE
    if not model_path.is_file():
        raise ArtifactError(f"no {MODEL_FILE} in {directory}")
    actual = sha256_of(model_path)
    if actual != manifest.get("sha256"):
        raise ArtifactError(
            f"{model_path} has sha256 {actual}, but the manifest says {manifest.get('sha256')}:"
            " the file was modified or replaced; refusing to load it"
        )
    if manifest.get("sklearn_version") != sklearn.__version__:
        raise ArtifactError(
            f"{directory} was trained with scikit-learn {manifest.get('sklearn_version')},"
            f" this is {sklearn.__version__}: retrain with `commentguard train`"
        )
    classifier = joblib.load(model_path)
    if not isinstance(classifier, SpamClassifier):
        raise ArtifactError(f"{model_path} does not hold a SpamClassifier")
    return Artifact(classifier, manifest)


def _write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to a temporary file beside ``path`` and rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)
