"""Moderator page sessions kept in Redis, so that a session can be ended on the server.

The signed cookie carries the moderator's name and a random session id; the id counts only
while its sha256 is in the moderator's hash of live sessions. Logging out deletes that one
field; a new password or `commentguard moderators logout NAME` deletes the whole hash, which
ends every copy of every cookie the moderator holds.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

import redis

from service.api.auth import digest
from service.keys import Keys


class Sessions:
    """The live page sessions of every moderator."""

    def __init__(
        self,
        redis_client: redis.Redis,
        keys: Keys,
        lifetime_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis = redis_client
        self.keys = keys
        self.lifetime = lifetime_seconds
        self.clock = clock

    def start(self, name: str) -> str:
        """Return the id of a new session for the moderator, valid for the lifetime."""
        sid = secrets.token_urlsafe(32)
        key = self.keys.moderator_sessions(name)
        now = self.clock()
        expired = [d for d, until in self.redis.hgetall(key).items() if float(until) <= now]
        with self.redis.pipeline(transaction=True) as pipe:
            if expired:
                pipe.hdel(key, *expired)
            pipe.hset(key, digest(sid), f"{now + self.lifetime:.3f}")
            # The hash outlives its newest session by nothing: an idle account keeps no key.
            pipe.expire(key, int(self.lifetime) + 1)
            pipe.execute()
        return sid

    def valid(self, name: str, sid: str) -> bool:
        """Return whether the session is live and its moderator still exists."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.sismember(self.keys.moderators(), name)
            pipe.hget(self.keys.moderator_sessions(name), digest(sid))
            exists, until = pipe.execute()
        return bool(exists) and until is not None and float(until) > self.clock()

    def end(self, name: str, sid: str) -> None:
        """End one session (logout)."""
        self.redis.hdel(self.keys.moderator_sessions(name), digest(sid))

    def end_all(self, name: str) -> int:
        """End every session of the moderator; return how many were live."""
        key = self.keys.moderator_sessions(name)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hvals(key)
            pipe.delete(key)
            until, _ = pipe.execute()
        now = self.clock()
        return sum(1 for u in until if float(u) > now)
