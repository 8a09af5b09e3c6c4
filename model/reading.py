"""The reading rule: a comment the model cannot read is never decided on its score alone.

A ``ham`` verdict needs evidence. A comment in a language the model has too few labels in,
or most of whose words it has never seen, gets ``unsure`` instead, with a reason that names
what is missing. Nor is such a comment removed on what the n-grams make of its few Latin
tokens ("https", "com", digits): it is ``spam`` only when the signals that work in any script
(links, contacts, money, obfuscation, repetition; model/evidence.py) alone reach
``unread_spam`` and one of them asks for something (to write, earn, buy, visit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from model.classifier import Reason, SpamClassifier
from model.coverage import Coverage
from model.evidence import SignalWeights
from model.features import normalise_all
from model.language import UNDETERMINED, Language, identify

UNREAD_LANGUAGE = "unread_language"
UNREAD_COVERAGE = "unread_coverage"


@dataclass(frozen=True)
class ReadingRule:
    """When a comment is held for review because the model cannot read it.

    The service sets these from service/defaults.py (MIN_LANGUAGE_LABELS, MIN_COVERAGE,
    MIN_LANGUAGE_CONFIDENCE); the defaults here are the same, for training and evaluation.
    """

    min_labels: int = 100
    min_coverage: float = 0.35
    min_confidence: float = 0.8
    coverage_words: int = 4
    """The coverage rule needs this many distinct words: two names are no language."""
    known_language: float = 0.7
    """A comment whose words the model knows this well is read, whatever the detector says."""
    unread_spam: float = 0.999
    """An unread comment is spam only when one of its signals asks for something and the
    signals alone give it this probability (model/evidence.py, docs/model.md)."""

    def hold(
        self,
        language: Language,
        coverage: tuple[float, int] | None,
        labelled: Mapping[str, int] | None,
    ) -> Reason | None:
        """Return why a comment must not be published unread, or None if the model can read it.

        ``coverage`` is the share of the comment's distinct words the model knows and their
        number (model/coverage.py). ``labelled`` is the model's training comments per
        language (None: not recorded, as in models trained before languages were counted;
        then only coverage is judged).
        """
        code = language.code
        share, words = coverage if coverage is not None else (1.0, 0)
        if (
            labelled is not None
            and code != UNDETERMINED
            and language.confidence >= self.min_confidence
            and labelled.get(code, 0) < self.min_labels
            # SMS slang comes back as German or Italian at 0.8 or more; its words are known.
            and share < self.known_language
        ):
            n = labelled.get(code, 0)
            return Reason(
                UNREAD_LANGUAGE,
                f"written in {language.name}; the model has {n} labelled {language.name}"
                f" comments (it needs {self.min_labels} to decide on its own)",
                0.0,
            )
        if words >= self.coverage_words and share < self.min_coverage:
            return Reason(
                UNREAD_COVERAGE,
                f"the model knows {share:.0%} of its words (it needs {self.min_coverage:.0%}"
                " to decide on its own)",
                0.0,
            )
        return None


def settled(verdict: str, hold: Reason | None) -> str:
    """Return the verdict with the reading rule applied: an unread ``ham`` is ``unsure``."""
    return "unsure" if verdict == "ham" and hold is not None else verdict


def held(
    classifier: SpamClassifier,
    labelled: Mapping[str, int] | None,
    texts: Sequence[str],
    rule: ReadingRule | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return which raw texts the rule holds, and which of those the signals alone call spam.

    As the scorer does, for evaluation: a held text is never ham, and spam only if clear.
    """
    rule = rule or ReadingRule()
    coverage = Coverage.of(classifier.pipeline)
    weights = SignalWeights(classifier)
    prepared = normalise_all(texts)
    measures = coverage.measures(prepared) if coverage else [None] * len(texts)
    hold = np.array(
        [
            rule.hold(identify(t), measured, labelled) is not None
            for t, measured in zip(prepared, measures, strict=True)
        ],
        dtype=bool,
    )
    clear = np.array(
        [
            h and weights.clear_spam(t, rule.unread_spam)
            for t, h in zip(prepared, hold.tolist(), strict=True)
        ],
        dtype=bool,
    )
    return hold, clear
