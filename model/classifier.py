"""The trained spam classifier: calibrated probabilities and the reasons behind them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.pipeline import Pipeline


@dataclass(frozen=True)
class Reason:
    """One feature that pushed the score, in words a moderator understands."""

    code: str
    message: str
    weight: float

    def to_dict(self) -> dict[str, object]:
        """Return the reason as JSON-ready data."""
        return {"code": self.code, "message": self.message, "weight": round(self.weight, 3)}


FRAGMENT = 'contains the text fragment "{}"'
_EDGES = ".,;:!?\"'()[]{}<>"


def _describe(name: str, direction: str) -> tuple[str, str]:
    """Turn a feature name such as ``word__check out`` into a code and a sentence."""
    block, _, term = name.partition("__")
    if block == "word":
        return f"{direction}_words", f'uses the words "{term}"'
    if block == "char":
        return f"{direction}_fragment", FRAGMENT.format(term.strip())
    return f"{direction}_{block}", term


def in_words(reason: Reason, prepared: str) -> Reason:
    """Name the word a text fragment was read in: "rior" says little, "superior" says more.

    ``prepared`` is the text as the model read it (normalised, lowercased).
    """
    if not reason.code.endswith("_fragment"):
        return reason
    fragment = reason.message.removeprefix(FRAGMENT.format("")[:-1]).removesuffix('"')
    word = next((w for w in prepared.split() if fragment in w and w != fragment), None)
    if word is None:
        return reason
    return Reason(reason.code, f'{reason.message} (in "{word.strip(_EDGES)}")', reason.weight)


def telling(name: str) -> bool:
    """Return whether a feature is worth a moderator's reading as a reason.

    Stop words ('uses the words "is"') and fragments of fewer than three letters or digits
    (', ', 'd') weigh in the score but say nothing about the comment.
    """
    block, _, term = name.partition("__")
    if block == "word":
        return any(w not in ENGLISH_STOP_WORDS for w in term.split())
    if block == "char":
        return sum(ch.isalnum() for ch in term) >= 3 and term.strip() not in ENGLISH_STOP_WORDS
    return True


@dataclass(frozen=True)
class Platt:
    """Sigmoid calibration of a decision value: P = 1 / (1 + exp(-(a * d + b + r))).

    ``r`` is the log-odds of the comment's relevance to its post (model/relevance.py):
    ``on_topic`` when it shares a content word with the post's title, else 0. A model saved
    before relevance existed has no ``on_topic`` in its pickle and reads it as 0.
    """

    a: float
    b: float
    on_topic: float = 0.0

    def offsets(self, relevance: np.ndarray | None, n: int) -> np.ndarray:
        """Return the relevance log-odds of ``n`` comments (model.relevance.on_topic)."""
        if relevance is None:
            return np.zeros(n)
        return self.on_topic * np.asarray(relevance, dtype=np.float64)

    def __call__(self, decision: np.ndarray, relevance: np.ndarray | None = None) -> np.ndarray:
        """Map decision values (and relevance, if given) to calibrated probabilities."""
        offsets = self.offsets(relevance, len(decision))
        return 1.0 / (1.0 + np.exp(-(self.a * decision + self.b + offsets)))


class SpamClassifier:
    """A fitted text pipeline plus its calibration: P(spam) for comment texts, and why."""

    def __init__(self, pipeline: Pipeline, calibration: Platt) -> None:
        self.pipeline = pipeline
        self.calibration = calibration
        self.feature_names = pipeline.named_steps["features"].get_feature_names_out()

    def predict_proba(
        self, texts: Sequence[str], relevance: np.ndarray | None = None
    ) -> np.ndarray:
        """Return the calibrated probability of spam for each text.

        ``relevance`` says which texts are on topic for their post (model.relevance.on_topic).
        """
        return self.calibration(self.pipeline.decision_function(list(texts)), relevance)

    def explain(self, text: str, limit: int = 3) -> list[Reason]:
        """Return the features that pushed this text's score most, strongest first.

        Features pushing towards spam are listed when the text leans spam, towards ham
        otherwise, so the reasons always support the verdict.
        """
        return self.explain_both(text, limit, 0)[0]

    def explain_both(
        self, text: str, limit: int = 3, against: int = 0
    ) -> tuple[list[Reason], list[Reason]]:
        """Return explain()'s reasons and up to ``against`` of the strongest the other way."""
        steps = self.pipeline.named_steps
        row = steps["features"].transform(steps["normalise"].transform([text])).tocsr()
        coef = steps["classifier"].coef_[0]
        contrib = row.data * coef[row.indices]
        sign = 1.0 if contrib.sum() + steps["classifier"].intercept_[0] >= 0 else -1.0
        return (
            self._strongest(row.indices, contrib, sign, limit),
            self._strongest(row.indices, contrib, -sign, against),
        )

    def _strongest(
        self, columns: np.ndarray, contrib: np.ndarray, sign: float, limit: int
    ) -> list[Reason]:
        """Return up to ``limit`` telling features pushing towards ``sign``, strongest first."""
        direction = "spam" if sign > 0 else "ham"
        reasons: list[Reason] = []
        shown: list[str] = []
        for i in np.argsort(-sign * contrib, kind="stable"):
            if len(reasons) >= limit or sign * contrib[i] <= 0:
                break
            name = str(self.feature_names[columns[i]])
            term = name.partition("__")[2].strip()
            # "out" adds nothing once "check out" is shown
            if not telling(name) or any(term in earlier for earlier in shown):
                continue
            shown.append(term)
            code, message = _describe(name, direction)
            reasons.append(Reason(code, message, float(contrib[i])))
        return reasons
