"""Hand-made features of what spam does: links, contact details, money, obfuscation, repetition.

Each group is a small transformer in the feature union. Its features are bounded to [0, 1] so
they sit on the scale of the TF-IDF weights, and each is named as a moderator reads it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from model.patterns import (
    CALL_TO_ACTION,
    CHEAP_TLDS,
    CONTACT_ASK,
    EMAIL,
    EMOJI,
    GLUED_DOMAIN,
    HANDLE,
    INVITE,
    LATIN,
    LEET,
    LEET_COMMON,
    MESSENGER,
    MONEY_AMOUNT,
    MONEY_WORDS,
    OFFER,
    OTHER_SCRIPT,
    OWN_PLACE,
    PHARMA,
    PHONE,
    REPEAT_CHAR,
    REPEAT_PUNCT,
    SCAM,
    SEARCH_ASK,
    SPACED,
    SPLIT_DOMAIN,
    TRACKING,
    URGENCY,
    Scan,
    hosts_of,
    scaled,
    shorteners,
)


def _link_features(scan: Scan) -> list[float]:
    # Whether and how much a text links is left to the n-grams ("http", "www", ".com"): as
    # dense features those outweighed them and removed readers who linked to the post itself.
    hosts = hosts_of(scan.urls)
    short = shorteners()
    return [
        float(any(h in short for h in hosts)),
        float(any(h.rsplit(".", 1)[-1] in CHEAP_TLDS for h in hosts)),
        float(any(TRACKING.search(u) is not None for u in scan.urls)),
    ]


def _contact_features(scan: Scan) -> list[float]:
    phones = scan.findall(PHONE)
    return [
        float(any(sum(ch.isdigit() for ch in p) >= 9 for p in phones)),
        float(scan.found(EMAIL)),
        float(scan.found(MESSENGER) or ("/" in scan.text and scan.found(INVITE))),
        float(scan.found(CONTACT_ASK)),
        float("@" in scan.text and scan.found(HANDLE)),
    ]


def _money_features(scan: Scan) -> list[float]:
    return [
        float(scan.found(MONEY_AMOUNT)),
        scaled(scan.count(MONEY_WORDS), 3),
        scaled(scan.count(URGENCY), 2),
        float(scan.found(SCAM)),
        float(scan.found(PHARMA)),
    ]


def _promotion_features(scan: Scan) -> list[float]:
    return [
        float(scan.found(OWN_PLACE)),
        scaled(scan.count(CALL_TO_ACTION) + scan.found(SEARCH_ASK), 3),
        scaled(scan.count(OFFER), 3),
    ]


def _obfuscation_features(scan: Scan) -> list[float]:
    text = scan.text
    # "mp3s" is the plural of "mp3", not leetspeak
    leet = [w for w in scan.findall(LEET) if w.removesuffix("s") not in LEET_COMMON]
    mixed = OTHER_SCRIPT.search(text) is not None and any(
        LATIN.search(w) and OTHER_SCRIPT.search(w) for w in text.split() if len(w) > 2
    )
    return [
        float(scan.found(SPACED)),
        scaled(len(leet), 2),
        float(mixed),
        float(scan.found(SPLIT_DOMAIN)),
        float("." in scan.text and scan.found(GLUED_DOMAIN)),
    ]


def _repetition_features(scan: Scan) -> list[float]:
    # Prose repeats its function words, so only repeated three-word phrases count; and one
    # word said over ("cool cool cool") is an exclamation, so a phrase needs two words.
    words = scan.words
    repeated = 0.0
    if len(words) >= 6:  # four phrases at least
        phrases = list(zip(words, words[1:], words[2:], strict=False))
        # Where a word equals the next one; a phrase of one word is where two such meet.
        same = list(map(operator.eq, words, words[1:]))
        one_word = []
        if True in same:
            one_word = [p for p, a, b in zip(phrases, same, same[1:], strict=False) if a and b]
        counted = len(phrases) - len(one_word)
        distinct = len(set(phrases)) - len(set(one_word))
        repeated = 1.0 - distinct / counted if counted >= 4 else 0.0
    # Emoji per word, from 1 in 4 up: a reader's one heart is no signal, a row of fire is.
    emoji = len(EMOJI.findall(scan.text)) if not scan.text.isascii() else 0
    density = emoji / max(len(scan.words), 1)
    return [
        repeated,
        float(REPEAT_CHAR.search(scan.text) is not None),
        float(scan.found(REPEAT_PUNCT)),
        min(max(density - 0.25, 0.0) / 0.75, 1.0) if emoji >= 3 else 0.0,
    ]


GROUPS: dict[str, tuple[tuple[str, ...], Callable[[Scan], list[float]]]] = {
    "links": (
        (
            "links to a URL shortener",
            "links to a domain with a cheap ending (.xyz, .top, ...)",
            "link carries a referral or tracking code",
        ),
        _link_features,
    ),
    "contact": (
        (
            "gives a phone number",
            "gives an e-mail address",
            "names a messaging app or links to a chat",
            "asks to call, text or contact",
            "gives a messenger handle (@name)",
        ),
        _contact_features,
    ),
    "money": (
        (
            "mentions an amount of money",
            "money-making words",
            "urgency words",
            "recovery or hacking scam words",
            "pharma, diet or other product-spam words",
        ),
        _money_features,
    ),
    "promotion": (
        (
            "points to the writer's own channel, site or product",
            "asks to visit, search, subscribe, click or buy",
            "offer words (free, discount, deal, ...)",
        ),
        _promotion_features,
    ),
    "obfuscation": (
        (
            "spaced-out letters",
            "digits or symbols inside words (leetspeak)",
            "mixes alphabets inside a word (homoglyphs)",
            "writes a domain with spaces or (dot)",
            "runs a domain on into other text",
        ),
        _obfuscation_features,
    ),
    "repetition": (
        (
            "repeats a phrase",
            "repeats a character many times",
            "repeats punctuation",
            "many emoji",
        ),
        _repetition_features,
    ),
}


def values(text: str, groups: Sequence[str]) -> list[float]:
    """Return the features of the named groups for one normalised text, group after group."""
    scan = Scan(text)
    return [value for group in groups for value in GROUPS[group][1](scan)]


class TextSignals(TransformerMixin, BaseEstimator):
    """One group of hand-made features (see ``GROUPS``) of normalised, lowercased texts."""

    def __init__(self, group: str = "links") -> None:
        self.group = group

    def fit(self, texts: Iterable[str], y: object = None) -> TextSignals:
        """Learn nothing: the features are fixed."""
        if self.group not in GROUPS:
            raise ValueError(f"unknown signal group {self.group!r}")
        return self

    def transform(self, texts: Iterable[str]) -> np.ndarray:
        """Return one row of features in [0, 1] per text."""
        compute = GROUPS[self.group][1]
        return np.array([compute(Scan(t)) for t in texts], dtype=np.float64).reshape(
            -1, len(GROUPS[self.group][0])
        )

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Return the feature names as a moderator reads them."""
        return np.array(GROUPS[self.group][0], dtype=object)
