import numpy as np

from model.artifact import Cutoffs
from training.metrics import choose_cutoffs, evaluate


def test_cutoffs_separate_well_separated_classes_without_unsure_cost():
    labels = np.array([0] * 50 + [1] * 50)
    scores = np.concatenate([np.linspace(0.01, 0.1, 50), np.linspace(0.9, 0.99, 50)])
    cutoffs = choose_cutoffs(labels, scores)
    assert 0.1 < cutoffs.ham <= cutoffs.spam < 0.9


def test_cutoffs_keep_overlap_in_the_unsure_band():
    rng = np.random.default_rng(0)
    labels = np.array([0] * 300 + [1] * 300)
    scores = np.concatenate([rng.beta(2, 5, 300), rng.beta(5, 2, 300)])
    cutoffs = choose_cutoffs(labels, scores)
    result = evaluate(labels, scores, cutoffs)
    assert cutoffs.ham < cutoffs.spam
    assert 0 < result["unsure_rate"] < 1
    # a false positive costs ten times a false negative, so fewer ham are removed
    assert result["ham_auto_removed"] < result["spam_auto_approved"]


def test_evaluate_counts_three_way_outcomes():
    labels = np.array([0, 0, 1, 1, 1])
    scores = np.array([0.1, 0.95, 0.5, 0.05, 0.99])
    result = evaluate(labels, scores, Cutoffs(ham=0.2, spam=0.9))
    assert result["n"] == 5
    assert result["ham_auto_removed"] == 1
    assert result["spam_auto_approved"] == 1
    assert result["unsure_rate"] == 0.2
    assert result["auto_error_rate"] == 0.5
    assert result["precision"] == 2 / 3
