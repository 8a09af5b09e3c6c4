"""Reasons a moderator can use: both sides of the evidence, the reading, whole words."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.scorer import AGAINST, READING, Scorer
from model.store import ModelStore


@pytest.fixture(scope="module")
def scorer(data_dir: Path) -> Scorer:
    """Return a scorer of the model trained on the shipped data."""
    return Scorer(ModelStore(data_dir / "models").load_current())


def test_a_ham_verdict_weighs_the_evidence_both_ways_and_says_what_was_read(scorer: Scorer) -> None:
    (verdict,) = scorer.check(
        ["I tried the Superior Trading System and it works, thanks for the article"]
    )
    assert verdict.verdict == "ham"
    codes = [r.code for r in verdict.reasons]
    ham = [r for r in verdict.reasons if r.code.startswith("ham_")]
    spam = [r for r in verdict.reasons if r.code.startswith("spam_")]
    assert ham and all(r.weight < 0 for r in ham)
    assert 0 < len(spam) <= AGAINST and all(r.weight > 0 for r in spam)
    assert codes.index(ham[0].code) < codes.index(spam[0].code)  # the verdict's side first
    assert codes[-1] == READING
    assert verdict.reasons[-1].message.startswith("written in English (Latin); the model knows")


def test_a_spam_verdict_lists_only_what_points_to_spam(scorer: Scorer) -> None:
    (verdict,) = scorer.check(["subscribe to my channel, click here bit.ly/x1"])
    assert verdict.verdict == "spam"
    assert verdict.reasons and all(r.weight > 0 for r in verdict.reasons)
    assert READING not in [r.code for r in verdict.reasons]


def test_a_fragment_names_the_word_it_was_read_in(scorer: Scorer) -> None:
    texts = ["The Superior Court upheld the ruling on Tuesday", "Terrific interpretation, bravo"]
    fragments = [r for v in scorer.check(texts) for r in v.reasons if "fragment" in r.code]
    assert fragments
    for reason in fragments:
        fragment, _, word = reason.message.partition(' (in "')
        piece = fragment.rpartition(" fragment ")[2].strip('"')
        assert word.endswith('")') and piece in word.removesuffix('")')
