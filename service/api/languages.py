"""A site's language policy: the languages it expects, and what a comment in another gets."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import redis

from model.classifier import Reason
from model.language import NAMES, UNDETERMINED
from model.scorer import Verdict
from service.keys import Keys

REVIEW = "review"
REJECT = "reject"
OUTSIDE_LANGUAGE = "outside_site_languages"


@dataclass(frozen=True)
class LanguagePolicy:
    """The languages a site expects (ISO 639-1 codes) and the verdict of one outside them."""

    expected: frozenset[str]
    outside: str = REVIEW

    def apply(self, verdict: Verdict, min_confidence: float) -> Verdict:
        """Return the verdict of a comment outside the expected languages, or it unchanged.

        Only a language named with ``min_confidence`` counts: one word is no language.
        """
        language = verdict.language
        if (
            language is None
            or language.code == UNDETERMINED
            or language.confidence < min_confidence
            or language.code in self.expected
        ):
            return verdict
        names = ", ".join(NAMES.get(c, c) for c in sorted(self.expected))
        reason = Reason(
            OUTSIDE_LANGUAGE,
            f"written in {language.name}; this site expects {names}",
            0.0,
        )
        target = "spam" if self.outside == REJECT else "unsure"
        if verdict.verdict == "spam" or verdict.verdict == target:
            return replace(verdict, reasons=[reason, *verdict.reasons])
        return replace(verdict, verdict=target, reasons=[reason, *verdict.reasons])


class LanguagePolicies:
    """Every site's language policy in Redis, remembered ``cache_seconds`` per process."""

    def __init__(
        self,
        redis_client: redis.Redis,
        keys: Keys,
        cache_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.redis = redis_client
        self.keys = keys
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._known: dict[str, tuple[LanguagePolicy | None, float]] = {}

    def set(self, site: str, expected: list[str], outside: str = REVIEW) -> LanguagePolicy:
        """Store a site's policy; return it."""
        if outside not in (REVIEW, REJECT):
            raise ValueError(f"outside must be {REVIEW} or {REJECT}, not {outside!r}")
        codes = sorted({c.strip().lower() for c in expected if c.strip()})
        if not codes:
            raise ValueError("name at least one language code (en, ru, sh, ...)")
        self.redis.hset(
            self.keys.site_languages(site),
            mapping={"expected": ",".join(codes), "outside": outside},
        )
        self._known.pop(site, None)
        return LanguagePolicy(frozenset(codes), outside)

    def clear(self, site: str) -> bool:
        """Remove a site's policy; return whether it had one."""
        self._known.pop(site, None)
        return bool(self.redis.delete(self.keys.site_languages(site)))

    def get(self, site: str) -> LanguagePolicy | None:
        """Return a site's policy, or None when it expects any language."""
        known = self._known.get(site)
        if known is not None and known[1] > self.clock():
            return known[0]
        stored = self.redis.hgetall(self.keys.site_languages(site))
        policy = None
        if stored and stored.get("expected"):
            expected = frozenset(str(stored["expected"]).split(","))
            policy = LanguagePolicy(expected, str(stored.get("outside") or REVIEW))
        if self.cache_seconds > 0:
            self._known[site] = (policy, self.clock() + self.cache_seconds)
        return policy
