"""The feature pipeline: what the classifier sees of a comment."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from model.signals import GROUPS, TextSignals
from model.text import normalise

TEXT_BLOCKS = ("word", "char")
BLOCKS = TEXT_BLOCKS + tuple(GROUPS)


def normalise_all(texts: Iterable[str]) -> list[str]:
    """Normalise and lowercase a batch of raw comment texts."""
    return [normalise(t).lower() for t in texts]


# An n-gram seen in fewer texts than this gets no column: a word 1-2-gram in one text only,
# a char n-gram in fewer than five. A third of the columns of min_df 1 and 2, with lovo no
# worse (docs/model.md, ablation).
WORD_MIN_DF = 2
CHAR_MIN_DF = 5


# The hand-made groups' columns are multiplied by this in the union, so the same C shrinks
# their coefficients four times less than the n-grams': a cue learnt from YouTube and Stack
# Exchange spam then carries to spam written otherwise. Not the repetition group: its phrase
# feature also fires on a fan pasting the video's title twice. Lovo MCC 0.9160 -> 0.9233
# with the narrowed patterns (docs/model.md).
SIGNAL_WEIGHT = 2.0
UNWEIGHTED_GROUPS = frozenset({"repetition"})


# An unknown word weighs in the word block's norm as a word of this share of the highest idf
# would. Every probe is met from 0.2 to 0.4 (docs/model.md); 0.1 removes an SMS reader again,
# 0.6 misses lovo MCC.
UNKNOWN_WORD_WEIGHT = 0.3


class UnknownAwareTfidf(TfidfVectorizer):
    """Word TF-IDF whose l2 norm also counts the words that have no column of their own.

    Normalised over its known words only, a comment's vector gives its one known word the
    whole weight: "Check wid corect speling" would weigh "check" as "check" alone does.
    Here each distinct word without a unigram column adds ``(unknown_weight * max idf)**2``
    to the squared norm, as if it had a column that no coefficient reads. The other
    parameters are TfidfVectorizer's (``norm`` is this l2 norm, always).
    """

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 1),
        binary: bool = False,
        min_df: float | int = 1,
        lowercase: bool = True,
        unknown_weight: float = UNKNOWN_WORD_WEIGHT,
    ) -> None:
        # norm=None: TfidfVectorizer leaves the vectors unnormalised, _normalised does it.
        super().__init__(
            ngram_range=ngram_range, binary=binary, min_df=min_df, lowercase=lowercase, norm=None
        )
        self.unknown_weight = unknown_weight

    def unknown_square(self) -> float:
        """Return what one unknown word adds to the squared norm."""
        return float((self.unknown_weight * np.max(self.idf_, initial=0.0)) ** 2)

    def unknown_words(self, texts: list[str]) -> np.ndarray:
        """Return how many distinct words of each text have no unigram column."""
        tokens, vocabulary = self.build_tokenizer(), self.vocabulary_
        prepare = self.build_preprocessor()
        return np.array(
            [len({w for w in tokens(prepare(t)) if w not in vocabulary}) for t in texts],
            dtype=np.float64,
        )

    def _normalised(self, texts: list[str], unnormalised: Any) -> sparse.csr_matrix:
        """Return the texts' unnormalised vectors divided by their norms with unknown words."""
        matrix = sparse.csr_matrix(unnormalised)
        squares = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()
        norms = np.sqrt(squares + self.unknown_words(texts) * self.unknown_square())
        norms[norms == 0.0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)

    def fit_transform(self, raw_documents: Iterable[str], y: object = None) -> Any:
        """Fit the vocabulary and idf; return the texts' vectors, normalised with unknowns."""
        texts = list(raw_documents)
        return self._normalised(texts, super().fit_transform(texts, y))

    def fit(self, raw_documents: Iterable[str], y: object = None) -> UnknownAwareTfidf:
        """Fit the vocabulary and idf."""
        self.fit_transform(raw_documents, y)
        return self

    def transform(self, raw_documents: Iterable[str]) -> Any:
        """Return the texts' vectors, normalised with their unknown words."""
        texts = list(raw_documents)
        return self._normalised(texts, super().transform(texts))


def _block(name: str) -> object:
    if name == "word":
        # A word counts once however often it is repeated (binary tf): in a comment of a few
        # words presence is the evidence, and repetition is the repetition group's to judge.
        # With sublinear tf instead, lovo MCC was 0.9094 against 0.9143 (docs/model.md).
        return UnknownAwareTfidf(
            ngram_range=(1, 2), binary=True, min_df=WORD_MIN_DF, lowercase=False
        )
    if name == "char":
        return TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            sublinear_tf=True,
            min_df=CHAR_MIN_DF,
            lowercase=False,
        )
    return TextSignals(name)


def build_pipeline(blocks: Sequence[str] = BLOCKS, c: float = 30.0) -> Pipeline:
    """Return the untrained model: word and char TF-IDF plus hand-made signals, then LR.

    The hand-made groups but repetition weigh ``SIGNAL_WEIGHT`` in the union.

    ``blocks`` names the feature blocks to use (an ablation drops some).
    """
    unknown = set(blocks) - set(BLOCKS)
    if unknown:
        raise ValueError(f"unknown feature blocks: {sorted(unknown)}")
    return Pipeline(
        [
            ("normalise", FunctionTransformer(normalise_all)),
            (
                "features",
                FeatureUnion(
                    [(name, _block(name)) for name in blocks],
                    transformer_weights={
                        name: SIGNAL_WEIGHT
                        for name in blocks
                        if name in GROUPS and name not in UNWEIGHTED_GROUPS
                    },
                ),
            ),
            ("classifier", LogisticRegression(C=c, solver="liblinear")),
        ]
    )
