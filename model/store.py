"""The model store: one directory per version and an atomically switched ``current``."""

from __future__ import annotations

import os
from pathlib import Path

from model.artifact import Artifact, ArtifactError, load


class ModelStore:
    """Versions under ``root/<version>/`` and a ``root/current`` symlink to one of them."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def current_link(self) -> Path:
        """Return the path of the ``current`` symlink."""
        return self.root / "current"

    def path_for(self, version: str) -> Path:
        """Return the directory of a version (which may not exist yet)."""
        return self.root / version

    def current_version(self) -> str | None:
        """Return the version ``current`` points at, or None when nothing is published."""
        try:
            return os.readlink(self.current_link)
        except FileNotFoundError:
            return None

    def load_current(self) -> Artifact:
        """Load the current artifact, or raise ArtifactError when there is none."""
        version = self.current_version()
        if version is None:
            raise ArtifactError(f"no model published in {self.root}: run `commentguard train`")
        return load(self.path_for(version))

    def promote(self, version: str) -> None:
        """Point ``current`` at ``version`` with an atomic rename of a new symlink."""
        if not self.path_for(version).is_dir():
            raise ArtifactError(f"no version {version} in {self.root}")
        tmp = self.root / f".current-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        os.symlink(version, tmp)
        os.replace(tmp, self.current_link)
