"""The quality gate: the gate set split and the comparison."""

from __future__ import annotations

import numpy as np

from model.artifact import Cutoffs
from training.datasets import Example
from training.gate import compare, in_fixed_slice, split


def _examples(prefix: str, n: int, source: str) -> list[Example]:
    return [Example(f"{prefix} comment number {i}", i % 2, source) for i in range(n)]


def test_split_keeps_newest_labels_and_a_fixed_base_slice_out_of_training() -> None:
    base = _examples("base", 200, "base.csv")
    labels = _examples("label", 30, "site:blog")
    parts = split(base, labels, [], gate_label_count=6, base_share=0.2)
    assert parts.gate[: parts.gate_labels] == labels[-6:]
    assert 20 < parts.gate_base < 60
    assert all(in_fixed_slice(e.text, 0.2) for e in parts.gate[parts.gate_labels :])
    train_texts = {e.text for e in parts.train}
    assert not train_texts & {e.text for e in parts.gate}
    assert parts.train[0] == labels[-7]  # newest training label first: it wins dedupe
    again = split(base, labels + _examples("later", 5, "site:blog"), [], 6, 0.2)
    assert again.gate[again.gate_labels :] == parts.gate[parts.gate_labels :]


def test_split_drops_training_copies_of_gate_texts() -> None:
    labels = [Example("Check out my channel", 1, "site:blog")]
    extra = [Example("check out  my channel", 0, "extra.jsonl")]
    parts = split([], labels, extra, gate_label_count=1, base_share=0.0)
    assert parts.train == []


def _parts(n: int) -> dict[str, np.ndarray]:
    return {"newest labels": np.arange(n) < n // 2, "base slice": np.arange(n) >= n // 2}


def test_gate_refuses_a_worse_candidate_and_says_where_and_why() -> None:
    rng = np.random.default_rng(0)
    truth = np.array([0, 1] * 50)
    good = np.clip(truth * 0.8 + rng.uniform(0, 0.2, 100), 0, 1)
    cutoffs = Cutoffs(0.3, 0.7)
    result = compare(truth, _parts(100), (1 - good, cutoffs), (good, cutoffs), 0.02)
    assert not result.passed
    assert any(r.startswith("base slice: ROC-AUC 0.0000 is below") for r in result.reasons)
    assert any(r.startswith("newest labels: cost per comment") for r in result.reasons)


def test_gate_passes_an_equal_candidate_and_one_without_a_rival() -> None:
    truth = np.array([0, 1] * 20)
    scores = truth * 0.9 + 0.05
    cutoffs = Cutoffs(0.3, 0.7)
    assert compare(truth, _parts(40), (scores, cutoffs), (scores, cutoffs), 0.0).passed
    first = compare(truth, _parts(40), (scores, cutoffs), None, 0.0)
    assert first.passed and first.current is None
