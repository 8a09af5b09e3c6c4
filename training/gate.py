"""The quality gate: a candidate model is published only when it is not worse than the current."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.artifact import Cutoffs
from model.text import normalise
from training.datasets import Example
from training.metrics import cost_per_comment, evaluate


def text_key(text: str) -> str:
    """Return the text as deduplication sees it."""
    return normalise(text).lower()


def in_fixed_slice(text: str, share: float) -> bool:
    """Return True for the stable ``share`` of texts that always belong to the gate set.

    A hash of the normalised text decides, so every run (and every model) sees the same
    slice of the base corpus, and no model ever trains on it.
    """
    digest = hashlib.sha256(text_key(text).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


@dataclass
class GateSplit:
    """Training examples and the gate set they were kept apart from."""

    train: list[Example]
    gate: list[Example]
    gate_labels: int
    gate_base: int


def split(
    base: Sequence[Example],
    labels: Sequence[Example],
    extra: Sequence[Example],
    gate_label_count: int,
    base_share: float,
) -> GateSplit:
    """Keep the newest ``gate_label_count`` labels and a fixed slice of ``base`` for the gate.

    ``labels`` run oldest first. Training gets the older labels (newest first, so the newest
    label of a repeated text wins deduplication), then ``extra``, then the rest of ``base``;
    any text also in the gate set is dropped from training.
    """
    cut = len(labels) - gate_label_count
    gate_labels = list(labels[cut:])
    gate_base = [e for e in base if in_fixed_slice(e.text, base_share)]
    gate = gate_labels + gate_base
    held = {text_key(e.text) for e in gate}
    candidates = [*reversed(labels[:cut]), *extra, *base]
    train = [e for e in candidates if text_key(e.text) not in held]
    return GateSplit(train, gate, len(gate_labels), len(gate_base))


@dataclass
class GateResult:
    """The verdict of the gate, with the figures behind it, per part of the gate set."""

    passed: bool
    reasons: list[str]
    candidate: dict[str, dict[str, Any]]
    current: dict[str, dict[str, Any]] | None
    tolerance: float
    forced: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready data."""
        return {
            "passed": self.passed,
            "forced": self.forced,
            "reasons": self.reasons,
            "tolerance": self.tolerance,
            "candidate": self.candidate,
            "current": self.current,
        }


def figures(labels: np.ndarray, scores: np.ndarray, cutoffs: Cutoffs) -> dict[str, Any]:
    """Return the gate's figures for one model: evaluate() plus the cost per comment."""
    return evaluate(labels, scores, cutoffs) | {
        "cost_per_comment": cost_per_comment(labels, scores, cutoffs)
    }


def _per_part(
    parts: dict[str, np.ndarray], labels: np.ndarray, scores: np.ndarray, cutoffs: Cutoffs
) -> dict[str, dict[str, Any]]:
    return {
        name: figures(labels[mask], scores[mask], cutoffs)
        for name, mask in parts.items()
        if mask.any()
    }


def _worse(part: str, cand: dict[str, Any], cur: dict[str, Any], tolerance: float) -> list[str]:
    """Say how the candidate is worse than the current model on one part, if it is."""
    reasons = []
    if cand["cost_per_comment"] > cur["cost_per_comment"] + tolerance:
        reasons.append(
            f"{part}: cost per comment {cand['cost_per_comment']:.4f} is above the current"
            f" model's {cur['cost_per_comment']:.4f} + tolerance {tolerance}"
            f" (ham auto-removed {cand['ham_auto_removed']} vs {cur['ham_auto_removed']},"
            f" spam auto-approved {cand['spam_auto_approved']} vs {cur['spam_auto_approved']},"
            f" unsure {cand['unsure_rate']:.1%} vs {cur['unsure_rate']:.1%})"
        )
    if (
        cand["roc_auc"] is not None
        and cur["roc_auc"] is not None
        and cand["roc_auc"] < cur["roc_auc"] - tolerance
    ):
        reasons.append(
            f"{part}: ROC-AUC {cand['roc_auc']:.4f} is below the current model's"
            f" {cur['roc_auc']:.4f} - tolerance {tolerance}"
        )
    return reasons


def compare(
    labels: np.ndarray,
    parts: dict[str, np.ndarray],
    candidate: tuple[np.ndarray, Cutoffs],
    current: tuple[np.ndarray, Cutoffs] | None,
    tolerance: float,
) -> GateResult:
    """Pass the candidate unless it is worse than the current model beyond ``tolerance``.

    Worse, on any part of the gate set (``parts`` maps a name to a mask): a higher cost per
    comment (10 x ham removed + 1 x spam approved + 0.2 x unsure, each model at its own
    cutoffs) or a lower ROC-AUC. Judging the parts apart matters: labels that are wrong
    (a careless or hostile moderator) are wrong in the newest labels too, where they make
    the candidate look good; the fixed base slice still tells.
    """
    cand = _per_part(parts, labels, *candidate)
    if current is None:
        return GateResult(True, ["no current model to compare with"], cand, None, tolerance)
    cur = _per_part(parts, labels, *current)
    reasons = [r for part in cand for r in _worse(part, cand[part], cur[part], tolerance)]
    if reasons:
        return GateResult(False, reasons, cand, cur, tolerance)
    passed = [
        f"{part}: cost per comment {cand[part]['cost_per_comment']:.4f} vs the current"
        f" model's {cur[part]['cost_per_comment']:.4f}, ROC-AUC {_auc(cand[part])} vs"
        f" {_auc(cur[part])}"
        for part in cand
    ]
    return GateResult(
        True, [*passed, f"not worse within tolerance {tolerance}"], cand, cur, tolerance
    )


def _auc(figures: dict[str, Any]) -> str:
    return "n/a" if figures["roc_auc"] is None else f"{figures['roc_auc']:.4f}"
