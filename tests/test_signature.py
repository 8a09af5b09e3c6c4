"""Signed callbacks: what a receiver accepts and what it refuses."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from service.delivery.signature import SignatureError, sign, verify

BODY = b'{"event_id":"1-0","decision":"spam"}'


def test_a_fresh_signature_verifies_and_matches_the_documented_recipe() -> None:
    header = sign("s3cret", BODY, now=1_700_000_000)
    expected = hmac.new(b"s3cret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify("s3cret", BODY, header, now=1_700_000_100) == 1_700_000_000


@pytest.mark.parametrize(
    ("secret", "body", "header", "message"),
    [
        ("s3cret", BODY, None, "no CommentGuard-Signature"),
        ("s3cret", BODY, "v1=abc", "no t="),
        ("s3cret", BODY, "t=soon,v1=abc", "no t="),
        ("other", BODY, sign("s3cret", BODY, now=1_700_000_000), "does not match"),
        ("s3cret", BODY + b" ", sign("s3cret", BODY, now=1_700_000_000), "does not match"),
    ],
)
def test_a_bad_signature_is_refused_with_the_reason(
    secret: str, body: bytes, header: str | None, message: str
) -> None:
    with pytest.raises(SignatureError, match=message):
        verify(secret, body, header, now=1_700_000_000)


def test_a_replayed_request_outside_the_window_is_refused() -> None:
    header = sign("s3cret", BODY, now=1_700_000_000)
    with pytest.raises(SignatureError, match="outside the 300 s window"):
        verify("s3cret", BODY, header, now=1_700_000_301)


def test_a_rotated_secret_can_sign_twice() -> None:
    old = sign("old", BODY, now=1_700_000_000)
    new = sign("new", BODY, now=1_700_000_000)
    both = old + "," + new.split(",")[1]
    assert verify("new", BODY, both, now=1_700_000_000) == 1_700_000_000
    assert verify("old", BODY, both, now=1_700_000_000) == 1_700_000_000
