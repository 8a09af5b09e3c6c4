"""Validation of incoming comments: every problem named with its field."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from model.artifact import COMMENT_TYPE
from service.errors import APIError

MAX_ID_CHARS = 200
MAX_FIELD_CHARS = 2000
AUTHOR_FIELDS = ("name", "email", "url", "ip", "user_agent")
POST_FIELDS = ("id", "url", "title")
# Deeper than any request of the API (a batch's author object is 3 levels down), and far
# below where json.loads itself would hit the recursion limit.
MAX_JSON_DEPTH = 32
# Something other than whitespace or a byte-order mark (the openapi.json pattern, too).
_VISIBLE = re.compile(r"[^\s\ufeff]")


@dataclass(frozen=True)
class Comment:
    """A validated comment as the platform sent it."""

    id: str
    content: str
    site: str | None
    type: str
    author: dict[str, str]
    post: dict[str, str]
    created_at: str | None
    honeypot: str | None = None
    submit_seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the comment as JSON-ready data."""
        return {
            "id": self.id,
            "site": self.site,
            "content": self.content,
            "type": self.type,
            "author": self.author,
            "post": self.post,
            "created_at": self.created_at,
            "honeypot": self.honeypot,
            "submit_seconds": self.submit_seconds,
        }


def _bad_json(message: str) -> APIError:
    return APIError(400, "invalid_json", message)


def _check_depth(data: Any) -> None:
    """Refuse a tree of lists and objects deeper than MAX_JSON_DEPTH."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise _bad_json(f"JSON nested deeper than {MAX_JSON_DEPTH} levels; send a flatter body")
        stack.extend(
            (child, depth + 1) for child in (node.values() if isinstance(node, dict) else node)
        )


def is_unicode(value: str) -> bool:
    """Tell whether ``value`` is valid Unicode, holding no lone UTF-16 surrogate."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_json(raw: bytes) -> Any:
    """Decode a UTF-8 JSON body; raise APIError(400) saying what is wrong with it."""
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as e:
        raise _bad_json(
            f"the request body is not valid UTF-8 (byte {e.object[e.start]:#04x}"
            f" at offset {e.start}); send JSON encoded as UTF-8"
        ) from None
    except json.JSONDecodeError as e:
        raise _bad_json(f"the request body is not valid JSON: {e.msg} at offset {e.pos}") from None
    except RecursionError:
        # json.loads recurses once per level: a body deep enough overflows before it parses.
        raise _bad_json(
            f"JSON nested deeper than {MAX_JSON_DEPTH} levels; send a flatter body"
        ) from None
    _check_depth(data)
    return data


def _invalid(field: str, message: str) -> APIError:
    return APIError(422, "invalid_comment", message, field)


def _short_string(value: Any, field: str, limit: int = MAX_FIELD_CHARS) -> str:
    if not isinstance(value, str):
        raise _invalid(field, f"`{field}` must be a string")
    if len(value) > limit:
        raise _invalid(field, f"`{field}` is longer than {limit} characters")
    return value


def _int_as_str(value: Any) -> Any:
    """Accept integer ids (WordPress sends them) as their decimal string."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _optional(data: dict[str, Any], name: str, field: str) -> str | None:
    value = data.get(name)
    return None if value is None else _short_string(value, field)


def _object(
    data: dict[str, Any], name: str, allowed: tuple[str, ...], where: str
) -> dict[str, str]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid(f"{where}{name}", f"`{where}{name}` must be an object")
    out = {}
    for key in allowed:
        if value.get(key) is not None:
            sub = f"{where}{name}.{key}"
            out[key] = _short_string(_int_as_str(value[key]), sub)
    return out


def _seconds(data: dict[str, Any], name: str, field: str) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise _invalid(field, f"`{field}` must be a number of seconds, 0 or more")
    try:
        return float(value)
    except OverflowError:  # an integer too large for a float: longer than anyone takes
        return float("inf")


def parse_comment(data: Any, max_content: int, where: str = "") -> Comment:
    """Validate one comment object; raise APIError(422) naming the first bad field."""
    if not isinstance(data, dict):
        raise _invalid(where.rstrip(".") or "body", "a comment must be a JSON object")
    raw_id = data.get("id")
    if raw_id is None:
        raise _invalid(f"{where}id", "`id` is required: the platform's id of the comment")
    comment_id = _short_string(_int_as_str(raw_id), f"{where}id", MAX_ID_CHARS)
    if not _VISIBLE.search(comment_id):
        raise _invalid(f"{where}id", "`id` must not be empty")
    site = _optional(data, "site", f"{where}site")
    # The id and the site name Redis keys, which must be UTF-8; free text may hold a lone
    # surrogate (a valid JSON escape) and is kept as sent.
    for name, value in (("id", comment_id), ("site", site)):
        if value is not None and not is_unicode(value):
            raise _invalid(
                f"{where}{name}", f"`{name}` holds a lone UTF-16 surrogate escape (\\ud800-\\udfff)"
            )
    content = data.get("content")
    if content is None:
        raise _invalid(f"{where}content", "`content` is required: the text of the comment")
    content = _short_string(content, f"{where}content", max_content)
    if not _VISIBLE.search(content):
        raise _invalid(f"{where}content", "`content` must not be empty")
    return Comment(
        id=comment_id,
        content=content,
        site=site,
        type=_optional(data, "type", f"{where}type") or COMMENT_TYPE,
        author=_object(data, "author", AUTHOR_FIELDS, where),
        post=_object(data, "post", POST_FIELDS, where),
        created_at=_optional(data, "created_at", f"{where}created_at"),
        honeypot=_optional(data, "honeypot", f"{where}honeypot"),
        submit_seconds=_seconds(data, "submit_seconds", f"{where}submit_seconds"),
    )
