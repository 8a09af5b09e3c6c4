"""Each site's decision callback: the URL events are POSTed to and the secret that signs them.

The secret is stored as is, not hashed: the dispatcher needs it to sign every request.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import redis

from service.keys import Keys

MIN_SECRET_CHARS = 16


@dataclass(frozen=True)
class Callback:
    """Where a site's events go and the secret they are signed with."""

    site: str
    url: str
    secret: str
    created_at: float


def check_url(url: str) -> str:
    """Return ``url`` if it is an absolute http(s) URL, or raise ValueError saying why."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not an absolute http:// or https:// URL")
    return url


class Callbacks:
    """Set, read and remove the callback of each site."""

    def __init__(self, redis_client: redis.Redis, keys: Keys) -> None:
        self.redis = redis_client
        self.keys = keys

    def set(self, site: str, url: str, secret: str | None = None) -> str:
        """Configure the site's callback; return its secret (a new one unless given)."""
        check_url(url)
        if not site:
            raise ValueError("the site name is empty")
        if secret is None:
            secret = secrets.token_hex(32)
        elif len(secret) < MIN_SECRET_CHARS:
            raise ValueError(f"a secret needs at least {MIN_SECRET_CHARS} characters")
        self.redis.hset(
            self.keys.callback(site),
            mapping={"url": url, "secret": secret, "created_at": f"{time.time():.6f}"},
        )
        return secret

    def get(self, site: str) -> Callback | None:
        """Return the site's callback, or None."""
        raw = self.redis.hgetall(self.keys.callback(site))
        if not raw or "url" not in raw:
            return None
        return Callback(site, raw["url"], raw["secret"], float(raw.get("created_at", 0)))

    def remove(self, site: str) -> bool:
        """Remove the site's callback; return whether there was one."""
        return bool(self.redis.delete(self.keys.callback(site)))
