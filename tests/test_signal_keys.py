"""The Redis keys of the behaviour signals, spelled out."""

from __future__ import annotations

from service.keys import Keys


def test_signal_keys_are_literal() -> None:
    keys = Keys("cg:")
    assert keys.signal_text("abc") == "cg:sig:text:abc"
    assert keys.signal_burst("ip", "abc") == "cg:sig:burst:ip:abc"
    assert keys.signal_author("blog", "abc") == "cg:sig:author:blog:abc"
