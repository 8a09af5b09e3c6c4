"""The n-gram finders find exactly the n-grams scikit-learn's analyzers count."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from model.features import UnknownAwareTfidf, normalise_all
from model.ngrams import CharGrams, WordGrams
from training.corpus import shipped_examples

SHIPPED = normalise_all(e.text for e in shipped_examples())
# char_wb ranges with a padded word shorter than n (counted once, whole) and 1-grams (the
# spaces); word ranges with and without unigrams.
RANGES = [(2, 5), (1, 1), (1, 3), (3, 6), (5, 5)]
WORD_RANGES = [(1, 2), (1, 1), (2, 2), (2, 3), (1, 4)]
TEXT = st.text(alphabet=st.sampled_from("ab c\t\n\u00a0\u3000é😀x-"), max_size=40) | st.text(
    max_size=60
)


def _fitted(ngram_range: tuple[int, int]) -> tuple[TfidfVectorizer, CharGrams]:
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, min_df=3, lowercase=False)
    vec.fit(SHIPPED[::3])
    return vec, CharGrams(vec.vocabulary_)


def _fitted_words(ngram_range: tuple[int, int]) -> tuple[TfidfVectorizer, WordGrams]:
    vec = TfidfVectorizer(ngram_range=ngram_range, min_df=2, lowercase=False)
    vec.fit(SHIPPED[::3])
    return vec, WordGrams(vec.vocabulary_, ngram_range)


FITTED: dict[tuple[str, tuple[int, int]], tuple[TfidfVectorizer, CharGrams | WordGrams]] = {
    **{("char_wb", r): _fitted(r) for r in RANGES},
    **{("word", r): _fitted_words(r) for r in WORD_RANGES},
}
KINDS = list(FITTED)


def _expected(vec: TfidfVectorizer, text: str) -> Counter[int]:
    analyze = vec.build_analyzer()
    return Counter(vec.vocabulary_[g] for g in analyze(text) if g in vec.vocabulary_)


def _assert_same(kind: tuple[str, tuple[int, int]], texts: list[str]) -> None:
    vec, grams = FITTED[kind]
    rows, columns = grams.batch(texts)
    for i, text in enumerate(texts):
        expected = _expected(vec, text)
        assert Counter(grams.columns(text).tolist()) == expected, text
        assert Counter(columns[rows == i].tolist()) == expected, text


@pytest.mark.parametrize("kind", KINDS)
def test_every_shipped_text_has_the_analyzers_n_grams(kind: tuple[str, tuple[int, int]]) -> None:
    vec, grams = FITTED[kind]
    assert len(vec.vocabulary_) > 50
    _assert_same(kind, SHIPPED[1::7])


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=150, deadline=None)
@given(texts=st.lists(TEXT | st.sampled_from(SHIPPED), max_size=6))
def test_generated_text_has_the_analyzers_n_grams(
    kind: tuple[str, tuple[int, int]], texts: list[str]
) -> None:
    _assert_same(kind, texts)


@pytest.mark.parametrize("grams", [CharGrams({}), WordGrams({}, (1, 2))])
def test_an_empty_vocabulary_finds_nothing(grams: CharGrams | WordGrams) -> None:
    assert grams.columns("anything at all").tolist() == []
    rows, columns = grams.batch(["a", ""])
    assert rows.tolist() == columns.tolist() == []


def test_n_gram_keys_that_do_not_fit_64_bits_are_refused() -> None:
    vocabulary = {f"w{i}": i for i in range(100_000)}
    assert WordGrams(vocabulary, (1, 3)).columns("w1 w2").tolist() == [1, 2]
    with pytest.raises(ValueError, match="64 bits"):
        WordGrams(vocabulary, (1, 4))


UNKNOWN_AWARE = UnknownAwareTfidf(ngram_range=(1, 2), min_df=2, lowercase=False).fit(SHIPPED[::3])
UNKNOWN_AWARE_GRAMS = WordGrams(UNKNOWN_AWARE.vocabulary_, (1, 2))


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(TEXT | st.sampled_from(SHIPPED), max_size=6))
def test_unknown_words_are_those_the_vectorizer_counts(texts: list[str]) -> None:
    expected = UNKNOWN_AWARE.unknown_words(texts).tolist()
    assert UNKNOWN_AWARE_GRAMS.unknown(texts).tolist() == expected


@pytest.mark.parametrize("kind", KINDS)
def test_a_lone_surrogate_or_a_rare_character_is_read_like_any_other(
    kind: tuple[str, tuple[int, int]],
) -> None:
    _assert_same(kind, ["check \udc80out my\ud83d channel", "\U0010ffff check", "ǅ 𝔠𝔥𝔢𝔠𝔨 out"])


def test_a_trie_too_big_for_32_bit_indices_is_refused() -> None:
    # 50,000 characters after 100,002 nodes that read on: 5e9 entries
    first = [chr(0x4E00 + i) for i in range(20_000)] + [chr(0x20000 + i) for i in range(30_000)]
    vocabulary = {f"{c}xy": i for i, c in enumerate(first)}
    with pytest.raises(ValueError, match="32-bit"):
        CharGrams(vocabulary)
