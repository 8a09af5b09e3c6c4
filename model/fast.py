"""The fast path: a fitted SpamClassifier compiled into arrays and tables.

For one comment, building sparse matrices costs more than the arithmetic. A compiled model
keeps, for each TF-IDF block, how to find a text's n-grams among its terms (char_wb and word
n-grams with numpy, model/ngrams.py) and the idf and coefficient of each column, reproduces
the vectorizer's tf and norm, and sums the weights: the pipeline's probability, without
sklearn on the way. One text is scored with small numpy operations; a batch with a few
whole-batch ones. Any other feature block is asked for its own ``transform`` and dotted with
its slice of the coefficients.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import FunctionTransformer

from model.blocks import (
    Block,
    NotCompilable,
    Row,
    Shares,
    SignalsBlock,
    TfidfBlock,
    TransformBlock,
    width_of,
)

# _describe is the classifier's own wording of a feature: reasons read the same on both paths.
from model.classifier import Reason, SpamClassifier, _describe, telling
from model.features import UnknownAwareTfidf
from model.signals import TextSignals

# Reasons: candidates sorted per reason wanted (more only when skipped terms use them up),
# and the decimals at which two contributions count as tied (then the lower column first).
CANDIDATES_PER_REASON = 4
TIE_DECIMALS = 6
# Below this many texts, scoring them one by one beats whole-batch numpy operations.
SMALL_BATCH = 8


@dataclass(frozen=True)
class Assessment:
    """The compiled model's answer for one text."""

    score: float
    reasons: list[Reason]
    against: list[Reason] = field(default_factory=list)
    """The strongest features pushing the other way (``against`` of them were asked for)."""


