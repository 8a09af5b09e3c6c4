"""The dispatcher: POST each outbox event, signed, to its site's callback, at least once."""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import redis

from service.delivery import metrics
from service.delivery.callbacks import Callback, Callbacks
from service.delivery.outbox import Event, Outbox, consumer_name
from service.delivery.signature import HEADER, sign
from service.keys import Keys

log = logging.getLogger(__name__)

EVENT_ID_HEADER = "CommentGuard-Event-Id"
BATCH = 50
# How long one read waits for new events: also how soon a stop request is noticed.
BLOCK_MS = 1000


def iso(ts: str) -> str | None:
    """Return a Unix time string as ISO 8601 UTC, or None when empty."""
    if not ts:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(ts)))


def body_of(event: Event) -> bytes:
    """Return the JSON body POSTed for an event."""
    f = event.fields
    score = f.get("score", "")
    return json.dumps(
        {
            "event_id": event.event_id,
            "type": f.get("type", "comment.decided"),
            "site": f.get("site", ""),
            "comment_id": f.get("comment_id", ""),
            "decision": f.get("decision") or None,
            "source": f.get("source", ""),
            "decided_by": f.get("decided_by", ""),
            "decided_at": iso(f.get("decided_at", "")),
            "score": float(score) if score else None,
            "model_version": f.get("model_version") or None,
        },
        separators=(",", ":"),
    ).encode()


def post(callback: Callback, event: Event, timeout: float) -> str | None:
    """POST the signed event; return None on a 2xx answer, else what went wrong.

    http.client sends the header names as written and follows no redirect: a POST must
    reach the configured URL, and a 3xx counts as a failure.
    """
    body = body_of(event)
    url = urlsplit(callback.url)
    kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    try:
        conn = kind(url.hostname or "", url.port, timeout=timeout)
        try:
            conn.request(
                "POST",
                path,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "CommentGuard-Dispatcher",
                    EVENT_ID_HEADER: event.event_id,
                    HEADER: sign(callback.secret, body),
                },
            )
            reply = conn.getresponse()
            reply.read(64 * 1024)  # the answer's body means nothing; read a little of it
            status = reply.status
        finally:
            conn.close()
    except (OSError, http.client.HTTPException, ValueError) as e:  # refused, reset, timeout
        return f"{type(e).__name__}: {e}"
    if 200 <= status < 300:
        return None
    return f"HTTP {status}"


class Dispatcher:
    """Deliver outbox events: new ones, due retries and those of dead dispatchers."""

    def __init__(
        self,
        outbox: Outbox,
        callbacks: Callbacks,
        timeout: float = 10.0,
        claim_idle: float = 60.0,
        name: str | None = None,
    ) -> None:
        self.outbox = outbox
        self.callbacks = callbacks
        self.timeout = timeout
        self.claim_idle = claim_idle
        self.name = name or consumer_name()
        self.stop_event = threading.Event()

    @classmethod
    def from_settings(
        cls, redis_client: redis.Redis, keys: Keys, cfg: dict[str, Any]
    ) -> Dispatcher:
        """Return a dispatcher configured by the CALLBACK_* settings."""
        return cls(
            Outbox.from_settings(redis_client, keys, cfg),
            Callbacks(redis_client, keys),
            timeout=cfg["CALLBACK_TIMEOUT_SECONDS"],
            claim_idle=cfg["CALLBACK_CLAIM_IDLE_SECONDS"],
        )

    def deliver(self, event: Event) -> str:
        """Try one event once; return "delivered", "retry", "dead" or "gone"."""
        callback = self.callbacks.get(event.site)
        if callback is None:
            # Removed after the event was written: keep it for a replay once one is set.
            self.outbox.fail(event, "no callback configured for the site", final=True)
            metrics.count("dead", event.site)
            return "dead"
        error = post(callback, event, self.timeout)
        if error is None:
            self.outbox.done(event)
            metrics.count("delivered", event.site)
            return "delivered"
        status, attempts = self.outbox.fail(event, error)
        if status == "gone":  # delivered by a dispatcher that took it over meanwhile
            return status
        log.warning(
            "callback of %s, event %s, attempt %d: %s", event.site, event.event_id, attempts, error
        )
        metrics.count("retried" if status == "retry" else "dead", event.site)
        return status

    def run_once(self, block_ms: int | None = None) -> int:
        """Deliver what is due now (retries, orphans, new events); return how many were tried."""
        events = self.outbox.due(self.name, BATCH)
        events += self.outbox.orphans(self.name, self.claim_idle, BATCH)
        events += self.outbox.read_new(self.name, BATCH, None if events else block_ms)
        for event in events:
            self.deliver(event)
        return len(events)

    def run(self) -> None:
        """Deliver until stopped; a lost Redis connection is retried, never fatal."""
        self.outbox.ensure_group()
        log.info("dispatcher %s started", self.name)
        while not self.stop_event.is_set():
            try:
                self.run_once(BLOCK_MS)
            except redis.ResponseError as e:
                if "NOGROUP" not in str(e):
                    log.exception("dispatcher: Redis refused a command; retrying in 1 s")
                    self.stop_event.wait(1.0)
                    continue
                # Redis restarted empty or the stream was deleted: make the group again.
                self.outbox.ensure_group()
            except redis.RedisError as e:
                log.warning("dispatcher: Redis unavailable (%s); retrying in 1 s", e)
                self.stop_event.wait(1.0)
            except Exception:
                # The loop must outlive a bug: an event stays pending and is taken over later.
                log.exception("dispatcher: unexpected error; retrying in 1 s")
                self.stop_event.wait(1.0)

    def start_thread(self) -> threading.Thread:
        """Run the dispatcher in a daemon thread; ``stop`` ends it."""
        thread = threading.Thread(target=self.run, name="commentguard-dispatcher", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        """Ask the loop to end after its current read or delivery."""
        self.stop_event.set()
