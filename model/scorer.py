"""Scoring: a calibrated score, a three-way verdict and its reasons for each comment."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scipy.special import expit, logit

from model.artifact import COMMENT_TYPE, Artifact, Cutoffs
from model.classifier import Reason, in_words
from model.coverage import Coverage
from model.evidence import SignalWeights
from model.fast import CompiledClassifier, NotCompilable
from model.features import normalise_all
from model.language import UNDETERMINED, Language, identify
from model.reading import ReadingRule, settled
from model.relevance import on_topic, shared_words
from model.restraint import Restraint
from model.text import without_post_links

log = logging.getLogger(__name__)

AGAINST = 2
"""A ham or unsure verdict also lists this many of the strongest features pointing to spam
(an unsure one leaning spam: to ham): a moderator weighs the evidence both ways."""
READING = "reading"


def bounded(p: float) -> float:
    """Return a probability kept off 0 and 1: the model is never certain, so a cutoff of 0 or 1
    never decides, and a logit of it is finite."""
    return min(max(p, 1e-6), 1 - 1e-6)


@dataclass(frozen=True)
class Verdict:
    """What the model says about one comment."""

    score: float
    verdict: str
    reasons: list[Reason]
    language: Language | None = None
    coverage: float | None = None
    hold: Reason | None = None
    """Why the model cannot read the comment (model/reading.py): then it is never ham."""

    def settled(self) -> Verdict:
        """Return the verdict with the reading rule applied (an unread ham is unsure)."""
        verdict = settled(self.verdict, self.hold)
        if verdict == self.verdict:
            return self
        assert self.hold is not None
        reasons = [self.hold, *(r for r in self.reasons if r != self.hold)]
        return Verdict(self.score, verdict, reasons, self.language, self.coverage, self.hold)

    def fields(self) -> dict[str, Any]:
        """Return the language and coverage as an answer's JSON fields."""
        return {
            "language": self.language.to_dict() if self.language else None,
            "coverage": None if self.coverage is None else round(self.coverage, 3),
        }


class Scorer:
    """Score comments with a loaded artifact at given cutoffs.

    The artifact's classifier is compiled once, here, into the fast path; a pipeline the
    compiler cannot reproduce exactly is scored by sklearn instead. A comment type with
    cutoffs of its own (``by_type``, by default the artifact's) is judged at those. A
    comment the model cannot read (``reading``) is never ham.
    """

    def __init__(
        self,
        artifact: Artifact,
        cutoffs: Cutoffs | None = None,
        reasons: int = 3,
        by_type: Mapping[str, Cutoffs] | None = None,
        reading: ReadingRule | None = None,
    ):
        self.artifact = artifact
        self.reading = reading or ReadingRule()
        counted = artifact.manifest.get("training_counts", {}).get("languages")
        self.labelled: dict[str, int] | None = dict(counted) if counted is not None else None
        self.coverage = Coverage.of(artifact.classifier.pipeline)
        self.weights = SignalWeights(artifact.classifier)
        self.restraint = Restraint(self.weights)
        self.cutoffs = cutoffs or artifact.cutoffs
        self.by_type = dict(artifact.cutoffs_by_type if by_type is None else by_type)
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

    def cutoffs_for(self, kind: str | None) -> Cutoffs:
        """Return the cutoffs of a comment type: its own if it has some, else the global ones."""
        return self.by_type.get(kind or COMMENT_TYPE, self.cutoffs)

    def check(
        self,
        texts: Sequence[str],
        post_urls: Sequence[str | None] | None = None,
        kinds: Sequence[str | None] | None = None,
        titles: Sequence[str | None] | None = None,
    ) -> list[Verdict]:
        """Return a verdict for each text, scored in one batch.

        ``post_urls`` are the URLs of the posts the comments sit under (None where unknown):
        a link to its own post is taken out of a comment before scoring, as in training.
        ``kinds`` are the comment types (None: a plain comment), which choose the cutoffs.
        ``titles`` are the posts' titles (None where unknown): the comment's relevance to
        its post moves the score, and is a reason where it changed the verdict.
        """
        if post_urls is not None:
            texts = [without_post_links(t, url) for t, url in zip(texts, post_urls, strict=True)]
        cutoffs = [self.cutoffs_for(k) for k in (kinds or [None] * len(texts))]
        related = on_topic(texts, titles) if titles is not None else None
        offsets = self.artifact.classifier.calibration.offsets(related, len(texts)).tolist()
        if self.compiled is not None:
            prepared = self.compiled.prepare(texts)
            assessed = [
                (a.score, a.reasons, a.against)
                for a in self.compiled.assess_many(texts, self.reasons, related, prepared, AGAINST)
            ]
        else:
            classifier = self.artifact.classifier
            assessed = [
                (float(s), *classifier.explain_both(t, self.reasons, AGAINST))
                for t, s in zip(texts, classifier.predict_proba(texts, related), strict=True)
            ]
            prepared = normalise_all(texts)
        measures = self.coverage.measures(prepared) if self.coverage else [None] * len(texts)
        verdicts = []
        for i, ((raw, reasons, against), c) in enumerate(zip(assessed, cutoffs, strict=True)):
            score = bounded(raw)
            verdict = c.verdict(score)
            restrained = self.restraint.hold(prepared[i], score, c.spam)
            if restrained is not None:
                verdict, reasons = "unsure", [restrained, *reasons]
            if offsets[i] and c.verdict(float(expit(logit(score) - offsets[i]))) != verdict:
                title = titles[i] if titles is not None else None
                reasons = [_relevance_reason(texts[i], title, offsets[i]), *reasons]
            language = identify(prepared[i])
            measured = measures[i]
            hold = self.reading.hold(language, measured, self.labelled)
            if (
                hold is not None
                and verdict == "spam"
                and not self.weights.clear_spam(prepared[i], self.reading.unread_spam)
            ):
                verdict, reasons = "unsure", [hold, *reasons]
            coverage = measured[0] if measured is not None else None
            if verdict != "spam":
                reasons = [*reasons, *against]
                if hold is None:
                    reasons.append(_reading_reason(language, coverage))
            reasons = [in_words(r, prepared[i]) for r in reasons]
            verdicts.append(Verdict(score, verdict, reasons, language, coverage, hold).settled())
        return verdicts


def _reading_reason(language: Language, coverage: float | None) -> Reason:
    """Return what the model read of a comment: its language and the share of known words."""
    read = (
        "language not determined"
        if language.code == UNDETERMINED
        else f"written in {language.name} ({language.script})"
    )
    if coverage is not None:
        read += f"; the model knows {coverage:.0%} of its words"
    return Reason(READING, read, 0.0)


def _relevance_reason(text: str, title: str | None, offset: float) -> Reason:
    """Return the reason naming the words the comment shares with its post's title."""
    words = ", ".join(shared_words(text, title))
    return Reason("relevance_on_topic", f'shares the words "{words}" with the post title', offset)
