"""The hand-made signal groups' share of a fitted classifier's decision value.

The signals (model/signals.py) read links, contacts, money, obfuscation and repetition the same
in every script, so their share is the evidence the model has even for a comment in a language
it cannot read. Restraint weighs the repetition group alone (model/restraint.py); the reading
rule weighs them all (model/reading.py), and asks whether any of them is an ask: phone
numbers and links are in operators' bills as much as in spam, "write me on Telegram" is not.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import expit
from sklearn.pipeline import FeatureUnion

from model.classifier import SpamClassifier
from model.signals import GROUPS, values

ASKS = {
    "contact": (
        "names a messaging app or links to a chat",
        "asks to call, text or contact",
        "gives a messenger handle (@name)",
    ),
    "money": (
        "money-making words",
        "recovery or hacking scam words",
        "pharma, diet or other product-spam words",
    ),
    "promotion": GROUPS["promotion"][0],
}
"""The signals that ask the reader for something (to write, earn, buy, visit, subscribe)."""


class SignalWeights:
    """Each signal group's weighted coefficients in a fitted classifier."""

    def __init__(self, classifier: SpamClassifier) -> None:
        self.calibration = classifier.calibration
        self.coef: dict[str, np.ndarray] = {}
        self.intercept = 0.0
        union = classifier.pipeline.named_steps.get("features")
        if isinstance(union, FeatureUnion):
            linear = classifier.pipeline.steps[-1][1]
            self.intercept = float(linear.intercept_[0])
            coef = np.asarray(linear.coef_[0], dtype=np.float64)
            names = [str(n) for n in classifier.feature_names]
            weights = union.transformer_weights or {}
            for group, (features, _) in GROUPS.items():
                columns = [i for i, n in enumerate(names) if n.startswith(f"{group}__")]
                if len(columns) == len(features):
                    self.coef[group] = coef[columns] * float(weights.get(group, 1.0))
        # Every group's features in one row, for clear_spam: their weights, which of them ask.
        self._groups = list(self.coef)
        self._all = np.concatenate([self.coef[g] for g in self._groups] or [np.zeros(0)])
        self._asks = np.array(
            [name in ASKS.get(g, ()) for g in self._groups for name in GROUPS[g][0]], dtype=bool
        )

    def share(self, prepared: str, groups: Sequence[str]) -> float:
        """Return the groups' part of the decision value of a normalised, lowercased text."""
        known = [g for g in groups if g in self.coef]
        if not known:
            return 0.0
        return float(np.dot(values(prepared, known), np.concatenate([self.coef[g] for g in known])))

    def clear_spam(self, prepared: str, cutoff: float) -> bool:
        """Return whether the signals alone make a text spam: one asks, and they reach ``cutoff``.

        The probability is the calibrated one of the signals' share and the intercept.
        """
        found = np.array(values(prepared, self._groups), dtype=np.float64)
        if not (found[self._asks] > 0).any():
            return False
        decision = self.intercept + float(np.dot(found, self._all))
        return bool(expit(self.calibration.a * decision + self.calibration.b) >= cutoff)
