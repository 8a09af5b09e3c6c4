"""The moderator login's rate limit: two token buckets in Redis, taken from in one Lua step.

One bucket per client IP, one per (account, IP). The account's bucket is keyed by IP too, so
somebody guessing a moderator's password from one address never locks the real moderator
out from another: the guesser waits, the moderator does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import redis

from service.keys import Keys

# KEYS: IP bucket, account bucket, security audit stream.
# ARGV: IP burst, IP tokens per second, account burst, account tokens per second, IP, account,
# audit stream length.
# Each bucket is a hash {tokens, at}; refill is computed on read from the time since `at`.
# An attempt takes a token from both buckets or, when either is empty, from neither: a
# refused attempt costs the caller nothing more, and is audited.
_TAKE = r"""
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local function level(key, burst, rate)
  local b = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(b[1]) or burst
  local at = tonumber(b[2]) or now
  return math.min(burst, tokens + math.max(0, now - at) * rate)
end
local ip_burst, ip_rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local acct_burst, acct_rate = tonumber(ARGV[3]), tonumber(ARGV[4])
local ip = level(KEYS[1], ip_burst, ip_rate)
local acct = level(KEYS[2], acct_burst, acct_rate)
if ip >= 1 and acct >= 1 then
  local stamp = string.format('%.6f', now)
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', ip - 1), 'at', stamp)
  redis.call('EXPIRE', KEYS[1], math.ceil(ip_burst / ip_rate) + 1)
  redis.call('HSET', KEYS[2], 'tokens', string.format('%.6f', acct - 1), 'at', stamp)
  redis.call('EXPIRE', KEYS[2], math.ceil(acct_burst / acct_rate) + 1)
  return {1, '0'}
end
local wait = 0
if ip < 1 then wait = math.max(wait, (1 - ip) / ip_rate) end
if acct < 1 then wait = math.max(wait, (1 - acct) / acct_rate) end
local why = 'account'
if ip < 1 then why = 'ip' end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', 'event', 'login_limited',
  'name', ARGV[6], 'ip', ARGV[5], 'bucket', why, 'retry_after', string.format('%.3f', wait),
  'at', string.format('%.6f', now))
return {0, string.format('%.6f', wait)}
"""

AUDIT_LENGTH = 10_000
"""Security audit entries kept (approximately; older ones are trimmed)."""


@dataclass(frozen=True)
class Attempt:
    """The limit's answer to one login attempt."""

    allowed: bool
    retry_after: float
    """Seconds until the attempt would be allowed (0 when it is)."""

    @property
    def retry_after_header(self) -> str:
        """Return the wait as a Retry-After value: whole seconds, at least 1."""
        return str(max(1, math.ceil(self.retry_after)))


class LoginLimiter:
    """Token buckets for login attempts, per client IP and per (account, IP)."""

    def __init__(
        self,
        redis_client: redis.Redis,
        keys: Keys,
        ip_burst: int,
        ip_per_minute: float,
        account_burst: int,
        account_per_minute: float,
    ) -> None:
        if min(ip_burst, account_burst) < 1 or min(ip_per_minute, account_per_minute) <= 0:
            raise ValueError("login limit bursts must be >= 1 and refill rates > 0")
        self.keys = keys
        self.args = [ip_burst, ip_per_minute / 60, account_burst, account_per_minute / 60]
        self._take = redis_client.register_script(_TAKE)

    @classmethod
    def from_settings(
        cls, redis_client: redis.Redis, keys: Keys, cfg: dict[str, Any]
    ) -> LoginLimiter:
        """Return a limiter with the LOGIN_* settings."""
        return cls(
            redis_client,
            keys,
            cfg["LOGIN_IP_BURST"],
            cfg["LOGIN_IP_PER_MINUTE"],
            cfg["LOGIN_ACCOUNT_BURST"],
            cfg["LOGIN_ACCOUNT_PER_MINUTE"],
        )

    def attempt(self, account: str, ip: str) -> Attempt:
        """Take one attempt for ``account`` from ``ip``; refused attempts are audited."""
        allowed, wait = self._take(
            keys=[
                self.keys.login_ip(ip),
                self.keys.login_account(account, ip),
                self.keys.auth_audit(),
            ],
            args=[*self.args, ip, account, AUDIT_LENGTH],
        )
        return Attempt(bool(int(allowed)), float(wait))
