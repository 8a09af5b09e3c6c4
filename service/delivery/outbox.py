"""The outbox: decision events in a Redis stream, served to dispatchers by a consumer group.

A decision's script appends its event with ``EMIT`` in the same atomic step as the decision.
A dispatcher reads new events (XREADGROUP) and keeps each in the group's pending list until
it is delivered or dead: ``done`` and ``fail`` acknowledge in one script with the move. A
failed event waits in the retry set, scored by when it is due; ``due`` hands it back to a
dispatcher. An event whose dispatcher died is taken over by ``orphans`` (XAUTOCLAIM) once it
has been idle for the claim time. The stream thus holds exactly the undelivered events.
"""

from __future__ import annotations

import os
import random
import socket
from dataclasses import dataclass
from typing import Any

import redis

from service.keys import Keys
from service.redis_client import ensure_group

GROUP = "dispatchers"

# Append a decision event to the outbox, but only for a site with a callback configured:
# sites without one never make the dispatcher work, and the stream needs no trimming (which
# could drop an undelivered event). Prepend to a script; pass both keys in KEYS.
EMIT = r"""
local function emit(outbox, callback, kind, site, id, decision, source, by, at, score, version)
  if redis.call('EXISTS', callback) == 0 then return false end
  return redis.call('XADD', outbox, '*', 'type', kind, 'site', site, 'comment_id', id,
    'decision', decision, 'source', source, 'decided_by', by, 'decided_at', at,
    'score', score, 'model_version', version)
end
"""

# Delivered: acknowledge, delete, forget the retry state.
# KEYS: outbox, retry set, attempts. ARGV: group, event id.
_DONE = """
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
return 1
"""

# A failed attempt: schedule a retry with full jitter, or after the last attempt move the
# event to the dead letters and acknowledge it in the same step. An event no longer pending
# was finished by another dispatcher meanwhile (one that took it over): nothing to record.
# KEYS: outbox, retry set, attempts, dead letters.
# ARGV: group, event id, max attempts, base s, cap s, jitter 0-1, error, dead max, final (1/0).
_FAIL = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local pel = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if not pel[1] then return {'gone', 0} end
local attempts = redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
if attempts < tonumber(ARGV[3]) and ARGV[9] ~= '1' then
  local ceiling = math.min(tonumber(ARGV[5]), tonumber(ARGV[4]) * 2 ^ (attempts - 1))
  local due = now + tonumber(ARGV[6]) * ceiling
  redis.call('ZADD', KEYS[2], string.format('%.6f', due), ARGV[2])
  return {'retry', attempts, string.format('%.6f', due)}
end
local entry = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
if entry[1] then
  local fields = entry[1][2]
  local has_id = false
  for i = 1, #fields, 2 do
    if fields[i] == 'event_id' then has_id = true end
  end
  if not has_id then
    table.insert(fields, 'event_id')
    table.insert(fields, ARGV[2])
  end
  table.insert(fields, 'attempts')
  table.insert(fields, tostring(attempts))
  table.insert(fields, 'last_error')
  table.insert(fields, ARGV[7])
  table.insert(fields, 'failed_at')
  table.insert(fields, string.format('%.6f', now))
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[8], '*', unpack(fields))
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
return {'dead', attempts}
"""

# Hand due retries to a dispatcher: each leaves the retry set and is claimed (its idle time
# reset), in one step, so two dispatchers never take the same retry.
# KEYS: outbox, retry set. ARGV: group, consumer, count.
_DUE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[2], id)
  local got = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id)
  if got[1] and got[1][2] then table.insert(out, got[1]) end
end
return out
"""

# Take over events idle for the claim time whose dispatcher died mid-delivery; an event that
# waits in the retry set is left to its schedule. Returns the scan's next cursor first.
# KEYS: outbox, retry set. ARGV: group, consumer, min idle ms, count, cursor.
_ORPHANS = """
local got = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[5],
  'COUNT', ARGV[4])
local out = {got[1]}
for _, entry in ipairs(got[2]) do
  if entry and entry[2] and not redis.call('ZSCORE', KEYS[2], entry[1]) then
    table.insert(out, entry)
  end
end
return out
"""

# Put a dead letter back in the outbox under its original event id, in one step.
# KEYS: dead letters, outbox. ARGV: dead letter id.
_REPLAY = """
local entry = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if not entry[1] then return false end
local fields = entry[1][2]
local keep = {}
for i = 1, #fields, 2 do
  local name = fields[i]
  if name ~= 'attempts' and name ~= 'last_error' and name ~= 'failed_at' then
    table.insert(keep, name)
    table.insert(keep, fields[i + 1])
  end
end
local new_id = redis.call('XADD', KEYS[2], '*', unpack(keep))
redis.call('XDEL', KEYS[1], ARGV[1])
return new_id
"""


@dataclass(frozen=True)
class Event:
    """One outbox entry: its stream id and fields (``event_id`` set on a replayed one)."""

    stream_id: str
    fields: dict[str, str]

    @property
    def event_id(self) -> str:
        """Return the id the receiver dedupes on: the first outbox id the event had."""
        return self.fields.get("event_id") or self.stream_id

    @property
    def site(self) -> str:
        """Return the site the event belongs to."""
        return self.fields.get("site", "")


def consumer_name() -> str:
    """Return a dispatcher name unique to this process."""
    return f"{socket.gethostname()}-{os.getpid()}-{random.randrange(16**6):06x}"


