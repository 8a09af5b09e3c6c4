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

API_KEY_CACHE_SECONDS = 0.0
"""Seconds a worker trusts a known API key without asking Redis (a deleted key works as long)."""

BENCH_FLOOR = 0
"""1 serves POST /bench/floor, the do-nothing JSON endpoint `make bench` compares with; 0 off."""
