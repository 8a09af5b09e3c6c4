"""The feature union: which blocks it holds and how much each weighs."""

from __future__ import annotations

import numpy as np
import pytest

from model.features import SIGNAL_WEIGHT, build_pipeline, normalise_all


def _columns(blocks: tuple[str, ...], text: str) -> dict[str, float]:
    union = build_pipeline(blocks).named_steps["features"]
    texts = normalise_all([text])
    row = np.asarray(union.fit(texts).transform(texts))[0]
    return {str(n): float(v) for n, v in zip(union.get_feature_names_out(), row, strict=True)}


def test_hand_made_groups_weigh_more_than_their_values_but_repetition() -> None:
    columns = _columns(
        ("contact", "repetition"),
        "call me now call me now call me now",
    )
    assert columns["contact__asks to call, text or contact"] == SIGNAL_WEIGHT
    assert 0 < columns["repetition__repeats a phrase"] < 1
    assert SIGNAL_WEIGHT > 1


def test_an_ablation_weighs_only_its_own_blocks() -> None:
    columns = _columns(("money",), "earn $500 a day")
    assert columns["money__mentions an amount of money"] == SIGNAL_WEIGHT


def test_unknown_blocks_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown feature blocks"):
        build_pipeline(("word", "nope"))
