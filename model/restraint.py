"""Restraint: punctuation and repetition alone never remove a comment.

Readers repeat themselves ("ha, ha, ha!!!!") as much as spammers do. A comment with no link,
no contact and no money in it is not removed when the repetition group (repeated phrases,
characters, punctuation, emoji) is what put it at or above the spam cutoff: it is unsure.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit
from sklearn.pipeline import FeatureUnion

from model.classifier import Reason, SpamClassifier
from model.signals import GROUPS, values
from model.text import find_urls

REPETITION = "repetition"
PAYLOAD = ("links", "contact", "money")
"""The groups that show what a comment promotes: any of them fired, and restraint is off."""

RESTRAINED = "restrained_repetition"


class Restraint:
    """The repetition group's share of a fitted classifier's decision value, and the rule."""

    def __init__(self, classifier: SpamClassifier) -> None:
        self.calibration = classifier.calibration
        self.coef = np.zeros(0)
        union = classifier.pipeline.named_steps.get("features")
        names = [str(n) for n in classifier.feature_names]
        if not isinstance(union, FeatureUnion):
            return
        weight = float((union.transformer_weights or {}).get(REPETITION, 1.0))
        prefix = f"{REPETITION}__"
        columns = [i for i, n in enumerate(names) if n.startswith(prefix)]
        if len(columns) != len(GROUPS[REPETITION][0]):
            return
        linear = classifier.pipeline.steps[-1][1]
        self.coef = np.asarray(linear.coef_[0], dtype=np.float64)[columns] * weight

    def hold(self, prepared: str, score: float, spam_cutoff: float) -> Reason | None:
        """Return why a spam verdict must be unsure instead, or None when it stands.

        ``prepared`` is the normalised, lowercased text the model read.
        """
        if score < spam_cutoff or not len(self.coef):
            return None
        if find_urls(prepared) or any(values(prepared, PAYLOAD)):
            return None
        share = float(np.dot(values(prepared, [REPETITION]), self.coef))
        if share <= 0:
            return None
        logit = np.log(score / (1.0 - score)) if score < 1.0 else 40.0
        without = float(expit(logit - self.calibration.a * share))
        if without >= spam_cutoff:
            return None
        return Reason(
            RESTRAINED,
            "only repetition or punctuation made it spam, and it has no link, contact or money",
            share,
        )
