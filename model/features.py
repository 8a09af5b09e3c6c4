"""The feature pipeline: what the classifier sees of a comment."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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


def _block(name: str) -> object:
    if name == "word":
        # A word counts once however often it is repeated (binary tf): in a comment of a few
        # words presence is the evidence, and repetition is the repetition group's to judge.
        # With sublinear tf instead, lovo MCC was 0.9094 against 0.9143 (docs/model.md).
        return TfidfVectorizer(ngram_range=(1, 2), binary=True, min_df=WORD_MIN_DF, lowercase=False)
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
