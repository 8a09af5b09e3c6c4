"""Scoring: a calibrated score, a three-way verdict and its reasons for each comment."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from model.artifact import Artifact, Cutoffs
from model.classifier import Reason
from model.fast import CompiledClassifier, NotCompilable
from model.text import without_post_links

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """What the model says about one comment."""

    score: float
    verdict: str
    reasons: list[Reason]


class Scorer:
    """Score comments with a loaded artifact at given cutoffs.

    The artifact's classifier is compiled once, here, into the fast path; a pipeline the
    compiler cannot reproduce exactly is scored by sklearn instead.
    """

    def __init__(self, artifact: Artifact, cutoffs: Cutoffs | None = None, reasons: int = 3):
        self.artifact = artifact
        self.cutoffs = cutoffs or artifact.cutoffs
        self.reasons = reasons
        self.compiled: CompiledClassifier | None
        try:
            self.compiled = CompiledClassifier(artifact.classifier)
        except NotCompilable as e:
            log.warning("model %s is scored by sklearn, not the fast path: %s", self.version, e)
            self.compiled = None

    @property
    def version(self) -> str:
        """Return the model version that produced the verdicts."""
        return self.artifact.version

    def check(
        self, texts: Sequence[str], post_urls: Sequence[str | None] | None = None
    ) -> list[Verdict]:
        """Return a verdict for each text, scored in one batch.

        ``post_urls`` are the URLs of the posts the comments sit under (None where unknown):
        a link to its own post is taken out of a comment before scoring, as in training.
        """
        if post_urls is not None:
            texts = [without_post_links(t, url) for t, url in zip(texts, post_urls, strict=True)]
        if self.compiled is not None:
            return [
                Verdict(a.score, self.cutoffs.verdict(a.score), a.reasons)
                for a in self.compiled.assess_many(texts, self.reasons)
            ]
        scores = self.artifact.classifier.predict_proba(texts)
        return [
            Verdict(
                score=float(s),
                verdict=self.cutoffs.verdict(float(s)),
                reasons=self.artifact.classifier.explain(t, self.reasons),
            )
            for t, s in zip(texts, scores, strict=True)
        ]
