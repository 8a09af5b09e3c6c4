"""The direction of imports: model imports neither side, the service never imports training.

Only the ``commentguard`` command package may import both the service and training.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# package -> the top-level packages it must never import
FORBIDDEN = {
    "model": {"service", "training", "commentguard"},
    "service": {"training", "commentguard"},
    "training": {"service", "commentguard"},
}


def imported_packages(source: str) -> set[str]:
    """Return the top-level package of every import in the source, at any depth."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def violations(root: Path) -> list[str]:
    """Return 'file imports package' for every import against FORBIDDEN under root."""
    out = []
    for package, banned in FORBIDDEN.items():
        for path in sorted((root / package).rglob("*.py")):
            for name in sorted(imported_packages(path.read_text("utf-8")) & banned):
                out.append(f"{path.relative_to(root)} imports {name}")
    return out


def test_the_code_keeps_the_direction_of_imports() -> None:
    assert violations(ROOT) == []


def test_the_check_finds_a_forbidden_import(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "service" / "api").mkdir(parents=True)
    (tmp_path / "training").mkdir()
    (tmp_path / "model" / "ok.py").write_text("import numpy\nfrom model import text\n")
    (tmp_path / "service" / "api" / "bad.py").write_text(
        "def f():\n    from training.recipe import train\n    return train\n"
    )
    (tmp_path / "training" / "bad.py").write_text("import service.app\n")
    assert violations(tmp_path) == [
        "service/api/bad.py imports training",
        "training/bad.py imports service",
    ]
