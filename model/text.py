"""Text normalisation shared by training and scoring."""

from __future__ import annotations

import html
import re
import unicodedata

# Zero-width and invisible formatting characters spammers use to split words.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad"),
    None,
)
# Video platforms turn a typed time code ("2:19") into a link by themselves: the link is
# the platform's, not the commenter's, so only the time code is kept.
_TIMECODE_LINK = re.compile(r"<a\b[^>]{0,2000}>\s*(\d{1,2}(?::\d\d){1,2})\s*</a>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,2000}>")
_HREF = re.compile(r"""href\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
URL = re.compile(
    r"""(?:https?://|www\.)[^\s<>"'()\[\]]+"""
    r"""|\b[a-z0-9][a-z0-9-]{0,62}\.(?:com|net|org|info|biz|ru|xyz|top|ly|me|io|co)"""
    r"""(?:/[^\s<>"'()\[\]]*)?""",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    """Return the text as the model sees it: unescaped, tag-free, NFKC, folded spaces.

    Link targets inside ``href`` attributes are kept as words, because a hidden link is
    the spammer's payload.
    """
    text = _TIMECODE_LINK.sub(r"\1", html.unescape(text))
    hrefs = _HREF.findall(text)
    text = _TAG.sub(" ", text)
    if hrefs:
        text = f"{text} {' '.join(hrefs)}"
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return _SPACE.sub(" ", text).strip()


def extract_urls(text: str) -> list[str]:
    """Return the URLs and bare domains found in normalised text, in order."""
    return [m.group(0).rstrip(".,;:!?") for m in URL.finditer(text)]
