"""Behaviour signals kept in Redis, combined with the model score as log-odds.

A signal is evidence the text model cannot see: the same text on many posts, a burst from
one IP or author, the author's history, a filled honeypot, a form submitted faster than a
person types, a keyword-stuffed author URL. Each fired signal adds its configured log-odds
to the model's (calibrated) log-odds, as independent evidence does in naive Bayes, and shows
as a reason. The weights are likelihood-ratio estimates set in ``service/defaults.py``
(see docs/model.md) until a site has labels to fit them on.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import redis

from model.artifact import Cutoffs
from model.classifier import Reason
from model.patterns import CHEAP_TLDS, link_domains, shorteners
from model.scorer import Verdict, bounded
from model.text import normalise
from service.api.validation import Comment
from service.keys import Keys
from service.redis_client import script_pipeline
from service.review.records import Tally

# An author URL whose host strings several keywords together: best-cheap-pills-online.com.
_STUFFED_HOST = re.compile(r"(?:[a-z0-9]+-){3,}[a-z0-9]+\.")


def _digest(value: str) -> str:
    """Return a short stable digest, so raw IPs, e-mails and texts are not kept as keys."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# Record a comment in each of its sliding windows (KEYS[1..n], sorted sets) and count what
# each holds now; with one more key, read that author's history hash too. ARGV: now, n,
# then per window the oldest score kept, the member and the seconds to live. Returns each
# window's count, then the history's ham and spam counts.
_RECORD = """
local now, n = ARGV[1], tonumber(ARGV[2])
local counts = {}
for i = 1, n do
  local at = 2 + (i - 1) * 3
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[at + 1])
  redis.call('ZADD', KEYS[i], now, ARGV[at + 2])
  counts[i] = redis.call('ZCARD', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[at + 3])
end
if KEYS[n + 1] then
  local history = redis.call('HMGET', KEYS[n + 1], 'ham', 'spam')
  counts[n + 1] = tonumber(history[1]) or 0
  counts[n + 2] = tonumber(history[2]) or 0
end
return counts
"""


def combine(score: float, log_odds: float) -> float:
    """Return the score moved by ``log_odds`` on the logit scale."""
    logit = math.log(bounded(score) / (1 - bounded(score))) + log_odds
    return 1.0 / (1.0 + math.exp(-logit))


@dataclass(frozen=True)
class Fired:
    """One signal that fired for a comment."""

    code: str
    message: str
    log_odds: float

    def reason(self) -> Reason:
        """Return the signal as a moderator-facing reason."""
        return Reason(f"signal_{self.code}", self.message, self.log_odds)


