"""Signed callbacks: a timestamped HMAC-SHA256 over the raw body, checked within a window.

The header is ``CommentGuard-Signature: t=<unix seconds>,v1=<hex digest>``, the digest being
HMAC-SHA256 with the site's callback secret over ``b"<t>." + body``. A receiver recomputes it,
compares in constant time and refuses a timestamp outside its replay window, so a captured
request cannot be replayed later; the event id in the body lets it drop a redelivery.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "CommentGuard-Signature"
TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """A callback's signature is missing, malformed, wrong or too old."""


def digest(secret: str, timestamp: int, body: bytes) -> str:
    """Return the hex HMAC-SHA256 of ``<timestamp>.<body>`` under the secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, now: float | None = None) -> str:
    """Return the signature header value for a body sent now."""
    timestamp = int(time.time() if now is None else now)
    return f"t={timestamp},v1={digest(secret, timestamp, body)}"


def verify(
    secret: str,
    body: bytes,
    header: str | None,
    tolerance: float = TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Return the signed timestamp, or raise SignatureError saying what is wrong."""
    if not header:
        raise SignatureError(f"no {HEADER} header")
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        fields.setdefault(name, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        raise SignatureError(f"{HEADER} has no t=<unix seconds>") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError(f"signed at {timestamp}, outside the {tolerance:g} s window")
    expected = digest(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, v) for v in fields.get("v1", [])):
        raise SignatureError("the signature does not match the body")
    return timestamp
