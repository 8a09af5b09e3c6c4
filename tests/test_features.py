"""The feature union: which blocks it holds and how much each weighs."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer

from model.features import (
    SIGNAL_WEIGHT,
    UNKNOWN_WORD_WEIGHT,
    UnknownAwareTfidf,
    build_pipeline,
    normalise_all,
)


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


def _fitted_words(unknown_weight: float = 0.5) -> UnknownAwareTfidf:
    vectorizer = UnknownAwareTfidf(
        ngram_range=(1, 2), binary=True, lowercase=False, unknown_weight=unknown_weight
    )
    return vectorizer.fit(["check out my channel", "check this song", "my song"])


def _weights(vectorizer: UnknownAwareTfidf, text: str) -> dict[str, float]:
    row = vectorizer.transform([text])
    names = vectorizer.get_feature_names_out()
    return {str(names[i]): float(v) for i, v in zip(row.indices, row.data, strict=True)}


def test_unknown_words_take_weight_from_the_known_ones() -> None:
    vectorizer = _fitted_words()
    alone = _weights(vectorizer, "check")["check"]
    among_unknown = _weights(vectorizer, "check wid corect speling")["check"]
    assert alone == pytest.approx(1.0)
    assert among_unknown < 0.7 * alone
    # what the three unknown words add to the squared norm
    square = 3 * vectorizer.unknown_square()
    idf = vectorizer.idf_[vectorizer.vocabulary_["check"]]
    assert among_unknown == pytest.approx(idf / np.sqrt(idf**2 + square))


def test_an_unknown_word_counts_once_and_known_words_not_at_all() -> None:
    vectorizer = _fitted_words()
    assert _weights(vectorizer, "check zz zz") == pytest.approx(_weights(vectorizer, "check zz"))
    assert vectorizer.unknown_words(["check out zz yy zz"]).tolist() == [2.0]


def test_without_unknown_weight_it_is_the_plain_l2_vectorizer() -> None:
    texts = ["check out my channel", "check this song", "my song"]
    plain = TfidfVectorizer(ngram_range=(1, 2), binary=True, lowercase=False).fit(texts)
    vectorizer = _fitted_words(unknown_weight=0.0)
    for text in ("check wid corect speling", "my channel, my song", "", "zz"):
        expected = plain.transform([text]).toarray()
        assert np.allclose(vectorizer.transform([text]).toarray(), expected)


def test_the_unknown_weight_is_a_parameter_clone_keeps() -> None:
    vectorizer = clone(UnknownAwareTfidf(ngram_range=(1, 2), unknown_weight=0.25))
    assert vectorizer.get_params()["unknown_weight"] == 0.25
    assert vectorizer.get_params()["ngram_range"] == (1, 2)


def test_the_word_block_counts_unknown_words() -> None:
    word = build_pipeline().named_steps["features"].transformer_list[0][1]
    assert isinstance(word, UnknownAwareTfidf)
    assert word.unknown_weight == UNKNOWN_WORD_WEIGHT
