"""Hand-made features of what spam does: links, contact details, money, obfuscation, repetition.

Each group is a small transformer in the feature union. Its features are bounded to [0, 1] so
they sit on the scale of the TF-IDF weights, and each is named as a moderator reads it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache, cached_property
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from model.prefilter import Prefilter
from model.text import find_urls

DATA = Path(__file__).parent / "data"

# Endings that cost little to register and that spam favours; legitimate sites use them too,
# so this is one weak feature among many.
CHEAP_TLDS = frozenset(
    "xyz top club online site info biz ru tk ml ga cf gq click link win bid loan work live "
    "shop store pw cc icu vip space website fun buzz rest men date trade review stream".split()
)


@cache
def shorteners() -> frozenset[str]:
    """Return the URL-shortener domains (Comment Blocklist for WordPress, MIT licence)."""
    lines = (DATA / "shorteners.txt").read_text("utf-8").split()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def link_domains(text: str) -> list[str]:
    """Return the host of each link in the text, without ``www.``."""
    return _hosts(find_urls(text))


def _hosts(urls: Iterable[str]) -> list[str]:
    hosts = []
    for url in urls:
        url = url.rstrip(".,;:!?")
        host = urlsplit(url if "://" in url else f"http://{url}").hostname or ""
        hosts.append(host.removeprefix("www."))
    return hosts


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b")


# A number may end a sentence or touch a word ("call09061701461.", "0870443968ts&cs"), but
# not run on into more digits or decimals.
_PHONE = re.compile(r"(?<![\d.])\+?\(?\d[\d\s().-]{7,18}\d(?!\d|\.\d)")
_EMAIL = re.compile(r"\b[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b")
_MESSENGER = _words(r"whats\s?app|telegram|wechat|skype|kik|viber|snapchat|line id|wa\.me")
_CONTACT_ASK = _words(
    # not "ring me": in no spam of the shipped corpora, in four readers' texts ("ring me if ur
    # around", "has a nice ring to it")
    r"(?:call|text|txt|contact|reach|email|e-mail|message|dm|inbox)\s+(?:me|us|now|on|at|to)"
    r"|send (?:me|us) (?:a )?(?:message|mail|text|dm)|reply with|customer (?:care|service|support)"
    r"|toll[- ]free|helpline|help ?desk number"
    # premium-rate texting: a keyword to a short code ("txt win to 87121"), opting out by text
    r"|(?:txt|text|send|reply|rply)\s+(?:[a-z0-9]+\s+){1,3}(?:to|on)\s+\d{4,6}"
    r"|(?:reply|send|txt|text)\s+stop"
)
_MONEY_AMOUNT = re.compile(
    r"[$£€₹]\s?\d|\b\d[\d,.]*\s?(?:usd|dollars?|pounds?|euros?|bucks|gbp|eur|btc|rs\.?|inr)\b"
    r"|\b\d+\s?(?:k|%)\s?(?:per|a|/)\s?(?:day|week|month|hour)\b"
    r"|\b\d{2,3}p(?:pm)?\b|\b\d+p\s?(?:/|per\s|a\s)\s?(?:msg|min|txt|text|sms|wk|week)\b"
)
_MONEY_WORDS = _words(
    r"earn(?:ing|ings)?|income|profits?|cash|invest(?:ment|ing)?|bitcoin|crypto\w*|btc|forex"
    r"|loans?|casino|jackpot|prizes?|rewards?|winners?|giveaway|payout|paypal|make money"
    r"|work(?:ing)? from home|per day|per week|per hour|get paid|passive"
    r"|you(?:'ve| have)? (?:won|been selected)|(?:you are|you're|u r|ur) (?:a )?winner"
)
_URGENCY = _words(
    r"urgent(?:ly)?|hurry|limited (?:time|offer|spots?)|act (?:now|fast)|last chance"
    r"|don'?t miss|immediately|asap|expires?|valid (?:for )?\d+|today only|right now|claim"
    r"|guaranteed?"
)
_SCAM = _words(
    r"recover(?:y|ed)? (?:my |your )?(?:funds|money|scam|lost|stolen|bitcoin|crypto)"
    r"|hack(?:er|ers|ing)? (?:into|service)|spell ?caster|love spell|black magic|binary option"
    r"|trading platform|account manager|legit hacker|wallet recovery"
)
# Pills are sold in the plural ("diet pills", "60 pills"); "a pill" is mostly a figure of
# speech ("take your crazy pill", "a bitter pill").
_PHARMA = _words(
    r"viagra|cialis|pills|pharmacy|weight loss|lose weight|diet pills?|supplements?|keto|cbd"
    r"|skin ?care|anti[- ]?aging|wrinkles?|male enhancement|testosterone|muscle|fat burn\w*"
    r"|erectile|essay (?:writing|service)|escort\w*|dating site"
)
# What a writer invites readers to visit or buy. Not "my account" (a reader's bank or login)
# nor "my company" (a reader's employer, or companionship); "our company" is a firm speaking.
_OWN_PLACE = _words(
    r"(?:my|our) (?:new )?(?:channel|site|website|blog|page|videos?|music|songs?|store|shop"
    r"|profile|app|business|products?|services?)|our company"
)
_CALL_TO_ACTION = _words(
    r"check (?:out|it out|this out) (?:my|our|this|the link|http|www)|follow (?:me|us)"
    # "subscribe" as an ask, not a noun ("that's a total subscribe") nor the idiom
    # "subscribe to the mantra" (a reader agreeing with an idea)
    r"|(?<!a )(?<!the )(?<!total )subscribe(?! to the )(?! to an? )"
    r"|click (?:here|the link|on the link|below|this link)|sign up (?:now|here|today|for free)"
    r"|visit (?:my|our|us|www|http|the website|our website)|buy (?:now|online|cheap|it here)"
    r"|order (?:now|today|yours|online)|shop now|get (?:yours|it now)|download (?:now|free|here)"
    r"|go to (?:my|our|www|http)|please (?:like|share|support)|like (?:this|my) comment"
    # a thumbs up asked for, not "thumbs up if you're watching in 2015" (a reader's roll call)
    r"|(?:give|giving|gimme|leave) (?:(?:me|us|it|this|my)(?: comment| video)? )?(?:a )?thumbs up"
    r"|thumbs up (?:this|my|and|please|pls|plz)|(?:please|pls|plz) thumbs up"
)
_OFFER = _words(
    r"free|discount|offers?|deals?|sale|\d+% off|cheap(?:est)?|best price|coupon|promo"
    r"|free trial|lowest price|order|shipping"
)
_SPACED = re.compile(r"(?<!\w)(?:\w[ .*_-]){4,}\w(?!\w)")
_LEET = re.compile(r"\b[a-z]+[0134579@$][a-z]+\b")
_LEET_COMMON = frozenset({"mp3", "mp4", "b2b", "p2p", "h264", "u2", "w3c"})
_LATIN = re.compile(r"[a-z]")
_OTHER_SCRIPT = re.compile(r"[\u0370-\u03ff\u0400-\u04ff]")
# A site's name with its ending split off ("kidsmediausa . com", "pillz (dot) com"); not a
# webmail provider's ("hot mail. com"), which ends an address a reader tells a friend.
_SPLIT_DOMAIN = re.compile(
    r"\b(?!hotmail\b|gmail\b|mail\b|yahoo\b|outlook\b|aol\b|ymail\b|icloud\b|live\b|msn\b)"
    r"[a-z0-9-]{2,}\s*(?:\s\.\s?|\.\s|\(dot\)|\[dot\]|\sdot\s)\s*(?:com|net|org|info|co)\b"
)
_WORD = re.compile(r"\w+")
_TRACKING = re.compile(r"[?&](?:ref|aff|affiliate|utm_\w+|r|invite|code)=")
_REPEAT_CHAR = re.compile(r"(.)\1{3}")
_REPEAT_PUNCT = re.compile(r"[!?$*]{3,}")


def _scaled(count: int, cap: int) -> float:
    return min(count, cap) / cap


_WORD_LISTS = (
    _MESSENGER,
    _CONTACT_ASK,
    _MONEY_WORDS,
    _URGENCY,
    _SCAM,
    _PHARMA,
    _OWN_PLACE,
    _CALL_TO_ACTION,
    _OFFER,
)
# The patterns a scan runs only where RE2 says they may match (model/prefilter.py): most
# comments hold none of them, and are then read once instead of once per pattern.
PREFILTERED = (
    *_WORD_LISTS,
    _PHONE,
    _EMAIL,
    _MONEY_AMOUNT,
    _SPACED,
    _LEET,
    _SPLIT_DOMAIN,
    _REPEAT_PUNCT,
)
_PREFILTER = Prefilter(PREFILTERED)


class Scan:
    """One normalised text, with what several feature groups read from it computed once.

    ``findall``, ``count`` and ``found`` give what the pattern's own ``findall`` and
    ``search`` give; a prefiltered pattern is run only if RE2 says it may match.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._may = _PREFILTER.may_match(text)

    @cached_property
    def urls(self) -> list[str]:
        """Return the links in the text."""
        return find_urls(self.text)

    @cached_property
    def words(self) -> list[str]:
        """Return the words of the text."""
        return _WORD.findall(self.text)

    def _may_match(self, pattern: re.Pattern[str]) -> bool:
        """Return False only if the prefilter rules the pattern out."""
        return id(pattern) in self._may or id(pattern) not in _PREFILTER.ids

    def findall(self, pattern: re.Pattern[str]) -> list[str]:
        """Return what ``pattern.findall`` finds."""
        if not self._may_match(pattern):
            return []
        return pattern.findall(self.text)  # type: ignore[no-any-return]

    def count(self, pattern: re.Pattern[str]) -> int:
        """Return how many matches ``findall`` finds (no overlaps)."""
        return len(self.findall(pattern))

    def found(self, pattern: re.Pattern[str]) -> bool:
        """Return whether the pattern matches anywhere."""
        return self._may_match(pattern) and pattern.search(self.text) is not None


