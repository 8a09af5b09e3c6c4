"""Restraint: punctuation and repetition alone never remove a comment.

Readers repeat themselves ("ha, ha, ha!!!!") as much as spammers do. A comment with no link,
no contact and no money in it is not removed when the repetition group (repeated phrases,
characters, punctuation, emoji) is what put it at or above the spam cutoff: it is unsure.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from model.classifier import Reason
from model.evidence import SignalWeights
from model.signals import values
from model.text import find_urls

REPETITION = "repetition"
PAYLOAD = ("links", "contact", "money")
"""The groups that show what a comment promotes: any of them fired, and restraint is off."""

RESTRAINED = "restrained_repetition"


class Restraint:
    """The repetition group's share of a fitted classifier's decision value, and the rule."""

    def __init__(self, weights: SignalWeights) -> None:
        self.weights = weights

    def hold(self, prepared: str, score: float, spam_cutoff: float) -> Reason | None:
        """Return why a spam verdict must be unsure instead, or None when it stands.

        ``prepared`` is the normalised, lowercased text the model read.
        """
        if score < spam_cutoff or REPETITION not in self.weights.coef:
            return None
        if find_urls(prepared) or any(values(prepared, PAYLOAD)):
            return None
        share = self.weights.share(prepared, [REPETITION])
        if share <= 0:
            return None
        logit = np.log(score / (1.0 - score)) if score < 1.0 else 40.0
        without = float(expit(logit - self.weights.calibration.a * share))
        if without >= spam_cutoff:
            return None
        return Reason(
            RESTRAINED,
            "only repetition or punctuation made it spam, and it has no link, contact or money",
            share,
        )
