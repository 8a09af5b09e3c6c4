"""Tunables of the service, each overridable as a ``COMMENTGUARD_<NAME>`` variable."""

from __future__ import annotations

REDIS_URL: str | None = None
"""Redis server URL; unset starts an embedded Redis with its data under DATA_DIR."""

REDIS_PREFIX = "cg:"
"""Prefix of every Redis key the service writes."""

DATA_DIR = "var"
"""Directory of the model store, the embedded Redis and the session secret."""

HAM_CUTOFF: float | None = None
"""Score (0-1) below which a comment is ham; unset uses the model manifest's cutoff."""

SPAM_CUTOFF: float | None = None
"""Score (0-1) at or above which a comment is spam; unset uses the manifest's cutoff."""

MAX_BODY_BYTES = 64 * 1024
"""Largest accepted request body, in bytes; larger bodies get 413."""

MAX_CONTENT_CHARS = 20_000
"""Longest accepted comment content, in characters; longer content gets 422."""

MAX_BATCH = 1000
"""Most comments accepted by one check-batch call."""

MAX_BATCH_BODY_BYTES = 8 * 1024 * 1024
"""Largest accepted check-batch body, in bytes."""

REASONS = 3
"""How many reasons a verdict lists."""

SECRET_KEY: str | None = None
"""Key that signs session cookies; unset uses a random key kept in DATA_DIR."""

DUPLICATE_WINDOW_SECONDS = 86_400
"""How long, in seconds, a posted text counts towards the duplicate-text signal."""

DUPLICATE_MIN_POSTS = 2
"""Other posts or sites with the same text within the window that fire the duplicate signal."""

DUPLICATE_MIN_CHARS = 40
"""Shortest normalised text, in characters, the duplicate signal looks at (short phrases recur)."""

BURST_WINDOW_SECONDS = 60
"""Window of the burst signal, in seconds."""

BURST_MIN_COMMENTS = 5
"""Comments from one IP or author within the burst window (this one included) that fire it."""

MIN_SUBMIT_SECONDS = 3.0
"""Fewest seconds from page render to submit a person needs; faster fires a signal."""

TRUSTED_AUTHOR_APPROVALS = 3
"""Automatic ham verdicts (and no spam) after which an author counts as trusted."""

LOG_ODDS_HONEYPOT = 20.0
"""Log-odds a filled honeypot adds: enough to make any comment spam (people never see it)."""

LOG_ODDS_FAST_SUBMIT = 2.0
"""Log-odds an implausibly fast submit adds."""

LOG_ODDS_DUPLICATE = 3.0
"""Log-odds the same text on several posts or sites adds."""

LOG_ODDS_BURST = 2.0
"""Log-odds a burst from one IP or author adds."""

LOG_ODDS_AUTHOR_SPAM = 2.0
"""Log-odds an author with earlier spam verdicts adds."""

LOG_ODDS_AUTHOR_TRUSTED = -1.5
"""Log-odds a trusted author adds (negative: towards ham)."""

LOG_ODDS_AUTHOR_URL = 1.0
"""Log-odds an author URL on a shortener, cheap domain or keyword-stuffed host adds."""

SHADOW_VERDICT: str | None = None
"""Shadow mode: always answer this verdict (ham/unsure/spam), computed one in ``shadow``."""
