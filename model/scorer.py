"""Scoring: a calibrated score, a three-way verdict and its reasons for each comment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from model.artifact import Artifact, Cutoffs
from model.classifier import Reason


@dataclass(frozen=True)
class Verdict:
    """What the model says about one comment."""

    score: float
    verdict: str
    reasons: list[Reason]


class Scorer:
    """Score comments with a loaded artifact at given cutoffs."""

    def __init__(self, artifact: Artifact, cutoffs: Cutoffs | None = None, reasons: int = 3):
        self.artifact = artifact
        self.cutoffs = cutoffs or artifact.cutoffs
        self.reasons = reasons

    @property
    def version(self) -> str:
        """Return the model version that produced the verdicts."""
        return self.artifact.version

    def check(self, texts: Sequence[str]) -> list[Verdict]:
        """Return a verdict for each text, scored in one batch."""
        scores = self.artifact.classifier.predict_proba(texts)
        return [
            Verdict(
                score=float(s),
                verdict=self.cutoffs.verdict(float(s)),
                reasons=self.artifact.classifier.explain(t, self.reasons),
            )
            for t, s in zip(texts, scores, strict=True)
        ]
