"""The review queue: unsure comments in a Redis stream, served to moderators by a consumer group.

An entry enters the stream with its comment record (``records.py``). Claiming reads it into
the group's pending list under the moderator's name (XREADGROUP); a claim idle for longer
than the lease is taken over by the next claim (XPENDING IDLE finds it, XCLAIM with the lease
as min-idle takes it). A decision acknowledges and deletes the entry, so the stream holds
exactly the undecided items.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import redis

from model.artifact import COMMENT_TYPE
from service.errors import APIError
from service.keys import Keys

GROUP = "moderators"
# A stream entry id; anything else cannot name a review item.
REVIEW_ID = re.compile(r"\d{1,19}-\d{1,19}")
LABELS = ("spam", "ham")
# A calibrated probability of 0.5 is where the model knows least.
MOST_UNCERTAIN = 0.5
DAY = 86400

_NOW = r"""
local t = redis.call('TIME')
local now = string.format('%.6f', tonumber(t[1]) + tonumber(t[2]) / 1e6)
local function decode(raw)
  if not raw then return {} end
  local ok, value = pcall(cjson.decode, raw)
  if ok then return value end
  -- Python's JSON may hold a lone UTF-16 surrogate, which stops cjson: replace them.
  ok, value = pcall(cjson.decode, (string.gsub(raw, '\\u[dD][89a-fA-F]%x%x', '\\ufffd')))
  if ok then return value end
  return {}
end
local function text(value)
  if type(value) == 'string' then return value end
  return ''
end
"""

# One decision per item: the first caller wins, later ones learn who decided and when.
# KEYS: record, review stream, audit, labels, review index, decided set.
# ARGV: review id, label, moderator, note, lease ms, group, site, comment id, learn (1/0).
_DECIDE = (
    _NOW
    + """
local rec = redis.call('HMGET', KEYS[1], 'review_id', 'review_state', 'decision',
  'decided_by', 'decided_at', 'comment', 'response', 'verdict', 'score')
if rec[1] ~= ARGV[1] then
  return {'superseded', rec[1] or ''}
end
if rec[2] == 'decided' then
  return {'decided', rec[3], rec[4], rec[5]}
end
local pel = redis.pcall('XPENDING', KEYS[2], ARGV[6], ARGV[1], ARGV[1], 1)
if type(pel) == 'table' and pel[1] and pel[1][2] ~= ARGV[3]
    and pel[1][3] < tonumber(ARGV[5]) then
  return {'claimed', pel[1][2], tostring(pel[1][3])}
end
redis.call('XACK', KEYS[2], ARGV[6], ARGV[1])
redis.call('XDEL', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'review_state', 'decided', 'decision', ARGV[2],
  'decided_by', ARGV[3], 'decided_at', now, 'note', ARGV[4])
