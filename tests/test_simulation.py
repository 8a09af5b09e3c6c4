"""`commentguard simulate`: a new site replayed with a simulated moderator and retraining."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from commentguard.cli import main
from training.datasets import SHIPPED, read_file

pytestmark = pytest.mark.slow


def test_simulate_retrains_every_k_labels_and_plots_the_curve(
    small_corpus: Path, tmp_path: Path
) -> None:
    stream = tmp_path / "site.jsonl"
    with stream.open("w") as f:
        for e in read_file(SHIPPED / "Youtube04-Eminem.csv")[:120]:
            f.write(json.dumps({"text": e.text, "label": e.label}) + "\n")
    out = tmp_path / "out"
    args = ["simulate", "--data", str(stream), "--base", str(small_corpus), "--every", "10"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = json.loads((out / "learning_curve.json").read_text())
    assert sum(r["comments"] for r in rows) == 120
    assert len(rows) >= 2 and rows[0]["labels_used"] == 0
    assert sum(r["unsure"] for r in rows) == rows[-1]["labels_collected"]
    assert all(r["retrain"] for r in rows[:-1])
    assert (out / "learning_curve.png").stat().st_size > 0
    assert f"plot: {out / 'learning_curve.png'}" in result.output
