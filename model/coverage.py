"""Coverage: how much of a comment the model has evidence for.

A comment's coverage is the share of its distinct words that are terms of the word block's
vocabulary, that is, words seen in at least ``WORD_MIN_DF`` training comments. A comment in a
language the model never saw scores near 0 however confident its probability looks; one
with no words at all has nothing left unread and scores 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline


class Coverage:
    """The share of a normalised text's distinct words that the word vocabulary knows."""

    def __init__(self, terms: frozenset[str], tokens: Callable[[str], list[str]]) -> None:
        self.terms = terms
        self.tokens = tokens

    @classmethod
    def of(cls, pipeline: Pipeline) -> Coverage | None:
        """Return the coverage of a fitted pipeline's word block, or None if it has none."""
        union = pipeline.named_steps.get("features")
        if not isinstance(union, FeatureUnion):
            return None
        for name, block in union.transformer_list:
            if name == "word" and isinstance(block, TfidfVectorizer):
                terms = frozenset(t for t in block.vocabulary_ if " " not in t)
                return cls(terms, block.build_tokenizer())
        return None

    def measure(self, text: str) -> tuple[float, int]:
        """Return the share of the text's distinct words that are known, and how many there are.

        A text without words has nothing unread: its share is 1.0.
        """
        words = set(self.tokens(text))
        return (len(words & self.terms) / len(words) if words else 1.0), len(words)

    def measures(self, texts: Sequence[str]) -> list[tuple[float, int]]:
        """Return the coverage and the number of distinct words of each text."""
        return [self.measure(t) for t in texts]
