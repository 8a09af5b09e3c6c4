"""Re-score the comments waiting for review with the current model; resolve the clear ones.

What this assumes of the review queue (kept here, in one place, to match the queue module):
an item is the review stream entry that ``CommentStore.save_many`` wrote (fields ``site``,
``id``, ``score``); it is pending while its comment record still names that entry in
``review_id`` and has no ``decision`` field. Resolving an item writes ``decision``,
``decided_by`` and ``decided_at`` on the record, deletes the stream entry and appends an
audit entry, in one Lua script that does nothing when a moderator decided first. A model's
decision is deliberately not written to the labels stream: a model must not learn from itself.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import redis

from model.scorer import Scorer
from service.keys import Keys

# KEYS: record, review stream, audit stream.
# ARGV: review entry id, decision, decided_by, time, site, comment id, score, model version.
_RESOLVE = """
if redis.call('HGET', KEYS[1], 'review_id') ~= ARGV[1] then return 0 end
if redis.call('HEXISTS', KEYS[1], 'decision') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'decision', ARGV[2], 'decided_by', ARGV[3], 'decided_at', ARGV[4])
redis.call('XDEL', KEYS[2], ARGV[1])
redis.call('XADD', KEYS[3], '*', 'action', 'auto_resolve', 'site', ARGV[5], 'id', ARGV[6],
  'decision', ARGV[2], 'score', ARGV[7], 'by', ARGV[3], 'model_version', ARGV[8],
  'review_id', ARGV[1], 'at', ARGV[4])
return 1
"""


@dataclass(frozen=True)
class PendingItem:
    """A comment waiting for a moderator."""

    review_id: str
    site: str
    comment_id: str
    text: str


@dataclass(frozen=True)
class Rescored:
    """A pending item and what the model says of it now."""

    item: PendingItem
    verdict: str
    score: float


class Recheck:
    """Re-score pending review items and resolve the ones now clearly ham or spam."""

    def __init__(self, redis_client: redis.Redis, keys: Keys) -> None:
        self.redis = redis_client
        self.keys = keys
        self._resolve = redis_client.register_script(_RESOLVE)

    def pending(self) -> list[PendingItem]:
        """Return every item still waiting for a decision, oldest first."""
        items = []
        entries: Any = self.redis.xrange(self.keys.review_stream())
        for review_id, fields in entries:
            record: Any = self.redis.hgetall(self.keys.comment(fields["site"], fields["id"]))
            if record.get("review_id") != review_id or "decision" in record:
                continue
            text = json.loads(record["comment"])["content"]
            items.append(PendingItem(review_id, fields["site"], fields["id"], text))
        return items

    def rescore(self, scorer: Scorer) -> list[Rescored]:
        """Score every pending item with ``scorer``, in one batch."""
        items = self.pending()
        if not items:
            return []
        verdicts = scorer.check([i.text for i in items])
        return [Rescored(i, v.verdict, v.score) for i, v in zip(items, verdicts, strict=True)]

    def apply(self, rescored: list[Rescored], model_version: str) -> int:
        """Resolve the items the model now calls ham or spam; return how many were resolved."""
        now = f"{time.time():.6f}"
        by = f"model:{model_version}"
        resolved = 0
        for r in rescored:
            if r.verdict == "unsure":
                continue
            resolved += self._resolve(
                keys=[
                    self.keys.comment(r.item.site, r.item.comment_id),
                    self.keys.review_stream(),
                    self.keys.audit_stream(),
                ],
                args=[
                    r.item.review_id,
                    r.verdict,
                    by,
                    now,
                    r.item.site,
                    r.item.comment_id,
                    repr(r.score),
                    model_version,
                ],
            )
        return resolved


def counts(rescored: list[Rescored]) -> dict[str, int]:
    """Return how many pending items are now ham, unsure and spam."""
    c = Counter(r.verdict for r in rescored)
    return {"pending": len(rescored), **{v: c.get(v, 0) for v in ("ham", "unsure", "spam")}}
