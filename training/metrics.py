"""Quality figures for a scored, labelled set."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import (
    f1_score,
    matthews_corrcoef,
    precision_score,
    recall_score,
    roc_auc_score,
)

from model.artifact import Cutoffs

# SpamBayes' costs: a legitimate comment removed is ten times worse than a spam let through.
COST_FALSE_POSITIVE = 10.0
COST_FALSE_NEGATIVE = 1.0
COST_UNSURE = 0.2
# How far (in log-odds) a validation score is smeared across a cutoff when choosing it.
CUTOFF_BANDWIDTH = 0.25


def three_way_counts(
    labels: np.ndarray,
    scores: np.ndarray,
    cutoffs: Cutoffs,
    held: np.ndarray | None = None,
    clear: np.ndarray | None = None,
) -> dict[str, int]:
    """Count auto-removed ham, auto-approved spam and unsure items.

    ``held`` marks the comments the model cannot read (model/reading.py): never ham, and
    spam only where ``clear`` (their signals alone call them spam).
    """
    spam = scores >= cutoffs.spam
    ham = scores < cutoffs.ham
    if held is not None:
        held = np.asarray(held, dtype=bool)
        ham &= ~held
        spam &= ~held | (np.asarray(clear, dtype=bool) if clear is not None else False)
    return {
        "ham_auto_removed": int(np.sum(spam & (labels == 0))),
        "spam_auto_approved": int(np.sum(ham & (labels == 1))),
        "unsure": int(np.sum(~spam & ~ham)),
        "auto_decided": int(np.sum(spam | ham)),
    }


def cost_per_comment(labels: np.ndarray, scores: np.ndarray, cutoffs: Cutoffs) -> float:
    """Return (10 x ham auto-removed + 1 x spam auto-approved + 0.2 x unsure) / n."""
    counts = three_way_counts(np.asarray(labels), np.asarray(scores), cutoffs)
    cost = (
        COST_FALSE_POSITIVE * counts["ham_auto_removed"]
        + COST_FALSE_NEGATIVE * counts["spam_auto_approved"]
        + COST_UNSURE * counts["unsure"]
    )
    return cost / len(labels) if len(labels) else 0.0


def choose_cutoffs(
    labels: np.ndarray, scores: np.ndarray, weights: np.ndarray | None = None
) -> Cutoffs:
    """Pick the ham and spam cutoffs that minimise 10 x FP + 1 x FN + 0.2 x unsure.

    Each comment counts on a side of a cutoff with a weight that falls smoothly across
    it (a logistic kernel in log-odds), so a cutoff is not placed a hair above one
    validation ham: scores on a new site scatter by at least that much. Each comment
    also counts with its training weight (default 1).
    """
    grid = np.round(np.arange(0.005, 1.0, 0.005), 3)
    logit = np.log(np.clip(scores, 1e-9, 1 - 1e-9) / np.clip(1 - scores, 1e-9, 1))
    grid_logit = np.log(grid / (1 - grid))
    # above[i, j]: the weight with which comment j counts as at or above cutoff i.
    w = np.ones(len(labels)) if weights is None else np.asarray(weights, dtype=float)
    above = w[None, :] / (1.0 + np.exp(-(logit[None, :] - grid_logit[:, None]) / CUTOFF_BANDWIDTH))
    is_spam = labels == 1
    fp = COST_FALSE_POSITIVE * above[:, ~is_spam].sum(axis=1)
    fn = COST_FALSE_NEGATIVE * (w[is_spam][None, :] - above[:, is_spam]).sum(axis=1)
    above_total = above.sum(axis=1)
    # cost[h, s] for ham cutoff grid[h] <= spam cutoff grid[s]
    unsure = COST_UNSURE * (above_total[:, None] - above_total[None, :])
    cost = fn[:, None] + fp[None, :] + unsure
    cost[np.tril_indices(len(grid), -1)] = np.inf
    h, s = np.unravel_index(np.argmin(cost), cost.shape)
    return Cutoffs(ham=float(grid[h]), spam=float(grid[s]))


def evaluate(
    labels: np.ndarray,
    scores: np.ndarray,
    cutoffs: Cutoffs,
    held: np.ndarray | None = None,
    clear: np.ndarray | None = None,
) -> dict[str, Any]:
    """Return n, ranking and 0.5-threshold figures, and the three-way figures at the cutoffs.

    The binary figures (mcc, f1, precision, recall) call spam at a calibrated score of 0.5;
    the rates count at the model's own cutoffs, with the reading rule's ``held`` comments
    never ham and spam only where ``clear``.
    """
    labels = np.asarray(labels)
    scores = np.asarray(scores)
    predicted = (scores >= 0.5).astype(int)
    counts = three_way_counts(labels, scores, cutoffs, held, clear)
    n = len(labels)
    n_ham = int(np.sum(labels == 0))
    n_spam = n - n_ham
    errors = counts["ham_auto_removed"] + counts["spam_auto_approved"]
    both = n_ham > 0 and n_spam > 0
    return {
        "n": n,
        "n_spam": n_spam,
        "n_ham": n_ham,
        "roc_auc": float(roc_auc_score(labels, scores)) if both else None,
        "mcc": float(matthews_corrcoef(labels, predicted)) if both else None,
        "f1": float(f1_score(labels, predicted, zero_division=0)),
        "precision": float(precision_score(labels, predicted, zero_division=0)),
        "recall": float(recall_score(labels, predicted, zero_division=0)),
        "unsure_rate": counts["unsure"] / n if n else 0.0,
        "auto_error_rate": errors / counts["auto_decided"] if counts["auto_decided"] else 0.0,
        "ham_auto_removed": counts["ham_auto_removed"],
        "spam_auto_approved": counts["spam_auto_approved"],
        "spam_auto_approved_rate": counts["spam_auto_approved"] / n_spam if n_spam else 0.0,
        "cutoffs": {"ham": cutoffs.ham, "spam": cutoffs.spam},
    }
