"""The model store: one directory per version and an atomically switched ``current``."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from model.artifact import Artifact, ArtifactError, load, read_manifest

HISTORY_FILE = "history.jsonl"


class ModelStore:
    """Versions under ``root/<version>/`` and a ``root/current`` symlink to one of them.

    Every switch of ``current`` is appended to ``root/history.jsonl``, so a rollback returns
    to the version that was current before, however many times it is repeated.
    """

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

    def versions(self) -> list[tuple[str, dict[str, Any]]]:
        """Return (version, manifest) of every stored version, oldest first."""
        found = []
        if self.root.is_dir():
            for d in self.root.iterdir():
                if d.name.startswith(".") or d.is_symlink() or not d.is_dir():
                    continue
                try:
                    found.append((d.name, read_manifest(d)))
                except ArtifactError:
                    continue
        return sorted(found, key=lambda vm: (str(vm[1].get("created_at", "")), vm[0]))

    def promote(self, version: str, action: str = "promote") -> None:
        """Point ``current`` at ``version`` with an atomic rename of a new symlink."""
        if not self.path_for(version).is_dir():
            raise ArtifactError(f"no version {version} in {self.root}")
        tmp = self.root / f".current-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        os.symlink(version, tmp)
        os.replace(tmp, self.current_link)
        with (self.root / HISTORY_FILE).open("a", encoding="utf-8") as f:
            f.write(json.dumps({"version": version, "action": action, "at": time.time()}) + "\n")

    def fetch(self, version: str) -> Path:
        """Return the directory of ``version`` on this host (a shared registry downloads it)."""
        return self.path_for(version)

    def _exists(self, version: str) -> bool:
        """Return whether the store still holds ``version``."""
        return self.path_for(version).is_dir()

    def _stack(self) -> list[str]:
        """Replay the history file."""
        try:
            lines = (self.root / HISTORY_FILE).read_text("utf-8").splitlines()
        except FileNotFoundError:
            lines = []
        return self._replay([json.loads(line) for line in lines])

    @staticmethod
    def _replay(entries: list[dict[str, Any]]) -> list[str]:
        """Replay a history: a promotion pushes a version, a rollback pops one."""
        stack: list[str] = []
        for entry in entries:
            if entry["action"] == "rollback":
                if stack:
                    stack.pop()
            else:
                stack.append(entry["version"])
        return stack

    def previous_version(self) -> str | None:
        """Return the version that was current before the current one, if it still exists."""
        stack = self._stack()
        current = self.current_version()
        while stack and stack[-1] == current:
            stack.pop()
        while stack and not self._exists(stack[-1]):
            stack.pop()
        return stack[-1] if stack else None

    def rollback(self) -> str:
        """Make the previously current version current again; return it."""
        previous = self.previous_version()
        if previous is None:
            raise ArtifactError("no earlier version to roll back to")
        load(self.fetch(previous))  # refuse to roll back onto a broken artifact
        self.promote(previous, action="rollback")
        return previous

    def prune(self, keep: int) -> list[str]:
        """Delete all but the newest ``keep`` versions, never the current one; return them."""
        current = self.current_version()
        old = [v for v, _ in self.versions()][: -keep if keep > 0 else None]
        removed = [v for v in old if v != current]
        for version in removed:
            shutil.rmtree(self.path_for(version))
        return removed
