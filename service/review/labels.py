"""Training labels in a Redis stream: every human verdict, the latest per comment counts."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import redis

from service.keys import Keys


@dataclass(frozen=True)
class Label:
    """One human verdict on a comment."""

    site: str
    comment_id: str
    label: str
    text: str
    source: str
    at: float
    post_url: str = ""
    """The URL of the post the comment sits under, when the platform sent it."""
    comment_type: str = ""
    """The comment type (comment, trackback, contact-form, ...), when known."""
    post_title: str = ""
    """The title of the post the comment sits under, when the platform sent it."""


RETRACTED = "retracted"
"""The label of an entry that withdraws a comment's earlier label (an undone decision)."""


class LabelLog:
    """Append labels and read back the latest one per (site, comment id)."""

    def __init__(self, redis_client: redis.Redis, keys: Keys) -> None:
        self.redis = redis_client
        self.keys = keys

    def add(
        self,
        site: str,
        comment_id: str,
        label: str,
        text: str,
        source: str,
        client: Any = None,
        post_url: str = "",
        comment_type: str = "",
        post_title: str = "",
    ) -> Any:
        """Append a label (``spam`` or ``ham``); pass a pipeline as ``client`` to batch it."""
        if label not in ("spam", "ham"):
            raise ValueError(f"label must be spam or ham, not {label!r}")
        fields: Any = {
            "site": site,
            "id": comment_id,
            "label": label,
            "text": text,
            "source": source,
            "at": f"{time.time():.6f}",
            "post_url": post_url,
            "type": comment_type,
            "post_title": post_title,
        }
        return (client or self.redis).xadd(self.keys.labels_stream(), fields)

    def latest(self) -> list[Label]:
        """Return the newest label of each comment, oldest first; retracted ones drop out."""
        newest: dict[tuple[str, str], Label] = {}
        # redis-py 8 types replies as bytes | str; this client decodes responses.
        entries: Any = self.redis.xrange(self.keys.labels_stream())
        for _, f in entries:
            key = (f["site"], f["id"])
            newest.pop(key, None)
            if f["label"] == RETRACTED:
                continue
            newest[key] = Label(
                f["site"],
                f["id"],
                f["label"],
                f["text"],
                f["source"],
                float(f["at"]),
                f.get("post_url", ""),
                f.get("type", ""),
                f.get("post_title", ""),
            )
        return list(newest.values())