class Outbox:
    """Read, acknowledge, retry, bury and replay outbox events."""

    def __init__(
        self,
        redis_client: redis.Redis,
        keys: Keys,
        max_attempts: int = 20,
        retry_base: float = 2.0,
        retry_cap: float = 600.0,
        dead_max: int = 100_000,
    ) -> None:
        self.redis = redis_client
        self.keys = keys
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.dead_max = dead_max
        self.stream = keys.outbox()
        self._done = redis_client.register_script(_DONE)
        self._fail = redis_client.register_script(_FAIL)
        self._due = redis_client.register_script(_DUE)
        self._orphans = redis_client.register_script(_ORPHANS)
        self._replay = redis_client.register_script(_REPLAY)
        self._orphan_cursor = "0-0"

    @classmethod
    def from_settings(cls, redis_client: redis.Redis, keys: Keys, cfg: dict[str, Any]) -> Outbox:
        """Return the outbox configured by the CALLBACK_* settings."""
        return cls(
            redis_client,
            keys,
            max_attempts=cfg["CALLBACK_MAX_ATTEMPTS"],
            retry_base=cfg["CALLBACK_RETRY_BASE_SECONDS"],
            retry_cap=cfg["CALLBACK_RETRY_CAP_SECONDS"],
            dead_max=cfg["DEAD_LETTERS_MAX"],
        )

    def ensure_group(self) -> None:
        """Create the dispatchers' group (and the stream) unless they exist."""
        ensure_group(self.redis, self.stream, GROUP)

    def read_new(self, consumer: str, count: int, block_ms: int | None = None) -> list[Event]:
        """Return up to ``count`` events no dispatcher has read yet, waiting up to block_ms."""
        replies = self.redis.xreadgroup(
            GROUP, consumer, {self.stream: ">"}, count=count, block=block_ms
        )
        return [Event(sid, f) for _, entries in replies or [] for sid, f in entries if f]

    def due(self, consumer: str, count: int) -> list[Event]:
        """Return up to ``count`` events whose retry is due, now claimed by ``consumer``."""
        got = self._due(keys=[self.stream, self.keys.outbox_retry()], args=[GROUP, consumer, count])
        return [Event(sid, _fields(raw)) for sid, raw in got]

    def orphans(self, consumer: str, min_idle_seconds: float, count: int) -> list[Event]:
        """Return events of a dead dispatcher, idle at least ``min_idle_seconds``, now ours."""
        # The cursor walks the pending list over successive calls, so events waiting for a
        # retry at its head cannot hide orphans behind them.
        cursor, *got = self._orphans(
            keys=[self.stream, self.keys.outbox_retry()],
            args=[GROUP, consumer, int(min_idle_seconds * 1000), count, self._orphan_cursor],
        )
        self._orphan_cursor = str(cursor)
        return [Event(sid, _fields(raw)) for sid, raw in got]

    def done(self, event: Event) -> None:
        """Acknowledge a delivered event and forget it."""
        self._done(
            keys=[self.stream, self.keys.outbox_retry(), self.keys.outbox_attempts()],
            args=[GROUP, event.stream_id],
        )

    def fail(self, event: Event, error: str, final: bool = False) -> tuple[str, int]:
        """Record a failed attempt; return ("retry", "dead" or "gone", attempts so far).

        With ``final`` the event goes to the dead letters at once (no callback to try).
        """
        status, attempts, *_ = self._fail(
            keys=[
                self.stream,
                self.keys.outbox_retry(),
                self.keys.outbox_attempts(),
                self.keys.dead_letters(),
            ],
            args=[
                GROUP,
                event.stream_id,
                self.max_attempts,
                self.retry_base,
                self.retry_cap,
                random.random(),
                error[:500],
                self.dead_max,
                int(final),
            ],
        )
        return str(status), int(attempts)

    def dead(self, site: str | None = None, limit: int = 100) -> list[dict[str, str]]:
        """Return dead letters, oldest first, of one site or of all, with their ``id``."""
        out: list[dict[str, str]] = []
        start = "-"
        while len(out) < limit:
            batch = self.redis.xrange(self.keys.dead_letters(), start, "+", count=500)
            for did, f in batch:
                if site is None or f.get("site") == site:
                    out.append({"id": did} | dict(f))
            if len(batch) < 500:
                break
            start = "(" + batch[-1][0]
        return out[:limit]

    def dead_letter(self, dead_id: str) -> dict[str, str] | None:
        """Return one dead letter, or None."""
        try:
            hit = self.redis.xrange(self.keys.dead_letters(), dead_id, dead_id)
        except redis.ResponseError:  # not a stream id
            return None
        return {"id": dead_id} | dict(hit[0][1]) if hit else None

    def replay(self, dead_id: str) -> str | None:
        """Put a dead letter back in the outbox; return its new stream id, or None if unknown."""
        try:
            new_id = self._replay(keys=[self.keys.dead_letters(), self.stream], args=[dead_id])
        except redis.ResponseError:  # not a stream id
            return None
        return str(new_id) if new_id else None

    def counts(self) -> dict[str, int]:
        """Return how many events wait (new or in delivery), wait for a retry, and are dead."""
        return {
            "outbox": int(self.redis.xlen(self.stream)),
            "retrying": int(self.redis.zcard(self.keys.outbox_retry())),
            "dead": int(self.redis.xlen(self.keys.dead_letters())),
        }


def _fields(raw: list[str]) -> dict[str, str]:
    """Return a stream entry's flat field list from a script as a dict."""
    return dict(zip(raw[::2], raw[1::2], strict=True))
