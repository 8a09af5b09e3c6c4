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
from collections.abc import Callable, Iterable
from typing import Any

import redis

from service.errors import APIError
from service.keys import Keys
from service.redis_client import ensure_group, script_pipeline
from service.review.items import Decision, Item, decision_of, enqueued_at, iso, undo_error
from service.review.scripts import DECIDE, RELEASE, UNDO

GROUP = "moderators"
# A stream entry id; anything else cannot name a review item.
REVIEW_ID = re.compile(r"\d{1,19}-\d{1,19}")
LABELS = ("spam", "ham")
# A calibrated probability of 0.5 is where the model knows least.
MOST_UNCERTAIN = 0.5
DAY = 86400


class ReviewQueue:
    """Claim, decide, release and undo review items; count and list them."""

    def __init__(
        self,
        redis_client: redis.Redis,
        keys: Keys,
        lease_seconds: float = 600,
        undo_seconds: float = 300,
        scan_limit: int = 10_000,
        on_decision: Callable[[str, str], None] = lambda label, source: None,
    ) -> None:
        self.redis = redis_client
        self.on_decision = on_decision
        self.keys = keys
        self.lease_ms = int(lease_seconds * 1000)
        self.undo_seconds = undo_seconds
        self.scan_limit = scan_limit
        self.stream = keys.review_stream()
        self._decide = redis_client.register_script(DECIDE)
        self._undo = redis_client.register_script(UNDO)
        self._release = redis_client.register_script(RELEASE)

    @classmethod
    def from_settings(
        cls, redis_client: redis.Redis, keys: Keys, cfg: dict[str, Any], **options: Any
    ) -> ReviewQueue:
        """Return the queue configured by the REVIEW_* settings (and ``options``)."""
        return cls(
            redis_client,
            keys,
            lease_seconds=cfg["REVIEW_LEASE_SECONDS"],
            undo_seconds=cfg["REVIEW_UNDO_SECONDS"],
            scan_limit=cfg["REVIEW_SCAN_LIMIT"],
            **options,
        )

    # --- the consumer group -------------------------------------------------------------

    def ensure_group(self) -> None:
        """Create the consumer group (and the stream) unless they exist."""
        ensure_group(self.redis, self.stream, GROUP)

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
                    self.keys.outbox(),
                    self.keys.callback(comment[0]),
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
            with script_pipeline(self.redis, self.stream) as pipe:
                for keys, args in calls:
                    self._decide(keys=keys, args=args, client=pipe)
                replies = iter(pipe.execute())
        results = [
            decision_of(
                rid,
                label,
                moderator,
                next(replies) if comment else None,
                self.lease_ms,
                self.undo_seconds,
            )
            for (rid, label, _), comment in zip(decisions, comments, strict=True)
        ]
        for d in (r for r in results if isinstance(r, Decision)):
            self.on_decision(d.label, "moderator" if learn else "model")
        return results

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
                self.keys.outbox(),
                self.keys.callback(comment[0]),
            ],
            args=[review_id, moderator, self.undo_seconds, *comment],
        )
        if status == "ok":
            return str(rest[0])
        raise undo_error(review_id, status, rest, self.undo_seconds)

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
