"""The default training corpus: what `commentguard train` learns from before any labels."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from training.datasets import (
    HAM,
    SHIPPED,
    SPAM,
    Example,
    data_files,
    read_file,
    read_jsonl,
    read_sms,
)


@dataclass(frozen=True)
class Corpus:
    """A shipped corpus in ``training/data/<name>/``: how much of it to train on, how heavily."""

    name: str
    file: str
    read: Callable[[Path], Iterable[Example]]
    weight: float
    limit: int

    def examples(self) -> list[Example]:
        """Return every example of the corpus, with the corpus's weight and its part.

        A corpus is a pool from many sites, not one comment section: its examples are dealt
        into PARTS sources, so the recipe's folds by source each hold some of every corpus.
        """
        path = SHIPPED / self.name / self.file
        return [
            replace(e, weight=self.weight, source=f"{self.name}#{i % PARTS}")
            for i, e in enumerate(self.read(path))
        ]

    def sample(self, examples: Sequence[Example]) -> list[Example]:
        """Return at most ``limit`` of the examples, the same ones on every run, in order."""
        if len(examples) <= self.limit:
            return list(examples)
        chosen = set(random.Random(SAMPLE_SEED).sample(range(len(examples)), self.limit))
        return [e for i, e in enumerate(examples) if i in chosen]


SAMPLE_SEED = 20240601
PARTS = 5

# The YouTube files teach comment spam; the other corpora teach that the verdict follows
# promotion and not register: news-site prose is ham, long-form prose and SMS can be spam.
# Weights keep each out-of-register corpus from outvoting the comments, and samples keep
# training fast (docs/model.md).
CORPORA = (
    Corpus(
        "civil-comments-ham", "civil-comments-ham.jsonl", partial(read_jsonl, label=HAM), 0.5, 2000
    ),
    Corpus(
        "stackexchange-spam", "stackexchange-spam.jsonl", partial(read_jsonl, label=SPAM), 0.5, 800
    ),
    # Shipped as a register for the probes, not trained on: with either SMS class in the
    # mix, the other class of the same register was judged by register (docs/model.md).
    Corpus("sms-spam-collection", "SMSSpamCollection", read_sms, 0.5, 0),
    # Thai SMS, for the probes of a language without labels and of one learnt from a site's
    # labels (training/probes.py): no Thai in the default model.
    Corpus("thai-sms", "thai-sms.jsonl", read_jsonl, 1.0, 0),
)


def youtube_examples() -> list[Example]:
    """Return the labelled YouTube comments at the top level of training/data."""
    return [e for f in data_files([SHIPPED]) for e in read_file(f)]


def corpus(name: str) -> Corpus:
    """Return the shipped corpus called ``name``."""
    for c in CORPORA:
        if c.name == name:
            return c
    raise KeyError(name)


def shipped_examples() -> list[Example]:
    """Return every labelled example shipped in training/data: the default training mix."""
    return youtube_examples() + [e for c in CORPORA for e in c.sample(c.examples())]
