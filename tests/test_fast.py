"""The fast path answers exactly what the sklearn pipeline answers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer, MaxAbsScaler

from model.artifact import Artifact
from model.classifier import Platt, Reason, SpamClassifier, _describe, telling
from model.fast import SMALL_BATCH, TIE_DECIMALS, CompiledClassifier, NotCompilable
from model.features import UnknownAwareTfidf, normalise_all
from model.scorer import Scorer, bounded
from model.store import ModelStore
from training.corpus import shipped_examples

TOLERANCE = 1e-9
SHIPPED = [e.text for e in shipped_examples()]
LABELS = np.array([e.label for e in shipped_examples()])

# Text a webhook may send: markup, entities, links, invisible characters, any script.
FRAGMENTS = [
    "check out",
    "my channel",
    "http://spam.example.com/?a=1&b=2",
    "www.free-money.xyz",
    '<a href="http://x.ru">2:19</a>',
    "<b>bold</b>",
    "&amp;&lt;&#39;&nbsp;",
    "\ufeff",
    "\u200bz\u200dw",
    "Ｆｕｌｌｗｉｄｔｈ",
    "ÉCOLE café",
    "😀😀",
    "Ⅻ ﬁ",
    "\t\n  \r",
    " ",
    "a",
    "subscribe!!!",
    "I",
]
TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(" ".join),
    st.sampled_from(SHIPPED).map(lambda t: t.upper()),
    st.text(alphabet=" \t\n\u00a0\u2028\u3000", max_size=10),
)


@pytest.fixture(scope="session")
def shipped_model(data_dir: Path) -> SpamClassifier:
    """Return the classifier trained on the shipped data with build_pipeline()."""
    return ModelStore(data_dir / "models").load_current().classifier


@pytest.fixture(scope="session")
def compiled(shipped_model: SpamClassifier) -> CompiledClassifier:
    """Return the shipped model, compiled."""
    return CompiledClassifier(shipped_model)


def _fit(features: FeatureUnion, *between: tuple[str, object]) -> SpamClassifier:
    """Fit a pipeline of the project's shape with other feature blocks on the shipped data."""
    pipeline = Pipeline(
        [
            ("normalise", FunctionTransformer(normalise_all)),
            ("features", features),
            *between,
            ("classifier", LogisticRegression(C=30, solver="liblinear")),
        ]
    )
    fitted = pipeline.fit(SHIPPED[::3], LABELS[::3])
    return SpamClassifier(fitted, Platt(a=1.3, b=-0.2))


@pytest.fixture(scope="session")
def other_blocks() -> SpamClassifier:
    """Return a model with every kind of block the compiler handles, and a dropped one."""
    features = FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    ngram_range=(2, 3), binary=True, norm="l1", use_idf=False, lowercase=True
                ),
            ),
            ("char", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=3)),
            ("stop", TfidfVectorizer(stop_words=["the", "a"], sublinear_tf=True, norm=None)),
            ("counts", CountVectorizer(analyzer="char_wb", ngram_range=(3, 3), min_df=5)),
            # unknown words counted in the norm, of lowercased text
            ("unknown", UnknownAwareTfidf(min_df=3, lowercase=True, unknown_weight=1.0)),
            ("unused", "drop"),
        ],
        transformer_weights={"char": 0.5, "counts": 0.1, "unknown": 1.5},
    )
    return _fit(features)


@pytest.fixture(scope="session")
def other_compiled(other_blocks: SpamClassifier) -> CompiledClassifier:
    """Return the model of every kind of block, compiled."""
    return CompiledClassifier(other_blocks)


def _assert_same_scores(
    classifier: SpamClassifier, compiled: CompiledClassifier, texts: Sequence[str]
) -> None:
    """Check the compiled scores of texts, one at a time and as a batch, against sklearn."""
    expected = classifier.predict_proba(texts)
    batch = compiled.predict_proba(list(texts) * SMALL_BATCH)[: len(texts)]
    one_by_one = np.array([compiled.assess(t).score for t in texts])
    assert np.abs(batch - expected).max() <= TOLERANCE
    assert np.abs(one_by_one - expected).max() <= TOLERANCE


def _rows(classifier: SpamClassifier, texts: Sequence[str]) -> Any:
    """Return sklearn's feature rows of texts, as explain() computes them."""
    steps = classifier.pipeline.named_steps
    return steps["features"].transform(steps["normalise"].transform(list(texts))).tocsr()


def _expected_reasons(classifier: SpamClassifier, row: Any, limit: int = 3) -> list[Reason]:
    """Return explain()'s reasons computed from sklearn's feature row, ties by column.

    explain() lists the strongest contributions supporting the verdict, skipping a term
    contained in one already listed; it leaves the order of equal contributions (n-grams
    that always occur together) to its sort, the fast path breaks such ties by column.
    """
    linear = classifier.pipeline.named_steps["classifier"]
    contributions = row.data * linear.coef_[0][row.indices]
    sign = 1.0 if contributions.sum() + linear.intercept_[0] >= 0 else -1.0
    direction = "spam" if sign > 0 else "ham"
    order = sorted(
        zip(row.indices.tolist(), contributions.tolist(), strict=True),
        key=lambda cw: (-round(sign * cw[1], TIE_DECIMALS), cw[0]),
    )
    reasons: list[Reason] = []
    shown: list[str] = []
    for column, weight in order:
        if len(reasons) == limit or sign * weight <= 0:
            break
        name = str(classifier.feature_names[column])
        term = name.partition("__")[2].strip()
        if telling(name) and not any(term in earlier for earlier in shown):
            shown.append(term)
            reasons.append(Reason(*_describe(name, direction), weight))
    return reasons


