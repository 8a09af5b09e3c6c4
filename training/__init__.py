"""Datasets, the retraining script, evaluation and reports."""
