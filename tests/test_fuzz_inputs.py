"""Hand-made hostile bodies at every JSON endpoint: each is a 4xx in the one error envelope."""

from __future__ import annotations

import logging

import pytest

from service.api.validation import MAX_JSON_DEPTH, parse_json
from service.errors import APIError

JSON = {"Content-Type": "application/json"}
ENDPOINTS = (
    "/v1/comments/check",
    "/v1/comments/check-batch",
    "/v1/review/claim",
    "/v1/review/items/1-0/decision",
    "/v1/review/decisions",
)


@pytest.fixture
def headers(app, api_key):
    """Return, per endpoint, the bearer header it accepts: API key or moderator token."""
    moderators = app.extensions["commentguard.moderators"]
    moderators.add("ann", "correct horse")
    token = moderators.new_token("ann")
    return {
        path: {"Authorization": f"Bearer {api_key if path.startswith('/v1/comments') else token}"}
        for path in ENDPOINTS
    }


def assert_envelope(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error["message"]


def nested(depth: int) -> bytes:
    return b'{"id": "x", "content": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 500, 1_000, 30_000])
def test_any_nesting_depth_is_400_without_a_traceback(client, headers, path, depth, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.post(path, data=nested(depth), headers=headers[path] | JSON)
    message = assert_envelope(response, 400, "invalid_json")
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in message
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


@pytest.mark.parametrize("path", ENDPOINTS)
def test_unclosed_nesting_far_past_the_recursion_limit_is_400(client, headers, path):
    response = client.post(path, data=b"[" * 60_000, headers=headers[path] | JSON)
    assert "nested deeper" in assert_envelope(response, 400, "invalid_json")


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    "body",
    [b'{"id": "x", "content": "caf\xe9"}', b"\xff\xfe\xfd", b'{"id": "\xc3(", "content": "a"}'],
)
def test_malformed_utf8_is_400_naming_the_byte(client, headers, path, body):
    message = assert_envelope(
        client.post(path, data=body, headers=headers[path] | JSON), 400, "invalid_json"
    )
    assert "not valid UTF-8" in message


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/comments/check", {"id": "\ud800", "content": "hello"}, "id"),
        ("/v1/comments/check", {"id": "x", "site": "\udfff", "content": "hello"}, "site"),
        (
            "/v1/comments/check-batch",
            {"comments": [{"id": "a\ud800", "content": "hi"}]},
            "comments[0].id",
        ),
        ("/v1/review/items/1-0/decision", {"label": "spam", "note": "\ud800"}, "note"),
    ],
)
def test_a_lone_surrogate_in_a_key_or_a_raw_value_is_422(client, headers, path, body, field):
    response = client.post(path, json=body, headers=headers[path])
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"]["field"] == field


def test_a_lone_surrogate_in_the_text_is_kept(client, headers):
    path = "/v1/comments/check"
    body = b'{"id": "odd-1", "content": "truncated emoji \\ud83d here"}'
    response = client.post(path, data=body, headers=headers[path] | JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["id"] == "odd-1"


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "text/json"],
)
def test_wrong_content_type_is_415(client, headers, path, content_type):
    extra = {} if content_type is None else {"Content-Type": content_type}
    response = client.post(path, data=b'{"id": "x", "content": "a"}', headers=headers[path] | extra)
    assert "Content-Type: application/json" in assert_envelope(
        response, 415, "unsupported_media_type"
    )


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_huge_body_is_413(client, headers, path):
    body = b'{"id": "x", "content": "' + b"a" * (9 * 1024 * 1024) + b'"}'
    assert_envelope(
        client.post(path, data=body, headers=headers[path] | JSON), 413, "body_too_large"
    )


def test_a_valid_pair_of_surrogate_escapes_is_one_character():
    assert parse_json(b'{"content": "\\ud83d\\ude00"}') == {"content": "\N{GRINNING FACE}"}


def test_the_deepest_allowed_body_parses():
    assert parse_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH) is not None


@pytest.mark.parametrize("raw", [b"", b"{", b'{"a": 1,}', b"nope", b"[1] [2]"])
def test_invalid_json_says_where(raw):
    with pytest.raises(APIError) as caught:
        parse_json(raw)
    assert caught.value.status == 400
    assert "at offset" in caught.value.message
