"""Text normalisation shared by training and scoring."""

from __future__ import annotations

import html
import re
import unicodedata

# Zero-width and invisible formatting characters spammers use to split words.
_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
# Video platforms turn a typed time code ("2:19") into a link by themselves: the link is
# the platform's, not the commenter's, so only the time code is kept.
_TIMECODE_LINK = re.compile(r"<a\b[^>]{0,2000}>\s*(\d{1,2}(?::\d\d){1,2})\s*</a>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,2000}>")
_HREF = re.compile(r"""href\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_URL_ENDINGS = "com|net|org|info|biz|ru|xyz|top|ly|me|io|co"
URL = re.compile(
    r"""(?:https?://|www\.)[^\s<>"'()\[\]]+"""
    rf"""|\b[a-z0-9][a-z0-9-]{{0,62}}\.(?:{_URL_ENDINGS})"""
    r"""(?:/[^\s<>"'()\[\]]*)?""",
    re.IGNORECASE,
)
# Every match of URL holds one of these; looking for them first spares most texts the URL
# pattern, which tries every word as a domain.
_URL_MARK = re.compile(rf"(?=[hw.])(?:https?://|www\.|\.(?:{_URL_ENDINGS}))", re.IGNORECASE)


def normalise(text: str) -> str:
    """Return the text as the model sees it: unescaped, tag-free, NFKC, folded spaces.

    Link targets inside ``href`` attributes are kept as words, because a hidden link is
    the spammer's payload.
    """
    text = html.unescape(text)
    # Most comments have no tag and no "=": the patterns that need one are not run on them.
    tagged = "<" in text
    if tagged:
        text = _TIMECODE_LINK.sub(r"\1", text)
    hrefs = _HREF.findall(text) if "=" in text else []
    if tagged:
        text = _TAG.sub(" ", text)
    if hrefs:
        text = f"{text} {' '.join(hrefs)}"
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    # str.split and the regex \s agree on what whitespace is (Py_UNICODE_ISSPACE).
    return " ".join(text.split())


def find_urls(text: str) -> list[str]:
    """Return what ``URL.findall`` finds, without running it on a text that has no link."""
    return URL.findall(text) if _URL_MARK.search(text) is not None else []


def extract_urls(text: str) -> list[str]:
    """Return the URLs and bare domains found in normalised text, in order."""
    return [url.rstrip(".,;:!?") for url in find_urls(text)]


# A link to the post the comment sits under (the video, the article) is not promotion: it
# is taken out before scoring, given the post's URL. YouTube's short and long forms of one
# video are the same post; any other URL is the same post when host and path match.
_YOUTUBE_VIDEO = re.compile(
    r"(?:youtu\.be/|youtube\.com/(?:watch\?(?:[^\s#]*&)?v=|embed/|shorts/|v/))([\w-]{11})(?![\w-])",
    re.IGNORECASE,
)
_LINK = re.compile(r"""(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}(?:/[^\s<>"'()\[\]]*)?""", re.IGNORECASE)


def post_key(url: str) -> str | None:
    """Return what identifies the post a URL points to, or None when it names no post.

    A YouTube video is its id, in any of YouTube's forms; another URL is its host (without
    ``www.``) and path, without scheme, query, fragment or trailing slash.
    """
    url = _INVISIBLE.sub("", html.unescape(url)).strip().rstrip(".,;:!?")
    video = _YOUTUBE_VIDEO.search(url)
    if video:
        return f"youtube:{video.group(1)}"
    rest = re.sub(r"^(?:https?:)?//", "", url, flags=re.IGNORECASE)
    rest = re.split(r"[?#]", rest, maxsplit=1)[0].rstrip("/")
    host, slash, path = rest.partition("/")
    host = host.lower().removeprefix("www.")
    if "." not in host:
        return None
    return f"{host}{slash}{path}"


def without_post_links(text: str, post_url: str | None) -> str:
    """Return the raw text with every link to the post itself taken out.

    Training and scoring both call this before the model sees a text, so a comment linking
    to the video or article it sits under is judged by the rest of its words.
    """
    key = post_key(post_url) if post_url else None
    # Cheap test first: most comments do not contain the post's id or path at all.
    if key is None or key.removeprefix("youtube:").lower() not in text.lower():
        return text

    def drop(match: re.Match[str]) -> str:
        link = match.group(0)
        target = link.rstrip(".,;:!?")
        return link[len(target) :] if post_key(target) == key else link

    return _LINK.sub(drop, text)
