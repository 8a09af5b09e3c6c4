"""The hand-made signal groups' share of a fitted classifier's decision value.

The signals (model/signals.py) read links, contacts, money, obfuscation and repetition the same
in every script, so their share is the evidence the model has even for a comment in a language
it cannot read. Restraint weighs the repetition group alone (model/restraint.py); the reading
rule weighs them all (model/reading.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import expit
from sklearn.pipeline import FeatureUnion

from model.classifier import SpamClassifier
from model.signals import GROUPS, values


class SignalWeights:
    """Each signal group's weighted coefficients in a fitted classifier."""

    def __init__(self, classifier: SpamClassifier) -> None:
        self.calibration = classifier.calibration
        self.coef: dict[str, np.ndarray] = {}
        self.intercept = 0.0
        union = classifier.pipeline.named_steps.get("features")
        if not isinstance(union, FeatureUnion):
            return
        linear = classifier.pipeline.steps[-1][1]
        self.intercept = float(linear.intercept_[0])
        coef = np.asarray(linear.coef_[0], dtype=np.float64)
        names = [str(n) for n in classifier.feature_names]
        weights = union.transformer_weights or {}
        for group, (features, _) in GROUPS.items():
            columns = [i for i, n in enumerate(names) if n.startswith(f"{group}__")]
            if len(columns) == len(features):
                self.coef[group] = coef[columns] * float(weights.get(group, 1.0))

    def share(self, prepared: str, groups: Sequence[str]) -> float:
        """Return the groups' part of the decision value of a normalised, lowercased text."""
        known = [g for g in groups if g in self.coef]
        if not known:
            return 0.0
        return float(np.dot(values(prepared, known), np.concatenate([self.coef[g] for g in known])))

    def probability(self, prepared: str) -> float:
        """Return the calibrated probability of spam on the signals alone (and the intercept)."""
        decision = self.intercept + self.share(prepared, list(self.coef))
        return float(expit(self.calibration.a * decision + self.calibration.b))
