"""Every Redis key, spelled out, so a change of layout is a deliberate one."""

from __future__ import annotations

from service.keys import Keys


def test_literal_keys() -> None:
    k = Keys("cg:")
    assert k.comment("blog", "c-1") == "cg:comment:blog:c-1"
    assert k.api_key("abc") == "cg:apikey:abc"
    assert k.api_keys() == "cg:apikeys"
    assert k.review_stream() == "cg:review"
    assert k.labels_stream() == "cg:labels"
    assert k.review_index() == "cg:review:index"
    assert k.review_decided() == "cg:review:decided"
    assert k.audit_stream() == "cg:audit"
    assert k.moderator("ann") == "cg:moderator:ann"
    assert k.moderators() == "cg:moderators"
    assert k.moderator_token("abc") == "cg:modtoken:abc"


def test_prefix_applies_to_every_key() -> None:
    assert Keys("x:").review_stream() == "x:review"
    assert Keys("x:").moderator("ann") == "x:moderator:ann"
