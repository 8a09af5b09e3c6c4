from hypothesis import given
from hypothesis import strategies as st

from model.text import extract_urls, normalise


def test_unescapes_html_and_strips_invisible_characters():
    assert normalise("Tom &amp; Jerry\ufeff  rock\u200b!") == "Tom & Jerry rock!"


def test_applies_nfkc_and_folds_whitespace():
    assert normalise("ﬁne\n\n\tｗｏｒｄ") == "fine word"


def test_keeps_hidden_link_targets_but_not_tags():
    text = normalise('<a href="http://spam.example/buy">nice post</a><br />thanks')
    assert "<" not in text
    assert text == "nice post thanks http://spam.example/buy"


def test_platform_time_code_links_become_plain_time_codes():
    raw = '<a href="http://www.youtube.com/watch?v=x&amp;t=2m19s">2:19</a> best part'
    assert normalise(raw) == "2:19 best part"


def test_extracts_urls_and_bare_domains():
    text = "see www.foo.com/x and bit.ly/abc, or http://a.example/c."
    assert extract_urls(text) == ["www.foo.com/x", "bit.ly/abc", "http://a.example/c"]


@given(st.text())
def test_normalise_never_raises_and_is_idempotent_on_plain_text(text):
    once = normalise(text)
    assert isinstance(once, str)
    assert once == once.strip()
    assert "\ufeff" not in once and "\u200b" not in once


@given(st.text())
def test_extract_urls_never_raises(text):
    assert isinstance(extract_urls(normalise(text)), list)
