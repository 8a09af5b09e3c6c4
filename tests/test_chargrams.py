"""The trie finds exactly the char_wb n-grams scikit-learn's analyzer counts."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from model.chargrams import CharGrams
from model.features import normalise_all
from training.corpus import shipped_examples

SHIPPED = normalise_all(e.text for e in shipped_examples())
# Ranges with a padded word shorter than n (counted once, whole) and 1-grams (the spaces).
RANGES = [(2, 5), (1, 1), (1, 3), (3, 6), (5, 5)]
TEXT = st.text(alphabet=st.sampled_from("ab c\t\n\u00a0\u3000é😀x-"), max_size=40) | st.text(
    max_size=60
)


def _fitted(ngram_range: tuple[int, int]) -> tuple[TfidfVectorizer, CharGrams]:
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, min_df=3, lowercase=False)
    vec.fit(SHIPPED[::3])
    return vec, CharGrams(vec.vocabulary_)


FITTED = {r: _fitted(r) for r in RANGES}


def _expected(vec: TfidfVectorizer, text: str) -> Counter[int]:
    analyze = vec.build_analyzer()
    return Counter(vec.vocabulary_[g] for g in analyze(text) if g in vec.vocabulary_)


def _assert_same(ngram_range: tuple[int, int], texts: list[str]) -> None:
    vec, grams = FITTED[ngram_range]
    rows, columns = grams.batch(texts)
    for i, text in enumerate(texts):
        expected = _expected(vec, text)
        assert Counter(grams.columns(text).tolist()) == expected, text
        assert Counter(columns[rows == i].tolist()) == expected, text


@pytest.mark.parametrize("ngram_range", RANGES)
def test_every_shipped_text_has_the_analyzers_n_grams(ngram_range: tuple[int, int]) -> None:
    vec, grams = FITTED[ngram_range]
    assert len(vec.vocabulary_) > 50
    _assert_same(ngram_range, SHIPPED[1::7])


@pytest.mark.parametrize("ngram_range", RANGES)
@settings(max_examples=150, deadline=None)
@given(texts=st.lists(TEXT, max_size=6))
def test_generated_text_has_the_analyzers_n_grams(
    ngram_range: tuple[int, int], texts: list[str]
) -> None:
    _assert_same(ngram_range, texts)


def test_a_word_seen_before_is_read_from_the_cache() -> None:
    vec, grams = FITTED[(2, 5)]
    first = grams.columns("check my channel")
    assert "check" in grams._word_columns
    assert grams.columns("check my channel").tolist() == first.tolist()


def test_an_empty_vocabulary_finds_nothing() -> None:
    grams = CharGrams({})
    assert grams.columns("anything at all").tolist() == []
    rows, columns = grams.batch(["a", ""])
    assert rows.tolist() == columns.tolist() == []
