"""Unsure comments put straight into the store, for the review queue's tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis

from service.keys import Keys
from service.review.records import CommentStore

SITE = "blog.example.com"


def comment(comment_id: str, content: str, **extra: Any) -> dict[str, Any]:
    """Return a comment as the check API stores it."""
    return {
        "id": comment_id,
        "site": SITE,
        "content": content,
        "type": "comment",
        "author": extra.get("author", {"name": "Ann", "email": "ann@example.org"}),
        "post": extra.get("post", {"id": "p-1", "title": "Hello"}),
        "created_at": None,
    }


def enqueue(
    client: redis.Redis, keys: Keys, scores: Sequence[float], contents: Sequence[str] = ()
) -> list[str]:
    """Store one unsure comment per score and return their review ids, oldest first."""
    store = CommentStore(client, keys)
    ids = []
    for i, score in enumerate(scores):
        cid = f"c-{i}"
        text = contents[i] if i < len(contents) else f"comment number {i}"
        answer = {
            "id": cid,
            "verdict": "unsure",
            "score": score,
            "reasons": [{"code": "spam_words", "message": 'uses the words "check"', "weight": 1.0}],
            "model_version": "test-model",
        }
        store.save_once(SITE, comment(cid, text), answer)
        ids.append(str(client.hget(keys.comment(SITE, cid), "review_id")))
    return ids
