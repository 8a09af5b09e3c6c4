"""The RE2 prefilter: it may report a pattern that does not match, never miss one that does."""

from __future__ import annotations

import re
import sys

import pytest
import re2
from hypothesis import given
from hypothesis import strategies as st

from model.prefilter import Prefilter, widened

_EVERY_CHARACTER = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]


@pytest.mark.parametrize("escape", ["\\d", "\\w", "\\s"])
def test_a_widened_class_holds_every_character_pythons_holds(escape: str) -> None:
    python = re.compile(escape)
    held = "".join(c for c in _EVERY_CHARACTER if python.match(c))
    assert len(held) > 10
    assert re2.fullmatch(f"(?:{widened(escape)})+", held) is not None
    assert re2.fullmatch(f"[{widened(f'[{escape}]')[1:-1]}]+", held) is not None


def test_assertions_are_dropped_and_negated_classes_keep_re2s_narrower_escapes() -> None:
    assert widened(r"(?<![\d.])\b\d+(?!\d|\.\d)") == r"\p{Nd}+"
    assert widened(r"[^\s<>]+") == r"[^\s<>]+"
    assert widened(r"[\w.+-]") == r"[\p{L}\p{N}_.+-]"


def test_a_pattern_with_flags_is_refused() -> None:
    with pytest.raises(ValueError, match="no flags"):
        Prefilter([re.compile("a", re.IGNORECASE)])


_PATTERNS = [
    re.compile(r"(?<![\d.])\+?\(?\d[\d\s().-]{7,18}\d(?!\d|\.\d)"),
    re.compile(r"(?<!\w)(?:\w[ .*_-]){4,}\w(?!\w)"),
    re.compile(r"\b(?:check out|free)\b"),
    re.compile(r"[^\s<>]+@"),
]


@given(
    st.lists(
        st.sampled_from(["0800 123 4567", "f r e e", "check out", "free", "a@", "٣", "\u3000", " "])
    ).map("".join)
    | st.text()
)
def test_every_pattern_that_matches_is_reported(text: str) -> None:
    may = Prefilter(_PATTERNS).may_match(text)
    for pattern in _PATTERNS:
        if pattern.search(text) is not None:
            assert id(pattern) in may, pattern.pattern


def test_a_text_re2_cannot_read_has_every_pattern_reported() -> None:
    assert Prefilter(_PATTERNS).may_match("free \ud800") == frozenset(map(id, _PATTERNS))
    assert Prefilter(_PATTERNS).may_match("nothing here") == frozenset()
