"""Comment records in Redis: written once per (site, comment id), with the answer given."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis

from service.delivery.outbox import EMIT
from service.errors import APIError
from service.keys import Keys
from service.redis_client import script_pipeline

# Store the record unless it exists; an unsure comment enters the review stream in the
# same step, so a retried webhook can never queue it twice, and a final verdict (ham, spam)
# writes its outbox event (KEYS[3], KEYS[4]: outbox, the site's callback) once. With a
# fifth key, the new record also counts ARGV[8] (a verdict) in that hash, once. Returns the
# stored answer when the record already existed, nil when this call created it.
_SAVE_ONCE = (
    EMIT
    + """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HGET', KEYS[1], 'response')
end
local review_id = ''
if ARGV[3] == 'unsure' then
  review_id = redis.call('XADD', KEYS[2], '*', 'site', ARGV[6], 'id', ARGV[7], 'score', ARGV[4])
end
redis.call('HSET', KEYS[1], 'response', ARGV[1], 'comment', ARGV[2], 'verdict', ARGV[3],
  'score', ARGV[4], 'received_at', ARGV[5], 'review_id', review_id)
if ARGV[3] == 'ham' or ARGV[3] == 'spam' then
  emit(KEYS[3], KEYS[4], 'comment.decided', ARGV[6], ARGV[7], ARGV[3], 'model', ARGV[9],
    ARGV[5], ARGV[4], ARGV[9])
end
if KEYS[5] then
  redis.call('HINCRBY', KEYS[5], ARGV[8], 1)
end
return false
"""
)


@dataclass(frozen=True)
class Tally:
    """Where a newly stored comment's verdict is counted (an author's history hash)."""

    key: str
    verdict: str


class CommentStore:
    """The stored record and answer of every checked comment."""

    def __init__(
        self, redis_client: redis.Redis, keys: Keys, wait_replicas: int = 0, wait_ms: int = 0
    ) -> None:
        self.redis = redis_client
        self.keys = keys
        self.wait_replicas = wait_replicas
        self.wait_ms = wait_ms
        self._save_once = redis_client.register_script(_SAVE_ONCE)

    def get(self, site: str, comment_id: str) -> dict[str, Any] | None:
        """Return the stored record, or None."""
        raw: Any = self.redis.hgetall(self.keys.comment(site, comment_id))
        return dict(raw) if raw else None

    def stored_answer(self, site: str, comment_id: str) -> dict[str, Any] | None:
        """Return the answer given when the comment was first checked, or None."""
        raw = self.redis.hget(self.keys.comment(site, comment_id), "response")
        return json.loads(raw) if raw else None

    def save_once(
        self, site: str, comment: dict[str, Any], answer: dict[str, Any]
    ) -> dict[str, Any]:
        """Store the record unless one exists; return the answer that now stands."""
        return self.save_many(site, [(comment, answer)])[0]

    def save_many(
        self,
        site: str,
        items: list[tuple[dict[str, Any], dict[str, Any]]],
        tallies: Sequence[Tally | None] = (),
    ) -> list[dict[str, Any]]:
        """Store each (comment, answer) unless stored; return the answers that now stand.

        Args:
            tallies: per item, where to count its verdict if this call stores it, or None.
        """
        now = f"{time.time():.6f}"
        counted = list(tallies) or [None] * len(items)
        calls = [
            {
                "keys": [
                    self.keys.comment(site, comment["id"]),
                    self.keys.review_stream(),
                    self.keys.outbox(),
                    self.keys.callback(site),
                ]
                + ([tally.key] if tally else []),
                "args": [
                    json.dumps(answer),
                    json.dumps(comment),
                    answer["verdict"],
                    repr(answer["score"]),
                    now,
                    site,
                    comment["id"],
                    tally.verdict if tally else "",
                    str(answer.get("model_version") or ""),
                ],
            }
            for (comment, answer), tally in zip(items, counted, strict=True)
        ]
        if len(calls) == 1:
            # EVALSHA alone is one round trip; a pipeline first asks SCRIPT EXISTS.
            results = [self._save_once(**calls[0])]
        else:
            with script_pipeline(self.redis, self.keys.review_stream()) as pipe:
                for call in calls:
                    self._save_once(**call, client=pipe)
                results = pipe.execute()
        if self.wait_replicas:
            self._wait_for_replicas()
        return [
            json.loads(existing) if existing else answer
            for existing, (_, answer) in zip(results, items, strict=True)
        ]

    def _wait_for_replicas(self) -> None:
        """Answer 503 unless ``wait_replicas`` replicas hold the save: a failover keeps it.

        The record stays on the master either way, so the platform's retry gets the same
        answer back and queues nothing twice.
        """
        try:
            acked = int(self.redis.wait(self.wait_replicas, self.wait_ms))
        except redis.ResponseError:
            # The server was demoted to a replica since the save (a failover in progress).
            acked = 0
        if acked < self.wait_replicas:
            raise APIError(
                503,
                "storage_unavailable",
                f"the comment was stored but only {acked} of {self.wait_replicas} Redis "
                "replicas confirmed it in time; retry shortly",
            )