class CompiledClassifier:
    """A SpamClassifier's probability and reasons, computed without sparse matrices."""

    def __init__(self, classifier: SpamClassifier) -> None:
        steps = classifier.pipeline.steps
        names = [name for name, _ in steps]
        if names[-2:] != ["features", "classifier"]:
            raise NotCompilable(f"pipeline steps {names} do not end in features, classifier")
        self.preprocess = [self._preprocessor(step) for _, step in steps[:-2]]
        union = steps[-2][1]
        linear = steps[-1][1]
        if not isinstance(union, FeatureUnion):
            raise NotCompilable("the features step is not a FeatureUnion")
        coef = getattr(linear, "coef_", None)
        if coef is None or coef.shape[0] != 1 or not hasattr(linear, "intercept_"):
            raise NotCompilable("the classifier is not a fitted binary linear model")
        coef = np.asarray(coef[0], dtype=np.float64)
        self.intercept = float(linear.intercept_[0])
        self.calibration = classifier.calibration
        self.feature_names = classifier.feature_names
        weights = union.transformer_weights or {}
        self.blocks: list[Block] = []
        signals = SignalsBlock()
        offset = 0
        for name, transformer in union.transformer_list:
            if transformer == "drop":
                continue
            if transformer == "passthrough":
                raise NotCompilable(f"block {name} is passthrough")
            width = width_of(transformer)
            part = coef[offset : offset + width]
            weight = float(weights.get(name, 1.0))
            if type(transformer) in (TfidfVectorizer, UnknownAwareTfidf):
                self.blocks.append(TfidfBlock(transformer, part, offset, weight))
            elif type(transformer) is TextSignals:
                if not signals.groups:
                    self.blocks.append(signals)
                signals.add(transformer, part, offset, weight)
            else:
                self.blocks.append(TransformBlock(transformer, part, offset, weight))
            offset += width
        if offset != len(coef):
            raise NotCompilable(f"blocks give {offset} columns, the classifier has {len(coef)}")

    @staticmethod
    def _preprocessor(step: Any) -> Callable[[list[str]], Any]:
        """Return the cheapest exact way to apply a pre-union step to a list of texts."""
        if type(step) is FunctionTransformer and not step.validate and step.func is not None:
            func, kwargs = step.func, step.kw_args or {}
            return lambda texts: func(texts, **kwargs)
        return step.transform  # type: ignore[no-any-return]

    def prepare(self, texts: Sequence[str]) -> list[str]:
        """Apply the pipeline's steps before the feature union."""
        prepared: Any = list(texts)
        for step in self.preprocess:
            prepared = step(prepared)
        return [str(t) for t in prepared]

    def decision(self, text: str, out: Row | None = None, prepared: str | None = None) -> float:
        """Return the linear model's decision value for one raw text (or its prepared form)."""
        if prepared is None:
            (prepared,) = self.prepare([text])
        return self.intercept + sum(b.contributions(prepared, out) for b in self.blocks)

    def probability(self, decision: float, offset: float = 0.0) -> float:
        """Return the calibrated probability of a decision value (plus relevance log-odds)."""
        a, b = self.calibration.a, self.calibration.b
        return float(expit(a * decision + b + offset))

    def predict_proba(
        self, texts: Sequence[str], relevance: np.ndarray | None = None
    ) -> np.ndarray:
        """Return the calibrated probability of spam for each text.

        ``relevance`` says which texts are on topic for their post (model.relevance.on_topic).
        """
        offsets = self.calibration.offsets(relevance, len(texts))
        if len(texts) < SMALL_BATCH:
            return np.array(
                [
                    self.probability(self.decision(t), o)
                    for t, o in zip(texts, offsets.tolist(), strict=True)
                ],
                dtype=np.float64,
            )
        _, decisions = self._batch(texts)
        return self._probabilities(decisions, offsets)

    def _probabilities(self, decisions: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Return the calibrated probabilities of decision values."""
        return np.asarray(
            expit(self.calibration.a * decisions + self.calibration.b + offsets), dtype=np.float64
        )

    def _batch(
        self, texts: Sequence[str], prepared: Sequence[str] | None = None
    ) -> tuple[list[Shares], np.ndarray]:
        """Return every block's shares and the decision values of a batch of texts."""
        if prepared is None:
            prepared = self.prepare(texts)
        found = [b.batch(prepared) for b in self.blocks]
        return found, self.intercept + sum((f.totals() for f in found), np.zeros(len(texts)))

    def assess(
        self,
        text: str,
        limit: int = 3,
        offset: float = 0.0,
        prepared: str | None = None,
        against: int = 0,
    ) -> Assessment:
        """Return the probability and the reasons, as SpamClassifier.explain gives them.

        ``offset`` is the text's relevance log-odds (Platt.offsets): it moves the probability,
        not the reasons, which are the text's. ``prepared`` is the text as ``prepare`` gives
        it, when the caller has it already. ``against``: how many of the strongest features
        pushing the other way follow the reasons.
        """
        row = Row()
        decision = self.decision(text, row, prepared)
        return Assessment(
            self.probability(decision, offset), *self._both(*row.arrays(), decision, limit, against)
        )

    def assess_many(
        self,
        texts: Sequence[str],
        limit: int = 3,
        relevance: np.ndarray | None = None,
        prepared: Sequence[str] | None = None,
        against: int = 0,
    ) -> list[Assessment]:
        """Return the probability and the reasons of each text, scored in one batch."""
        offsets = self.calibration.offsets(relevance, len(texts)).tolist()
        if len(texts) < SMALL_BATCH:
            ready = prepared if prepared is not None else [None] * len(texts)
            return [
                self.assess(t, limit, o, p, against)
                for t, o, p in zip(texts, offsets, ready, strict=True)
            ]
        found, decisions = self._batch(texts, prepared)
        rows = np.concatenate([f.rows for f in found])
        order = np.argsort(rows, kind="stable")
        starts = np.searchsorted(rows[order], np.arange(len(texts) + 1)).tolist()
        columns = np.concatenate([f.columns for f in found])[order]
        shares = np.concatenate([f.shares for f in found])[order]
        probabilities = self._probabilities(decisions, np.asarray(offsets)).tolist()
        assessments = []
        for k, (p, d) in enumerate(zip(probabilities, decisions.tolist(), strict=True)):
            a, b = starts[k], starts[k + 1]
            reasons = self._both(columns[a:b], shares[a:b], d, limit, against)
            assessments.append(Assessment(p, *reasons))
        return assessments

    def _both(
        self, columns: np.ndarray, shares: np.ndarray, decision: float, limit: int, against: int
    ) -> tuple[list[Reason], list[Reason]]:
        """Return the reasons supporting the decision, and ``against`` the other way."""
        sign = 1.0 if decision >= 0 else -1.0
        return self._reasons(columns, shares, sign, limit), self._reasons(
            columns, shares, -sign, against
        )

    def _reasons(
        self, columns: np.ndarray, shares: np.ndarray, sign: float, limit: int
    ) -> list[Reason]:
        """Return the strongest contributions supporting the verdict, as explain() does.

        Strongest first, ties (equal to TIE_DECIMALS) by column; a term contained in one
        already listed is skipped. Only the strongest few are sorted, unless skipping
        exhausts them.
        """
        if limit <= 0:
            return []
        wanted = limit * CANDIDATES_PER_REASON
        keep: slice | np.ndarray = slice(None)
        if len(shares) > wanted:
            signed = sign * shares
            weakest = np.partition(signed, len(signed) - wanted)[len(signed) - wanted]
            # Keep everything that may tie with the weakest candidate.
            keep = (signed >= weakest - 10.0**-TIE_DECIMALS).nonzero()[0]
        reasons, complete = self._listed(columns[keep], shares[keep], sign, limit)
        if not complete and not isinstance(keep, slice):
            reasons, _ = self._listed(columns, shares, sign, limit)
        return reasons

    def _listed(
        self, columns: np.ndarray, shares: np.ndarray, sign: float, limit: int
    ) -> tuple[list[Reason], bool]:
        """Walk shares strongest first; return the reasons and whether the walk ended early.

        Only the shares pointing towards ``sign`` are sorted; a share that does not means the
        walk has seen every one that does.
        """
        direction = "spam" if sign > 0 else "ham"
        reasons: list[Reason] = []
        shown: list[str] = []
        signed = sign * shares
        towards = signed > 0
        exhausted = not bool(towards.all())
        columns, shares = columns[towards], shares[towards]
        order = np.lexsort((columns, -np.round(signed[towards], TIE_DECIMALS)))
        for column, share in zip(columns[order].tolist(), shares[order].tolist(), strict=True):
            name = str(self.feature_names[column])
            term = name.partition("__")[2].strip()
            # "out" adds nothing once "check out" is shown
            if not telling(name) or any(term in earlier for earlier in shown):
                continue
            shown.append(term)
            code, message = _describe(name, direction)
            reasons.append(Reason(code, message, share))
            if len(reasons) == limit:
                return reasons, True
        return reasons, exhausted