def _link_features(scan: Scan) -> list[float]:
    # Whether and how much a text links is left to the n-grams ("http", "www", ".com"): as
    # dense features those outweighed them and removed readers who linked to the post itself.
    hosts = _hosts(scan.urls)
    short = shorteners()
    return [
        float(any(h in short for h in hosts)),
        float(any(h.rsplit(".", 1)[-1] in CHEAP_TLDS for h in hosts)),
        float(any(_TRACKING.search(u) is not None for u in scan.urls)),
    ]


def _contact_features(scan: Scan) -> list[float]:
    phones = scan.findall(_PHONE)
    return [
        float(any(sum(ch.isdigit() for ch in p) >= 9 for p in phones)),
        float(scan.found(_EMAIL)),
        float(scan.found(_MESSENGER)),
        float(scan.found(_CONTACT_ASK)),
    ]


def _money_features(scan: Scan) -> list[float]:
    return [
        float(scan.found(_MONEY_AMOUNT)),
        _scaled(scan.count(_MONEY_WORDS), 3),
        _scaled(scan.count(_URGENCY), 2),
        float(scan.found(_SCAM)),
        float(scan.found(_PHARMA)),
    ]


def _promotion_features(scan: Scan) -> list[float]:
    return [
        float(scan.found(_OWN_PLACE)),
        _scaled(scan.count(_CALL_TO_ACTION), 3),
        _scaled(scan.count(_OFFER), 3),
    ]


def _obfuscation_features(scan: Scan) -> list[float]:
    text = scan.text
    # "mp3s" is the plural of "mp3", not leetspeak
    leet = [w for w in scan.findall(_LEET) if w.removesuffix("s") not in _LEET_COMMON]
    mixed = _OTHER_SCRIPT.search(text) is not None and any(
        _LATIN.search(w) and _OTHER_SCRIPT.search(w) for w in text.split() if len(w) > 2
    )
    return [
        float(scan.found(_SPACED)),
        _scaled(len(leet), 2),
        float(mixed),
        float(scan.found(_SPLIT_DOMAIN)),
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
    return [
        repeated,
        float(_REPEAT_CHAR.search(scan.text) is not None),
        float(scan.found(_REPEAT_PUNCT)),
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
            "names a messaging app",
            "asks to call, text or contact",
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
            "asks to visit, subscribe, click or buy",
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
        ),
        _obfuscation_features,
    ),
    "repetition": (
        ("repeats a phrase", "repeats a character many times", "repeats punctuation"),
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
