"""Label weights in the training recipe: a heavier label pulls the model further."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from training.corpus import PARTS
from training.datasets import Example, data_files, read_file
from training.recipe import train

pytestmark = pytest.mark.slow


def test_heavier_labels_pull_the_score_further(small_corpus: Path) -> None:
    base = [e for f in data_files([small_corpus]) for e in read_file(f)]
    # A site where "subscribe to my channel" is ham (a music school announcing its lessons).
    site = [
        # dealt into parts as commentguard/retraining.py deals a site's labels
        Example(
            f"subscribe to my channel for lesson {i} of the guitar course",
            0,
            f"site:school#{i % PARTS}",
        )
        for i in range(8)
    ]
    probe = ["subscribe to my channel for lesson 99 of the guitar course"]
    light = train(base + site).classifier.predict_proba(probe)[0]
    heavy = train(base + [replace(e, weight=10.0) for e in site]).classifier.predict_proba(probe)[0]
    assert heavy < light