class Signals:
    """Record each checked comment in Redis and report the signals it fires."""

    def __init__(self, redis_client: redis.Redis, keys: Keys, settings: Mapping[str, Any]) -> None:
        self.redis = redis_client
        self.keys = keys
        self.cfg = settings
        self._record = redis_client.register_script(_RECORD)

    def apply(
        self,
        site: str,
        comments: Sequence[Comment],
        verdicts: Sequence[Verdict],
        cutoffs_for: Callable[[str], Cutoffs],
    ) -> list[Verdict]:
        """Return the verdicts with fired signals folded into score, verdict and reasons.

        Every comment is recorded, and its earlier sightings counted, by one script call:
        one round trip for a comment, one pipeline for a batch. ``cutoffs_for`` gives the
        cutoffs of a comment type (Scorer.cutoffs_for).
        """
        recorded = self._recorded_signals(site, comments, time.time())
        out = []
        for comment, verdict, seen in zip(comments, verdicts, recorded, strict=True):
            fired = self._form_signals(comment) + self._author_url_signals(comment) + seen
            if not fired:  # the model's verdict stands, with its restraint and reading rule
                out.append(verdict)
                continue
            fired.sort(key=lambda f: -abs(f.log_odds))
            score = combine(verdict.score, sum(f.log_odds for f in fired))
            adjusted = replace(
                verdict,
                score=score,
                verdict=cutoffs_for(comment.type).verdict(score),
                reasons=[f.reason() for f in fired] + verdict.reasons,
            )
            out.append(adjusted)
        return out

    def _form_signals(self, comment: Comment) -> list[Fired]:
        fired = []
        if comment.honeypot:
            fired.append(
                Fired("honeypot", "filled the hidden honeypot field", self.cfg["LOG_ODDS_HONEYPOT"])
            )
        least = self.cfg["MIN_SUBMIT_SECONDS"]
        if comment.submit_seconds is not None and comment.submit_seconds < least:
            fired.append(
                Fired(
                    "fast_submit",
                    f"submitted {comment.submit_seconds:.1f} s after the page was shown"
                    f" (a person takes at least {least:g} s)",
                    self.cfg["LOG_ODDS_FAST_SUBMIT"],
                )
            )
        return fired

    def _author_url_signals(self, comment: Comment) -> list[Fired]:
        url = comment.author.get("url", "").lower()
        hosts = link_domains(url) if url else []
        if not hosts:
            return []
        host = hosts[0]
        if host in shorteners() or host.rsplit(".", 1)[-1] in CHEAP_TLDS:
            why = f"author URL is on a shortener or cheap domain ({host})"
        elif _STUFFED_HOST.search(host + "."):
            why = f"author URL strings keywords together ({host})"
        else:
            return []
        return [Fired("author_url", why, self.cfg["LOG_ODDS_AUTHOR_URL"])]

    def _recorded_signals(
        self, site: str, comments: Sequence[Comment], now: float
    ) -> list[list[Fired]]:
        """Count each comment's earlier sightings and record it: one script call each.

        One comment is one round trip; a batch is one pipeline (after redis-py's own
        ``SCRIPT EXISTS``), whose scripts run in order, so each comment sees the ones before.
        """
        calls = [self._recording(site, comment, now) for comment in comments]
        if len(calls) == 1:
            keys, args, _ = calls[0]
            replies = [self._record(keys=keys, args=args)]
        else:
            with script_pipeline(self.redis, self.keys.review_stream()) as pipe:
                for keys, args, _ in calls:
                    self._record(keys=keys, args=args, client=pipe)
                replies = pipe.execute()
        return [read(reply) for (_, _, read), reply in zip(calls, replies, strict=True)]

    def _recording(
        self, site: str, comment: Comment, now: float
    ) -> tuple[list[str], list[Any], Callable[[list[int]], list[Fired]]]:
        """Return the keys and arguments of the record script, and what reads its reply."""
        text = normalise(comment.content).lower()
        window = self.cfg["DUPLICATE_WINDOW_SECONDS"]
        burst_window = self.cfg["BURST_WINDOW_SECONDS"]
        place = f"{site}\x1f{comment.post.get('id') or comment.post.get('url') or comment.id}"
        member = f"{site}\x1f{comment.id}"
        # (what the window counts, its key, its member, its length in seconds)
        windows: list[tuple[str, str, str, float]] = []
        if len(text) >= self.cfg["DUPLICATE_MIN_CHARS"]:
            windows.append(("text", self.keys.signal_text(_digest(text)), place, window))
        if comment.author.get("ip"):
            ip_key = self.keys.signal_burst("ip", _digest(comment.author["ip"]))
            windows.append(("IP address", ip_key, member, burst_window))
        author = self._author_id(comment)
        if author:
            author_key = self.keys.signal_burst("author", _digest(author))
            windows.append(("author", author_key, member, burst_window))
        history_key = self._history_key(site, comment)
        keys = [key for _, key, _, _ in windows] + ([history_key] if history_key else [])
        args: list[Any] = [now, len(windows)]
        for _, _, who, seconds in windows:
            args += [now - seconds, who, int(seconds) + 1]

        def read(reply: list[int]) -> list[Fired]:
            fired = []
            for (what, _, _, _), count in zip(windows, reply, strict=False):
                if what == "text":
                    others = int(count) - 1
                    if others >= self.cfg["DUPLICATE_MIN_POSTS"]:
                        fired.append(
                            Fired(
                                "duplicate_text",
                                f"the same text was posted on {others} other posts or sites"
                                f" within {window / 3600:g} h",
                                self.cfg["LOG_ODDS_DUPLICATE"],
                            )
                        )
                elif int(count) >= self.cfg["BURST_MIN_COMMENTS"]:
                    fired.append(
                        Fired(
                            "burst_ip" if what == "IP address" else "burst_author",
                            f"{count} comments from this {what} within {burst_window:g} s",
                            self.cfg["LOG_ODDS_BURST"],
                        )
                    )
            if history_key:
                ham, spam = (int(x) for x in reply[len(windows) :])
                if spam > 0:
                    fired.append(
                        Fired(
                            "author_spam",
                            f"this author's earlier comments were spam ({spam})",
                            self.cfg["LOG_ODDS_AUTHOR_SPAM"],
                        )
                    )
                elif ham >= self.cfg["TRUSTED_AUTHOR_APPROVALS"]:
                    fired.append(
                        Fired(
                            "author_trusted",
                            f"this author has {ham} approved comments and no spam",
                            self.cfg["LOG_ODDS_AUTHOR_TRUSTED"],
                        )
                    )
            return fired

        return keys, args, read

    @staticmethod
    def _author_id(comment: Comment) -> str:
        """Return the author's identity: the e-mail address, else nothing."""
        return comment.author.get("email", "").strip().lower()

    def _history_key(self, site: str, comment: Comment) -> str | None:
        author = self._author_id(comment)
        return self.keys.signal_author(site, _digest(author)) if author else None

    def tally(self, site: str, comment: Comment, verdict: str) -> Tally | None:
        """Return where to count an automatic ham or spam verdict in the author's history.

        The save-once script counts it when it stores the comment, so a retry never counts.
        """
        key = self._history_key(site, comment)
        return Tally(key, verdict) if key and verdict in ("ham", "spam") else None
