"""The standard training recipe: dedupe, fit, calibrate, choose cutoffs on held-out scores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline

from model.artifact import COMMENT_TYPE, Cutoffs
from model.classifier import Platt, SpamClassifier
from model.features import build_pipeline
from training.datasets import Example, dedupe
from training.metrics import choose_cutoffs, evaluate

FOLDS = 5
# A comment type other than plain comments gets cutoffs of its own once it has this many
# labelled examples, with at least TYPE_MIN_PER_CLASS of spam and of ham (rspamd and
# SpamBayes wait for about 200 before trusting what was learnt).
TYPE_MIN_EXAMPLES = 200
TYPE_MIN_PER_CLASS = 20


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
    platt_fit = LogisticRegression(C=1e6).fit(
        decisions.reshape(-1, 1), labels, sample_weight=weights
    )
    calibration = Platt(a=float(platt_fit.coef_[0, 0]), b=float(platt_fit.intercept_[0]))
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
    }
    return TrainedModel(SpamClassifier(pipeline, calibration), cutoffs, validation, counts, by_type)


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
