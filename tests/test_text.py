import re

from hypothesis import given
from hypothesis import strategies as st

from model.text import URL, extract_urls, find_urls, normalise
from training.corpus import shipped_examples


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


def test_finds_urls_and_bare_domains():
    text = "see www.foo.com/x and BIT.LY/abc, or http://a.example/c."
    assert find_urls(text) == ["www.foo.com/x", "BIT.LY/abc,", "http://a.example/c."]
    assert find_urls("no link here, just words. and a sentence") == []


def test_extracts_urls_and_bare_domains():
    text = "see www.foo.com/x and bit.ly/abc, or http://a.example/c."
    assert extract_urls(text) == ["www.foo.com/x", "bit.ly/abc", "http://a.example/c"]


def test_finds_what_the_url_pattern_finds_in_every_shipped_text():
    texts = [normalise(e.text) for e in shipped_examples()]
    assert sum(bool(find_urls(t)) for t in texts) > 900
    for text in texts:
        assert find_urls(text) == URL.findall(text)


@given(st.text())
def test_normalise_never_raises_and_is_idempotent_on_plain_text(text):
    once = normalise(text)
    assert isinstance(once, str)
    assert once == once.strip()
    assert "\ufeff" not in once and "\u200b" not in once
    # every run of whitespace, of any kind, is one plain space
    assert re.search(r"\s\s|[^\S ]", once) is None


@given(
    st.lists(st.sampled_from(["http://", "www.", ".com", ".io", "a", "-", ".", "/", " "])).map(
        "".join
    )
    | st.text()
)
def test_finds_what_the_url_pattern_finds_in_any_text(text):
    assert find_urls(text) == URL.findall(text)
