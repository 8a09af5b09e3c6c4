"""The standard training recipe: dedupe, fit, calibrate, choose cutoffs on held-out scores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_expit
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline

from model.artifact import COMMENT_TYPE, Cutoffs
from model.classifier import Platt, SpamClassifier
from model.features import build_pipeline, normalise_all
from model.language import languages
from model.relevance import on_topic, titled
from training.datasets import Example, dedupe
from training.metrics import choose_cutoffs, evaluate

FOLDS = 5
# A comment type other than plain comments gets cutoffs of its own once it has this many
# labelled examples, with at least TYPE_MIN_PER_CLASS of spam and of ham (rspamd and
# SpamBayes wait for about 200 before trusting what was learnt).
TYPE_MIN_EXAMPLES = 200
TYPE_MIN_PER_CLASS = 20
# The prior of the relevance log-odds: normal with this standard deviation, so relevance
# learnt from few titled comments gets a small weight rather than an extreme one.
RELEVANCE_PRIOR_SD = 2.0


@dataclass
class TrainedModel:
    """A fitted classifier with its cutoffs and what it was trained on."""

    classifier: SpamClassifier
    cutoffs: Cutoffs
    validation: dict[str, Any]
    counts: dict[str, Any]
    cutoffs_by_type: dict[str, Cutoffs] = field(default_factory=dict)


def _cross_validate(
    features: Any,
    labels: np.ndarray,
    groups: list[str],
    weights: np.ndarray,
    seed: int,
    classifier: Any,
) -> tuple[np.ndarray, Any]:
    """Return out-of-fold decision values and the average of the fold classifiers.

    Folding by source (a video, a site) makes every held-out score one for a comment
    section the model never saw, which is what a new blog is: the calibration and the
    cutoffs learn how confident to be across sites, not within one. The published
    classifier is the fold classifiers' average (one linear model), so that calibration
    fits it; a refit on everything is more confident than its held-out scores say, and
    removed legitimate comments on a new site.
    """
    if len(set(groups)) >= 3:
        splits = GroupKFold(n_splits=min(FOLDS, len(set(groups)))).split(features, labels, groups)
    else:
        splits = StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(features, labels)
    decisions = np.zeros(len(labels))
    folds = []
    for fit_rows, held_rows in splits:
        fold = clone(classifier).fit(
            features[fit_rows], labels[fit_rows], sample_weight=weights[fit_rows]
        )
        decisions[held_rows] = fold.decision_function(features[held_rows])
        folds.append(fold)
    average = folds[0]
    average.coef_ = np.mean([f.coef_ for f in folds], axis=0)
    average.intercept_ = np.mean([f.intercept_ for f in folds], axis=0)
    return decisions, average


def train(
    examples: Sequence[Example],
    seed: int = 0,
    progress: Callable[[str], None] = lambda _: None,
    build: Callable[[], Pipeline] = build_pipeline,
) -> TrainedModel:
    """Fit on the examples; calibrate and choose cutoffs on out-of-fold scores.

    Each example counts with its weight in the fit and in the calibration.
    """
    unique = dedupe(examples)
    texts = [e.text for e in unique]
    labels = np.array([e.label for e in unique])
    groups = [e.source for e in unique]
    weights = np.array([e.weight for e in unique])
    progress(f"cross-validating on {len(texts)} unique comments")
    # The feature blocks learn no labels (vocabulary and IDF only), so they are fitted once
    # on every text and only the classifier is cross-validated: a fifth of the time, and a
    # held-out comment's own n-grams get no weight from a fold that did not see them.
    pipeline = build()
    features = pipeline[:-1].fit_transform(texts)
    decisions, classifier = _cross_validate(
        features, labels, groups, weights, seed, pipeline.steps[-1][1]
    )
    pipeline.steps[-1] = (pipeline.steps[-1][0], classifier)
    titles = [e.title for e in unique]
    related = on_topic(texts, titles)
    calibration = _calibrate(decisions, labels, weights, related, titled(titles))
    scores = calibration(decisions)
    cutoffs = choose_cutoffs(labels, scores, weights)
    validation = evaluate(labels, scores, cutoffs)
    progress(f"cutoffs ham<{cutoffs.ham:.2f} spam>={cutoffs.spam:.2f}")
    by_type = _cutoffs_by_type([e.kind for e in unique], labels, scores, weights)
    for kind, c in by_type.items():
        progress(f"cutoffs for {kind}: ham<{c.ham:.2f} spam>={c.spam:.2f}")
    counts = {
        "examples": len(examples),
        "unique": len(unique),
        "spam": int(labels.sum()),
        "ham": int(len(labels) - labels.sum()),
        "sources": dict(Counter(groups)),
        # The scorer holds a comment in a language with too few of these (model/reading.py).
        "languages": dict(languages(normalise_all(texts)).most_common()),
    }
    return TrainedModel(SpamClassifier(pipeline, calibration), cutoffs, validation, counts, by_type)


def predict(classifier: SpamClassifier, examples: Sequence[Example]) -> np.ndarray:
    """Return the calibrated probability of spam of each example, on topic for its title or not."""
    texts = [e.text for e in examples]
    return classifier.predict_proba(texts, on_topic(texts, [e.title for e in examples]))


def _calibrate(
    decisions: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    related: np.ndarray,
    has_title: np.ndarray,
) -> Platt:
    """Fit Platt's sigmoid on every comment, then the log-odds of being on topic on top.

    The sigmoid is fitted as before on all out-of-fold values, so a comment without a title
    is scored exactly as without relevance. On the comments with a title, with the sigmoid's
    logit held fixed (an offset), a logistic regression with a normal prior fits two terms:
    one for every titled comment, one for an on-topic comment. Only the second is kept: the
    first says how the titled comments (in the shipped data, YouTube's) differ from the rest
    of the mix, not how relevance does, and would push every titled comment off topic.
    """
    platt_fit = LogisticRegression(C=1e6).fit(
        decisions.reshape(-1, 1), labels, sample_weight=weights
    )
    a, b = float(platt_fit.coef_[0, 0]), float(platt_fit.intercept_[0])
    rows = has_title
    if not related[rows].any() or related[rows].all():
        return Platt(a, b)
    x = np.column_stack([np.ones(rows.sum()), related[rows]])
    y, w, base = labels[rows], weights[rows], a * decisions[rows] + b

    def loss(terms: np.ndarray) -> tuple[float, np.ndarray]:
        z = base + x @ terms
        nll = -np.sum(w * (y * log_expit(z) + (1 - y) * log_expit(-z)))
        residual = w * (np.exp(log_expit(z)) - y)
        prior = RELEVANCE_PRIOR_SD**2
        return float(nll + terms @ terms / (2 * prior)), x.T @ residual + terms / prior

    fitted = minimize(loss, np.zeros(2), jac=True, method="L-BFGS-B")
    return Platt(a, b, on_topic=float(fitted.x[1]))


def _cutoffs_by_type(
    kinds: list[str], labels: np.ndarray, scores: np.ndarray, weights: np.ndarray
) -> dict[str, Cutoffs]:
    """Return cutoffs chosen on each comment type that has enough labels of both classes.

    Plain comments use the global cutoffs; a trackback or a contact-form message has its own
    base rate of spam, so the best cutoffs for it differ once there is evidence of that.
    """
    kind_array = np.array(kinds)
    chosen = {}
    for kind in sorted(set(kinds) - {COMMENT_TYPE}):
        rows = kind_array == kind
        spam = int(labels[rows].sum())
        if rows.sum() >= TYPE_MIN_EXAMPLES and min(spam, rows.sum() - spam) >= TYPE_MIN_PER_CLASS:
            chosen[kind] = choose_cutoffs(labels[rows], scores[rows], weights[rows])
    return chosen
