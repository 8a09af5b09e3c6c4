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
    comments = read_file(SHIPPED / "Youtube04-Eminem.csv")[:120]
    with stream.open("w") as f:
        for e in comments:
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
    assert sum(r["spam"] for r in rows) == sum(e.label for e in comments)
    for r in rows:
        assert r["spam_auto_approved"] <= r["spam"] and r["ham_auto_removed"] <= r["auto_errors"]
        assert r["auto_errors"] == r["spam_auto_approved"] + r["ham_auto_removed"]
    assert (out / "learning_curve.png").stat().st_size > 0
    assert f"plot: {out / 'learning_curve.png'}" in result.output


def test_the_default_base_is_the_training_mix_without_the_site(tmp_path: Path) -> None:
    from commentguard.lifecycle import base_without
    from training.corpus import shipped_examples

    mix = shipped_examples()
    eminem = SHIPPED / "Youtube04-Eminem.csv"
    base = base_without([eminem])
    assert len(base) == len(mix) - sum(e.source == eminem.name for e in mix) > 0
    assert not any(e.source == eminem.name for e in base)
    news = SHIPPED / "civil-comments-ham" / "civil-comments-ham.jsonl"
    assert not any(e.source.startswith("civil-comments-ham#") for e in base_without([news]))
