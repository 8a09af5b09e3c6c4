"""The feature pipeline: what the classifier sees of a comment."""

from __future__ import annotations

from collections.abc import Iterable

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from model.text import normalise


def normalise_all(texts: Iterable[str]) -> list[str]:
    """Normalise and lowercase a batch of raw comment texts."""
    return [normalise(t).lower() for t in texts]


def build_pipeline() -> Pipeline:
    """Return the untrained baseline: word 1-2-grams and char_wb 2-5-grams TF-IDF + LR."""
    features = FeatureUnion(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=False)),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    sublinear_tf=True,
                    min_df=2,
                    lowercase=False,
                ),
            ),
        ]
    )
    return Pipeline(
        [
            ("normalise", FunctionTransformer(normalise_all)),
            ("features", features),
            ("classifier", LogisticRegression(C=30, solver="liblinear")),
        ]
    )
