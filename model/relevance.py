"""Relevance of a comment to the post it sits under, given the post's title.

A reader writes about the post ("gangnam style is so catchy"); a spammer writes the same
text under every post. A comment is on topic when it shares a content word with the post's
title (both normalised as the model sees text, lowercased, stop words dropped); the
calibration turns that into log-odds (model/classifier.py ``Platt``). Without a title, or
with a title of stop words only, a comment is never on topic: relevance contributes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from model.text import normalise

# TfidfVectorizer's default tokens: two or more word characters.
_WORD = re.compile(r"\w\w+")


def content_words(text: str) -> frozenset[str]:
    """Return the words of a text that carry content: normalised, lowercased, no stop words."""
    words = _WORD.findall(normalise(text).lower())
    return frozenset(w for w in words if w not in ENGLISH_STOP_WORDS)


def shared_words(text: str, title: str | None) -> list[str]:
    """Return the title's content words that the text uses too, sorted."""
    if not title:
        return []
    return sorted(content_words(text) & content_words(title))


def titled(titles: Sequence[str | None]) -> np.ndarray:
    """Return whether each title names something (has a content word)."""
    return np.array([bool(title and content_words(title)) for title in titles], dtype=bool)


def on_topic(texts: Sequence[str], titles: Sequence[str | None] | None) -> np.ndarray:
    """Return 1.0 for each text that shares a content word with its title, else 0.0."""
    if titles is None:
        return np.zeros(len(texts))
    return np.array(
        [
            float(bool(title and content_words(text) & content_words(title)))
            for text, title in zip(texts, titles, strict=True)
        ]
    )
