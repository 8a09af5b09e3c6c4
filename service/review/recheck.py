"""Re-score the comments waiting for review with the current model; resolve the clear ones."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from model.scorer import Scorer
from service.errors import APIError
from service.review.items import Item
from service.review.queue import ReviewQueue


@dataclass(frozen=True)
class Rescored:
    """A pending item and what the model says of it now."""

    item: Item
    verdict: str
    score: float


class Recheck:
    """Re-score unclaimed review items and resolve the ones now clearly ham or spam."""

    def __init__(self, queue: ReviewQueue) -> None:
        self.queue = queue

    def rescore(self, scorer: Scorer) -> list[Rescored]:
        """Score every unclaimed pending item with ``scorer``, in one batch.

        Items a moderator holds under a live lease are left to the moderator.
        """
        items = self.queue.pending("oldest", limit=self.queue.scan_limit)
        if not items:
            return []
        comments = [json.loads(i.record.get("comment") or "{}") for i in items]
        verdicts = scorer.check(
            [c.get("content", "") for c in comments],
            [(c.get("post") or {}).get("url") for c in comments],
            [c.get("type") for c in comments],
            [(c.get("post") or {}).get("title") for c in comments],
        )
        return [Rescored(i, v.verdict, v.score) for i, v in zip(items, verdicts, strict=True)]

    def apply(self, rescored: list[Rescored], model_version: str) -> int:
        """Resolve the items the model now calls ham or spam; return how many were resolved.

        Each is decided through the queue (so a moderator's decision made meanwhile wins)
        by ``model:<version>``, audited, and written to no label stream.
        """
        decisions = [
            (r.item.review_id, r.verdict, f"recheck: score {r.score:.4f}")
            for r in rescored
            if r.verdict != "unsure"
        ]
        results = self.queue.decide_many(decisions, f"model:{model_version}", learn=False)
        return sum(not isinstance(r, APIError) for r in results)


def counts(rescored: list[Rescored]) -> dict[str, int]:
    """Return how many pending items are now ham, unsure and spam."""
    c = Counter(r.verdict for r in rescored)
    return {"pending": len(rescored), **{v: c.get(v, 0) for v in ("ham", "unsure", "spam")}}
