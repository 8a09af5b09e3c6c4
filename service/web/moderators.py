"""Moderator accounts: hashed passwords for the page, hashed bearer tokens for the review API."""

from __future__ import annotations

import re
import secrets
import time

import redis
from werkzeug.security import check_password_hash, generate_password_hash

from service.api.auth import digest
from service.keys import Keys

TOKEN_PREFIX = "cgm_"
NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
MIN_PASSWORD_CHARS = 8
# Checked against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


class Moderators:
    """The moderator accounts, stored in Redis."""

    def __init__(self, redis_client: redis.Redis, keys: Keys) -> None:
        self.redis = redis_client
        self.keys = keys

    @staticmethod
    def check_name(name: str) -> None:
        """Raise ValueError unless the name is 1-64 lower-case letters, digits, ``_.-``."""
        if not NAME.fullmatch(name):
            raise ValueError(
                f"moderator name {name!r} must be 1-64 characters of a-z, 0-9, '_', '.', '-'"
                " starting with a letter or digit"
            )

    def add(self, name: str, password: str) -> None:
        """Create the moderator, or set a new password and end every session it has."""
        self.check_name(name)
        if len(password) < MIN_PASSWORD_CHARS:
            raise ValueError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                self.keys.moderator(name),
                mapping={
                    "password_hash": generate_password_hash(password),
                    "created_at": f"{time.time():.3f}",
                },
            )
            pipe.sadd(self.keys.moderators(), name)
            pipe.delete(self.keys.moderator_sessions(name))
            pipe.execute()

    def exists(self, name: str) -> bool:
        """Return whether the moderator exists."""
        return bool(self.redis.sismember(self.keys.moderators(), name))

    def names(self) -> list[str]:
        """Return every moderator name, sorted."""
        return sorted(self.redis.smembers(self.keys.moderators()))

    def authenticate(self, name: str, password: str) -> bool:
        """Return whether the password is the moderator's."""
        stored = self.redis.hget(self.keys.moderator(name), "password_hash") if name else None
        return check_password_hash(stored or _DUMMY_HASH, password) and stored is not None

    def new_token(self, name: str) -> str:
        """Return a new review API token for the moderator; it replaces the previous one."""
        if not self.exists(name):
            raise KeyError(name)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        old = self.redis.hget(self.keys.moderator(name), "token_digest")
        with self.redis.pipeline(transaction=True) as pipe:
            if old:
                pipe.delete(self.keys.moderator_token(old))
            pipe.set(self.keys.moderator_token(digest(token)), name)
            pipe.hset(self.keys.moderator(name), "token_digest", digest(token))
            pipe.execute()
        return token

    def name_for_token(self, token: str) -> str | None:
        """Return the moderator a token belongs to, or None for an unknown token."""
        name = self.redis.get(self.keys.moderator_token(digest(token)))
        return str(name) if name is not None else None
