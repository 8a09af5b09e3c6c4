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
# Akismet clients expect a 12-character key (WordPress refuses any other length), and a key
# sent as a host-name label must survive lower-casing.
AKISMET_KEY_ALPHABET = string.ascii_lowercase + string.digits
AKISMET_KEY_CHARS = 12


def digest(token: str) -> str:
    """Return the sha256 hex digest under which a key is stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class ApiKeys:
    """The API keys of every site."""

    def __init__(self, redis_client: redis.Redis, keys: Keys) -> None:
        self.redis = redis_client
        self.keys = keys

    def create(self, site: str, name: str = "", akismet: bool = False) -> str:
        """Create a key bound to ``site`` and return it; only its digest is stored.

        Args:
            akismet: make a 12-character lower-case key that Akismet clients accept.
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

    def site_for(self, token: str) -> str | None:
        """Return the site a key is bound to, or None for an unknown key."""
        site = self.redis.hget(self.keys.api_key(digest(token)), "site")
        return str(site) if site is not None else None

    def count(self) -> int:
        """Return how many keys exist."""
        return int(self.redis.scard(self.keys.api_keys()))


def require_api_key(view: Callable[..., Any]) -> Callable[..., Any]:
    """Let the call through only with a known ``Authorization: Bearer <key>``; set g.site."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise APIError(
                401,
                "unauthorized",
                "send an API key as `Authorization: Bearer <key>`;"
                " create one with `commentguard keys create --site NAME`",
            )
        site = current_app.extensions["commentguard.api_keys"].site_for(token.strip())
        if site is None:
            raise APIError(401, "invalid_api_key", "this API key is unknown or was revoked")
        g.site = site
        return view(*args, **kwargs)

    return wrapped