redis.call('HSET', KEYS[5], ARGV[1], cjson.encode({ARGV[7], ARGV[8]}))
redis.call('ZADD', KEYS[6], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', tonumber(now) - 86400)
redis.call('XADD', KEYS[3], '*', 'event', 'decide', 'review_id', ARGV[1], 'site', ARGV[7],
  'id', ARGV[8], 'moderator', ARGV[3], 'at', now, 'label', ARGV[2], 'note', ARGV[4],
  'score', rec[9], 'verdict', rec[8], 'model_version', text(decode(rec[7]).model_version))
if ARGV[9] == '1' then
  local comment = decode(rec[6])
  local post = type(comment.post) == 'table' and comment.post or {}
  redis.call('XADD', KEYS[4], '*', 'site', ARGV[7], 'id', ARGV[8], 'label', ARGV[2],
    'text', text(comment.content), 'post_url', text(post.url), 'type', text(comment.type),
    'post_title', text(post.title),
    'source', 'moderator:' .. ARGV[3], 'at', now)
end
return {'ok', now}
"""
)

# Put a decided item back in the queue as a new entry and withdraw its label.
# KEYS: record, review stream, audit, labels, decided set.
# ARGV: review id, moderator, undo window seconds, site, comment id.
_UNDO = (
    _NOW
    + """
local rec = redis.call('HMGET', KEYS[1], 'review_id', 'review_state', 'decision',
  'decided_by', 'decided_at', 'score', 'verdict', 'response')
if rec[1] ~= ARGV[1] then
  return {'superseded', rec[1] or ''}
end
if rec[2] ~= 'decided' then
  return {'not_decided'}
end
if rec[4] ~= ARGV[2] then
  return {'not_decider', rec[4]}
end
if tonumber(now) - tonumber(rec[5]) > tonumber(ARGV[3]) then
  return {'too_late', rec[5]}
end
local new_id = redis.call('XADD', KEYS[2], '*', 'site', ARGV[4], 'id', ARGV[5], 'score', rec[6])
redis.call('HSET', KEYS[1], 'review_id', new_id, 'review_state', 'pending')
redis.call('HDEL', KEYS[1], 'decision', 'decided_by', 'decided_at', 'note')
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('XADD', KEYS[3], '*', 'event', 'undo', 'review_id', ARGV[1], 'site', ARGV[4],
  'id', ARGV[5], 'moderator', ARGV[2], 'at', now, 'label', rec[3], 'requeued_as', new_id,
  'score', rec[6], 'verdict', rec[7], 'model_version', text(decode(rec[8]).model_version))
redis.call('XADD', KEYS[4], '*', 'site', ARGV[4], 'id', ARGV[5], 'label', 'retracted',
  'text', '', 'source', 'moderator:' .. ARGV[2], 'at', now)
return {'ok', new_id}
"""
)

# Hand a claim back: mark it idle for a whole lease so the next claim takes it.
# KEYS: review stream. ARGV: review id, moderator, group, lease ms.
_RELEASE = """
local pel = redis.pcall('XPENDING', KEYS[1], ARGV[3], ARGV[1], ARGV[1], 1)
if type(pel) ~= 'table' or not pel[1] or pel[1][3] >= tonumber(ARGV[4]) then
  return {'not_claimed'}
end
if pel[1][2] ~= ARGV[2] then
  return {'not_yours', pel[1][2]}
end
redis.call('XCLAIM', KEYS[1], ARGV[3], ARGV[2], 0, ARGV[1], 'IDLE', ARGV[4], 'JUSTID')
return {'ok'}
"""


def iso(ts: float | str) -> str:
    """Return a Unix time as an ISO 8601 UTC string."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(ts)))


def enqueued_at(review_id: str) -> float:
    """Return when a stream entry was added, from its id."""
    return int(review_id.partition("-")[0]) / 1000


@dataclass(frozen=True)
class Item:
    """A comment waiting for a moderator, with its stored record."""

    review_id: str
    site: str
    comment_id: str
    score: float
    record: dict[str, Any]
    claimed_by: str | None = None
    claim_expires_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the item as JSON-ready data."""
        answer = json.loads(self.record.get("response") or "{}")
        comment = json.loads(self.record.get("comment") or "{}")
        claim = None
        if self.claimed_by is not None and self.claim_expires_at is not None:
            claim = {"moderator": self.claimed_by, "expires_at": iso(self.claim_expires_at)}
        return {
            "review_id": self.review_id,
            "site": self.site,
            "comment_id": self.comment_id,
            "score": self.score,
            "verdict": answer.get("verdict", "unsure"),
            "reasons": answer.get("reasons", []),
            "model_version": answer.get("model_version"),
            "content": comment.get("content", ""),
            "type": comment.get("type", COMMENT_TYPE),
            "author": comment.get("author", {}),
            "post": comment.get("post", {}),
            "created_at": comment.get("created_at"),
            "received_at": iso(self.record["received_at"])
            if "received_at" in self.record
            else None,
            "enqueued_at": iso(enqueued_at(self.review_id)),
            "claim": claim,
        }


@dataclass(frozen=True)
class Decision:
    """A moderator's verdict on a review item."""

    review_id: str
    label: str
    moderator: str
    at: float
    undo_until: float

    def to_dict(self) -> dict[str, Any]:
        """Return the decision as JSON-ready data."""
        return {
            "review_id": self.review_id,
            "label": self.label,
            "decided_by": self.moderator,
            "decided_at": iso(self.at),
            "undo_until": iso(self.undo_until),
        }


class ReviewQueue:
    """Claim, decide, release and undo review items; count and list them."""

    def __init__(
        self,
        redis_client: redis.Redis,
        keys: Keys,
        lease_seconds: float = 600,
        undo_seconds: float = 300,
        scan_limit: int = 10_000,
    ) -> None:
        self.redis = redis_client
        self.keys = keys
        self.lease_ms = int(lease_seconds * 1000)
        self.undo_seconds = undo_seconds
        self.scan_limit = scan_limit
        self.stream = keys.review_stream()
        self._decide = redis_client.register_script(_DECIDE)
        self._undo = redis_client.register_script(_UNDO)
        self._release = redis_client.register_script(_RELEASE)

    @classmethod
    def from_settings(
        cls, redis_client: redis.Redis, keys: Keys, cfg: dict[str, Any]
    ) -> ReviewQueue:
        """Return the queue configured by the REVIEW_* settings."""
        return cls(
            redis_client,
            keys,
            lease_seconds=cfg["REVIEW_LEASE_SECONDS"],
            undo_seconds=cfg["REVIEW_UNDO_SECONDS"],
            scan_limit=cfg["REVIEW_SCAN_LIMIT"],
        )

    # --- the consumer group -------------------------------------------------------------

    def ensure_group(self) -> None:
        """Create the consumer group (and the stream) unless they exist."""
        try:
            # From id 0, so entries queued before the group existed are served too.
            self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as e:
            if "BUSYGROUP" not in str(e):
                raise

    def _group_info(self) -> dict[str, Any]:
        """Return XINFO GROUPS of the moderators' group, creating it when missing."""
        for _ in range(2):
            try:
                groups = self.redis.xinfo_groups(self.stream)
            except redis.ResponseError:
                groups = []
            for g in groups:
                if g["name"] == GROUP:
                    return dict(g)
            self.ensure_group()
        raise RuntimeError("the review consumer group vanished while being created")

    # --- reading ------------------------------------------------------------------------

    def _items(
        self,
        entries: Iterable[tuple[str, dict[str, str] | None]],
        claims: dict[str, tuple[str, float]],
    ) -> list[Item]:
        """Attach each stream entry's comment record; skip entries deleted meanwhile."""
        present = [(rid, f) for rid, f in entries if f]
        with self.redis.pipeline(transaction=False) as pipe:
            for _, f in present:
                pipe.hgetall(self.keys.comment(f["site"], f["id"]))
            records = pipe.execute()
        items = []
        for (rid, f), record in zip(present, records, strict=True):
            holder = claims.get(rid)
            items.append(
                Item(
                    review_id=rid,
                    site=f["site"],
                    comment_id=f["id"],
                    score=float(f["score"]),
                    record=record,
                    claimed_by=holder[0] if holder else None,
                    claim_expires_at=holder[1] if holder else None,
                )
            )
        return items

    def _entries(self, review_ids: list[str]) -> list[tuple[str, dict[str, str] | None]]:
        """Return the stream entries of the given ids (fields None where deleted)."""
        with self.redis.pipeline(transaction=False) as pipe:
            for rid in review_ids:
                pipe.xrange(self.stream, rid, rid)
            found = pipe.execute()
        return [
            (rid, hit[0][1] if hit else None) for rid, hit in zip(review_ids, found, strict=True)
        ]

    def _expired(self, count: int) -> list[str]:
        """Return up to ``count`` claimed ids whose lease has run out, oldest first."""
        if count <= 0:
            return []
        # The IDLE filter runs in the server, however long the pending list.
        late = self.redis.xpending_range(
            self.stream, GROUP, "-", "+", count=count, idle=self.lease_ms
        )
        return [p["message_id"] for p in late]

    def _now(self) -> float:
        """Return the Redis server's clock, shared by every API host."""
        seconds, micros = self.redis.time()
        return float(seconds) + micros / 1e6

    def pending(self, order: str = "oldest", limit: int = 50) -> list[Item]:
        """Return unclaimed items, oldest first or most uncertain first."""
        info = self._group_info()
        wanted = limit if order == "oldest" else self.scan_limit
        expired = self._expired(min(int(info["pending"]), wanted))
        # Every delivered entry is older than every undelivered one.
        fresh = self.redis.xrange(self.stream, f"({info['last-delivered-id']}", "+", count=wanted)
        items = self._items(self._entries(expired) + list(fresh), {})
        if order == "uncertain":
            items.sort(key=lambda i: abs(i.score - MOST_UNCERTAIN))
        return items[:limit]

    def claimed_by(self, moderator: str) -> list[Item]:
        """Return the items whose lease the moderator holds, oldest first."""
        held = int(self._group_info()["pending"])
        if not held:
            return []
        now = self._now()
        mine = {
            c["message_id"]: (moderator, now + (self.lease_ms - c["time_since_delivered"]) / 1000)
            for c in self.redis.xpending_range(
                self.stream, GROUP, "-", "+", count=held, consumername=moderator
            )
            if c["time_since_delivered"] < self.lease_ms
        }
        return self._items(self._entries(list(mine)), mine)

    def counts(self) -> dict[str, int]:
        """Return how many items are pending and how many are claimed."""
        held = int(self._group_info()["pending"])
        claimed = held - len(self._expired(held))
        return {"pending": int(self.redis.xlen(self.stream)) - claimed, "claimed": claimed}

    def stats(self) -> dict[str, Any]:
        """Return pending, claimed, decided in the last 24 h and the oldest pending age."""
        now = self._now()
        oldest = self.pending("oldest", 1)
        return self.counts() | {
            "decided_24h": int(self.redis.zcount(self.keys.review_decided(), now - DAY, "+inf")),
            "oldest_pending_age_seconds": (
                round(now - enqueued_at(oldest[0].review_id), 3) if oldest else None
            ),
        }

    def recent_decisions(
        self, moderator: str, limit: int = 10, scan: int = 500
    ) -> list[dict[str, Any]]:
        """Return the moderator's latest decisions not undone, newest first, from the audit."""
        undone: set[str] = set()
        out: list[dict[str, Any]] = []
        for _, f in self.redis.xrevrange(self.keys.audit_stream(), count=scan):
            if f["event"] == "undo":
                undone.add(f["review_id"])
            elif f["moderator"] == moderator and f["review_id"] not in undone:
                out.append(dict(f))
                if len(out) == limit:
                    break
        return out

    def state_of(self, record: dict[str, Any]) -> dict[str, Any]:
        """Return the review state of a stored comment record, for the platform to poll."""
        rid = record.get("review_id") or ""
        if not rid:
            return {"state": "none"}
        if record.get("review_state") == "decided":
            return {
                "state": "decided",
                "review_id": rid,
                "decision": {
                    "label": record["decision"],
                    "decided_by": record["decided_by"],
                    "decided_at": iso(record["decided_at"]),
                    "note": record.get("note", ""),
                },
            }
        try:
            hit = self.redis.xpending_range(self.stream, GROUP, rid, rid, count=1)
        except redis.ResponseError:  # no group yet: nothing was ever claimed
            hit = []
        if hit and hit[0]["time_since_delivered"] < self.lease_ms:
            left = (self.lease_ms - hit[0]["time_since_delivered"]) / 1000
            return {
                "state": "claimed",
                "review_id": rid,
                "claim_expires_at": iso(self._now() + left),
            }
        return {"state": "pending", "review_id": rid}

    # --- changing -----------------------------------------------------------------------

    def claim(self, moderator: str, count: int) -> list[Item]:
        """Lease up to ``count`` items to the moderator: expired claims first, then new ones."""
        self._group_info()
        got: list[tuple[str, dict[str, str] | None]] = []
        expired = self._expired(count)
        if expired:
            # XCLAIM checks the idle time again, atomically: an entry another moderator
            # took meanwhile is not taken twice.
            got = list(self.redis.xclaim(self.stream, GROUP, moderator, self.lease_ms, expired))
        if len(got) < count:
            for _, entries in self.redis.xreadgroup(
                GROUP, moderator, {self.stream: ">"}, count=count - len(got)
            ):
                got += entries
        got = [(rid, f) for rid, f in got if f]
        expires = self._now() + self.lease_ms / 1000
        return self._items(got, {rid: (moderator, expires) for rid, _ in got})

    def _comment_of(self, review_ids: list[str]) -> list[tuple[str, str] | None]:
        """Return (site, comment id) of each review id, queued or decided, or None."""
        with self.redis.pipeline(transaction=False) as pipe:
            for rid in review_ids:
                # A malformed id is looked up as "0-0", which names no item.
                valid = rid if REVIEW_ID.fullmatch(rid) else "0-0"
                pipe.xrange(self.stream, valid, valid)
                pipe.hget(self.keys.review_index(), valid)
            replies = pipe.execute()
        out: list[tuple[str, str] | None] = []
        for entry, decided in zip(replies[::2], replies[1::2], strict=True):
            if entry:
                out.append((entry[0][1]["site"], entry[0][1]["id"]))
            elif decided:
                site, comment_id = json.loads(decided)
                out.append((site, comment_id))
            else:
                out.append(None)
        return out

    def decide(self, review_id: str, label: str, moderator: str, note: str = "") -> Decision:
        """Decide one item; raise APIError 404/409 when it is unknown, decided or claimed."""
        result = self.decide_many([(review_id, label, note)], moderator)[0]
        if isinstance(result, APIError):
            raise result
        return result

    def decide_many(
        self, decisions: list[tuple[str, str, str]], moderator: str, learn: bool = True
    ) -> list[Decision | APIError]:
        """Decide many (review id, label, note) at once; each succeeds or fails on its own.

        With ``learn`` False no training label is written: a model resolving items must not
        learn from itself.
        """
        for _, label, _ in decisions:
            if label not in LABELS:
                raise APIError(422, "invalid_label", "`label` must be spam or ham", "label")
        comments = self._comment_of([rid for rid, _, _ in decisions])
        calls = [
            (
                [
                    self.keys.comment(*comment),
                    self.stream,
                    self.keys.audit_stream(),
                    self.keys.labels_stream(),
                    self.keys.review_index(),
                    self.keys.review_decided(),
                ],
                [rid, label, moderator, note, self.lease_ms, GROUP, *comment, int(learn)],
            )
            for (rid, label, note), comment in zip(decisions, comments, strict=True)
            if comment is not None
        ]
        if len(calls) == 1:
            # One call needs no pipeline, whose script check would cost a round trip.
            replies = iter([self._decide(keys=calls[0][0], args=calls[0][1])])
        else:
            with self.redis.pipeline(transaction=False) as pipe:
                for keys, args in calls:
                    self._decide(keys=keys, args=args, client=pipe)
                replies = iter(pipe.execute())
        return [
            self._decision(rid, label, moderator, next(replies) if comment else None)
            for (rid, label, _), comment in zip(decisions, comments, strict=True)
        ]

    def _decision(
        self, rid: str, label: str, moderator: str, reply: list[str] | None
    ) -> Decision | APIError:
        """Turn the decide script's reply into a Decision or the error to answer."""
        if reply is None:
            return APIError(404, "not_found", f"no review item {rid!r}")
        status, *rest = reply
        if status == "ok":
            at = float(rest[0])
            return Decision(rid, label, moderator, at, at + self.undo_seconds)
        if status == "decided":
            decided, by, when = rest
            return APIError(
                409, "already_decided", f"already decided {decided} by {by} at {iso(when)}"
            )
        if status == "claimed":
            holder, idle_ms = rest
            until = iso(time.time() + (self.lease_ms - int(idle_ms)) / 1000)
            return APIError(409, "claimed", f"claimed by {holder} until {until}")
        return _superseded(rid, rest[0])

    def undo(self, review_id: str, moderator: str) -> str:
        """Undo the moderator's recent decision; return the item's new review id."""
        comment = self._comment_of([review_id])[0]
        if comment is None:
            raise APIError(404, "not_found", f"no review item {review_id!r}")
        status, *rest = self._undo(
            keys=[
                self.keys.comment(*comment),
                self.stream,
                self.keys.audit_stream(),
                self.keys.labels_stream(),
                self.keys.review_decided(),
            ],
            args=[review_id, moderator, self.undo_seconds, *comment],
        )
        if status == "ok":
            return str(rest[0])
        if status == "not_decided":
            raise APIError(409, "not_decided", f"review item {review_id!r} is not decided")
        if status == "not_decider":
            raise APIError(403, "not_decider", f"only {rest[0]}, who decided it, may undo it")
        if status == "too_late":
            raise APIError(
                409,
                "undo_window_passed",
                f"decided at {iso(rest[0])}; decisions can be undone for"
                f" {self.undo_seconds:g} seconds",
            )
        raise _superseded(review_id, rest[0])

    def release(self, review_id: str, moderator: str) -> None:
        """Hand the moderator's claim back to the queue at once."""
        if not REVIEW_ID.fullmatch(review_id):
            raise APIError(404, "not_found", f"no review item {review_id!r}")
        self._group_info()
        status, *rest = self._release(
            keys=[self.stream], args=[review_id, moderator, GROUP, self.lease_ms]
        )
        if status == "not_claimed":
            raise APIError(409, "not_claimed", f"review item {review_id!r} is not claimed")
        if status == "not_yours":
            raise APIError(409, "claimed", f"claimed by {rest[0]}, not by {moderator}")


def _superseded(rid: str, current: str) -> APIError:
    """Return the error for a review id that an undo replaced."""
    if current:
        return APIError(
            409, "superseded", f"review item {rid!r} was undone and queued again as {current!r}"
        )
    return APIError(404, "not_found", f"no review item {rid!r}")
