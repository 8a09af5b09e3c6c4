"""The standard training recipe: dedupe, fit, calibrate, choose cutoffs on held-out scores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from model.artifact import Cutoffs
from model.classifier import Platt, SpamClassifier
from model.features import build_pipeline
from training.datasets import Example, dedupe
from training.metrics import choose_cutoffs, evaluate

FOLDS = 5


@dataclass
class TrainedModel:
    """A fitted classifier with its cutoffs and what it was trained on."""

    classifier: SpamClassifier
    cutoffs: Cutoffs
    validation: dict[str, Any]
    counts: dict[str, Any]


def _held_out_decisions(
    features: Any,
    labels: np.ndarray,
    groups: list[str],
    weights: np.ndarray,
    seed: int,
    classifier: Any,
) -> np.ndarray:
    """Return out-of-fold decision values, folding by source when there are several.

    Folding by source (a video, a site) makes every held-out score one for a comment
    section the model never saw, which is what a new blog is: the calibration and the
    cutoffs learn how confident to be across sites, not within one.
    """
    if len(set(groups)) >= 3:
        splits = GroupKFold(n_splits=min(FOLDS, len(set(groups)))).split(features, labels, groups)
    else:
        splits = StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(features, labels)
    return cross_val_predict(
        clone(classifier),
        features,
        labels,
        cv=list(splits),
        method="decision_function",
        params={"sample_weight": weights},
    )


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
    decisions = _held_out_decisions(features, labels, groups, weights, seed, pipeline[-1])
    platt_fit = LogisticRegression(C=1e6).fit(
        decisions.reshape(-1, 1), labels, sample_weight=weights
    )
    calibration = Platt(a=float(platt_fit.coef_[0, 0]), b=float(platt_fit.intercept_[0]))
    scores = calibration(decisions)
    cutoffs = choose_cutoffs(labels, scores, weights)
    validation = evaluate(labels, scores, cutoffs)
    progress(f"cutoffs ham<{cutoffs.ham:.2f} spam>={cutoffs.spam:.2f}; fitting on all")
    pipeline[-1].fit(features, labels, sample_weight=weights)
    counts = {
        "examples": len(examples),
        "unique": len(unique),
        "spam": int(labels.sum()),
        "ham": int(len(labels) - labels.sum()),
        "sources": dict(Counter(groups)),
    }
    return TrainedModel(SpamClassifier(pipeline, calibration), cutoffs, validation, counts)