def _assert_same_reasons(classifier: SpamClassifier, row: Any, reasons: list[Reason]) -> None:
    """Check reasons against those computed from sklearn's feature row."""
    _assert_equal(reasons, _expected_reasons(classifier, row))


def _assert_equal(reasons: list[Reason], expected: list[Reason]) -> None:
    """Check that two lists of reasons name the same features with the same weights."""
    assert [(r.code, r.message) for r in reasons] == [(r.code, r.message) for r in expected]
    assert [r.weight for r in reasons] == pytest.approx([r.weight for r in expected], abs=TOLERANCE)


def test_reasons_are_those_of_explain_where_no_weights_tie(
    shipped_model: SpamClassifier, compiled: CompiledClassifier
) -> None:
    texts = SHIPPED[::10] + ["", "&lt;b&gt;", "I"]
    rows = _rows(shipped_model, texts)
    coef = shipped_model.pipeline.named_steps["classifier"].coef_[0]
    compared = 0
    for k, text in enumerate(texts):
        explained = shipped_model.explain(text)
        contributions = rows[[k]].data * coef[rows[[k]].indices]
        if explained and explained[0].weight < 0:
            contributions = -contributions
        strongest = sorted(contributions.round(TIE_DECIMALS).tolist(), reverse=True)[:20]
        if len(set(strongest)) < len(strongest):
            continue  # explain() lists equal contributions in its sort's order
        _assert_equal(compiled.assess(text).reasons, explained)
        compared += 1
    assert compared >= len(texts) // 4


def test_every_shipped_comment_scores_the_same(
    shipped_model: SpamClassifier, compiled: CompiledClassifier
) -> None:
    _assert_same_scores(shipped_model, compiled, SHIPPED)


def test_every_shipped_comment_has_the_same_reasons(
    shipped_model: SpamClassifier, compiled: CompiledClassifier
) -> None:
    rows = _rows(shipped_model, SHIPPED)
    batch = compiled.assess_many(SHIPPED)
    for k, (text, assessment) in enumerate(zip(SHIPPED, batch, strict=True)):
        _assert_same_reasons(shipped_model, rows[[k]], assessment.reasons)
        _assert_same_reasons(shipped_model, rows[[k]], compiled.assess(text).reasons)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXTS, min_size=1, max_size=12))
def test_generated_text_scores_the_same(
    shipped_model: SpamClassifier, compiled: CompiledClassifier, texts: list[str]
) -> None:
    _assert_same_scores(shipped_model, compiled, texts)
    rows = _rows(shipped_model, texts)
    batch = compiled.assess_many(texts * SMALL_BATCH)
    for k, (text, assessment) in enumerate(zip(texts, batch, strict=False)):
        _assert_same_reasons(shipped_model, rows[[k]], assessment.reasons)
        _assert_same_reasons(shipped_model, rows[[k]], compiled.assess(text).reasons)


def test_other_blocks_score_the_same(
    other_blocks: SpamClassifier, other_compiled: CompiledClassifier
) -> None:
    texts = SHIPPED[:400] + ["", " ", "&amp;", "the a the"]
    _assert_same_scores(other_blocks, other_compiled, texts)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXTS, min_size=1, max_size=8))
def test_other_blocks_score_generated_text_the_same(
    other_blocks: SpamClassifier, other_compiled: CompiledClassifier, texts: list[str]
) -> None:
    _assert_same_scores(other_blocks, other_compiled, texts)


def test_a_step_between_features_and_classifier_is_not_compiled() -> None:
    classifier = _fit(FeatureUnion([("word", TfidfVectorizer())]), ("scale", MaxAbsScaler()))
    with pytest.raises(NotCompilable):
        CompiledClassifier(classifier)
    scorer = Scorer(Artifact(classifier, {"version": "v", "cutoffs": {"ham": 0.2, "spam": 0.9}}))
    assert scorer.compiled is None
    [verdict] = scorer.check(["subscribe to my channel"])
    assert verdict.score == pytest.approx(
        classifier.predict_proba(["subscribe to my channel"])[0], abs=TOLERANCE
    )


def test_unknown_words_counted_with_other_tokens_are_not_compiled() -> None:
    words = UnknownAwareTfidf(ngram_range=(1, 2))
    words.token_pattern = r"(?u)\b\w+\b"  # one-letter words are tokens too
    with pytest.raises(NotCompilable, match="default word tokens"):
        CompiledClassifier(_fit(FeatureUnion([("word", words)])))


def test_the_scorer_gives_sklearn_verdicts(shipped_model: SpamClassifier) -> None:
    artifact = Artifact(shipped_model, {"version": "v", "cutoffs": {"ham": 0.2, "spam": 0.9}})
    fast = Scorer(artifact)
    assert fast.compiled is not None
    texts = SHIPPED[:50]
    expected = shipped_model.predict_proba(texts)
    for verdict, p in zip(fast.check(texts), expected, strict=True):
        # the scorer keeps a probability off 0 and 1 (model.scorer.bounded)
        assert verdict.score == pytest.approx(bounded(float(p)), abs=TOLERANCE)
        assert verdict.verdict == artifact.cutoffs.verdict(bounded(float(p)))
