"""The default training corpus: what `commentguard train` learns from before any labels."""

from __future__ import annotations

from training.datasets import SHIPPED, Example, data_files, read_file


def shipped_examples() -> list[Example]:
    """Return every labelled comment shipped in training/data."""
    return [e for f in data_files([SHIPPED]) for e in read_file(f)]
