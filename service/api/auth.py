"""API keys: created for a site, stored only as their sha256, checked on every call."""

from __future__ import annotations

import functools
import hashlib
import secrets
import string
import time
from collections.abc import Callable
from typing import Any

import redis
from flask import current_app, g, request

from service.errors import APIError
from service.keys import Keys

TOKEN_PREFIX = "cg_"
# Akismet clients expect a 12-character key (WordPress refuses any other length), a key sent
# as a host-name label must survive lower-casing, and WordPress's settings page drops every
# character of a typed key that is not a hex digit.
AKISMET_KEY_ALPHABET = string.digits + "abcdef"
AKISMET_KEY_CHARS = 12


def digest(token: str) -> str:
    """Return the sha256 hex digest under which a key is stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# Most distinct keys one process remembers; a platform has few keys, an attacker many.
KEY_CACHE_SIZE = 10_000


class ApiKeys:
    """The API keys of every site.

    With ``cache_seconds`` > 0, a known key's site is remembered that long in this process,
    saving a Redis round trip per call; a key deleted in Redis keeps working that long.
    Unknown keys are never remembered, so a new key works at once.
    """

    def __init__(
        self,
        redis_client: redis.Redis,
        keys: Keys,
        cache_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.redis = redis_client
        self.keys = keys
        self.cache_seconds = cache_seconds
        self.clock = clock
        self.wall = wall
        self._known: dict[str, tuple[str, float]] = {}

    def create(self, site: str, name: str = "", akismet: bool = False) -> str:
        """Create a key bound to ``site`` and return it; only its digest is stored.

        Args:
            akismet: make a key of 12 lower-case hex digits, which Akismet clients accept.
        """
        if akismet:
            token = "".join(secrets.choice(AKISMET_KEY_ALPHABET) for _ in range(AKISMET_KEY_CHARS))
        else:
            token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        d = digest(token)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                self.keys.api_key(d),
                mapping={"site": site, "name": name, "created_at": f"{time.time():.3f}"},
            )
            pipe.sadd(self.keys.api_keys(), d)
            pipe.execute()
        return token

    def revoke(self, token: str) -> bool:
        """Delete a key; return whether it existed. Other processes may trust it a while.

        A worker that has the key cached accepts it until its ``cache_seconds`` are up.
        """
        d = digest(token)
        self._known.pop(d, None)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.keys.api_key(d))
            pipe.srem(self.keys.api_keys(), d)
            deleted, _ = pipe.execute()
        return bool(deleted)

    def rotate(self, token: str, overlap_seconds: float) -> str:
        """Return a new key for the old key's site; the old one works ``overlap_seconds`` more.

        Raises KeyError for an unknown key and ValueError for one already being rotated out.
        """
        d = digest(token)
        old = self.redis.hgetall(self.keys.api_key(d))
        if not old:
            raise KeyError(token)
        if "expires_at" in old:
            raise ValueError("this key is already being rotated out; rotate its successor")
        akismet = not token.startswith(TOKEN_PREFIX) and len(token) == AKISMET_KEY_CHARS
        new = self.create(old["site"], old.get("name", ""), akismet)
        if overlap_seconds <= 0:
            self.revoke(token)
            return new
        with self.redis.pipeline(transaction=True) as pipe:
            # Out of the set of keys at once (it counts the keys in service), and gone from
            # Redis when the overlap ends; site_for refuses it from then on even if cached.
            pipe.hset(self.keys.api_key(d), "expires_at", f"{self.wall() + overlap_seconds:.3f}")
            pipe.pexpire(self.keys.api_key(d), max(1, int(overlap_seconds * 1000)))
            pipe.srem(self.keys.api_keys(), d)
            pipe.execute()
        return new

    def site_for(self, token: str) -> str | None:
        """Return the site a key is bound to, or None for an unknown or expired key."""
        d = digest(token)
        if self.cache_seconds > 0:
            known = self._known.get(d)
            if known is not None and known[1] > self.clock():
                return known[0]
        site, expires_at = self.redis.hmget(self.keys.api_key(d), ["site", "expires_at"])
        if site is None:
            return None
        trust = self.cache_seconds
        if expires_at is not None:
            left = float(expires_at) - self.wall()
            if left <= 0:
                return None
            trust = min(trust, left)
        if trust > 0:
            if len(self._known) >= KEY_CACHE_SIZE:
                self._known.clear()
            self._known[d] = (str(site), self.clock() + trust)
        return str(site)

    def count(self) -> int:
        """Return how many keys exist."""
        return int(self.redis.scard(self.keys.api_keys()))


def bearer_token(missing: str) -> str:
    """Return the request's bearer token, or raise 401 with the ``missing`` message."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise APIError(401, "unauthorized", missing)
    return token.strip()


def bearer_guard(
    missing: str, lookup: Callable[[str], str | None], code: str, unknown: str, attr: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Return a decorator that lets a call through only with a bearer token ``lookup`` knows.

    The name ``lookup`` returns is set as ``g.<attr>``; no token answers 401 with ``missing``,
    an unknown one 401 with ``code`` and ``unknown``.
    """

    def guard(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            name = lookup(bearer_token(missing))
            if name is None:
                raise APIError(401, code, unknown)
            setattr(g, attr, name)
            return view(*args, **kwargs)

        return wrapped

    return guard


require_api_key = bearer_guard(
    "send an API key as `Authorization: Bearer <key>`;"
    " create one with `commentguard keys create --site NAME`",
    lambda token: current_app.extensions["commentguard.api_keys"].site_for(token),
    "invalid_api_key",
    "this API key is unknown or was revoked",
    "site",
)
"""Let the call through only with a known ``Authorization: Bearer <key>``; set g.site."""
