"""A platform's own decisions: they close our review item of the same comment."""

from __future__ import annotations

from dataclasses import dataclass

import redis

from service.keys import Keys
from service.review.queue import GROUP, LABELS
from service.review.scripts import CLOSE


@dataclass(frozen=True)
class Closing:
    """What a platform's decision did: ``closed`` a review item, ``recorded`` it, or nothing."""

    status: str
    """``closed`` (an open review item was decided), ``recorded`` (the record notes it, no
    item was open) or ``unknown`` (no record and no text: nothing was written)."""
    review_id: str
    """The review item of the comment, or empty when it never had one."""


class PlatformDecisions:
    """Record spam/ham decisions a platform made itself (Akismet submissions, the label API)."""

    def __init__(self, redis_client: redis.Redis, keys: Keys) -> None:
        self.redis = redis_client
        self.keys = keys
        self._close = redis_client.register_script(CLOSE)

    def close(
        self,
        site: str,
        comment_id: str,
        label: str,
        source: str,
        text: str = "",
        post_url: str = "",
        comment_type: str = "",
    ) -> Closing:
        """Apply the platform's ``label`` to the comment in one atomic step.

        The record (if any) notes the label, so a recheck answers it; an open review item is
        decided by ``platform:<source>`` and leaves the queue; an audit entry and one training
        label are written. Without a record only the label is written, from ``text``.
        """
        if label not in LABELS:
            raise ValueError(f"label must be spam or ham, not {label!r}")
        status, review_id = self._close(
            keys=[
                self.keys.comment(site, comment_id),
                self.keys.review_stream(),
                self.keys.audit_stream(),
                self.keys.labels_stream(),
                self.keys.review_index(),
                self.keys.review_decided(),
                self.keys.outbox(),
                self.keys.callback(site),
            ],
            args=[label, source, GROUP, site, comment_id, text, post_url, comment_type],
        )
        return Closing(str(status), str(review_id))
