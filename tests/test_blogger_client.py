"""Unit tests of the Blogger client's pieces: errors, credentials, the request budget."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from service.connectors.blogger import (
    SCOPE,
    BloggerComment,
    Budget,
    BudgetSpent,
    _error_of,
    load_credentials,
)


def response(status: int, body: object) -> requests.Response:
    """Return a requests response with a JSON body."""
    r = requests.Response()
    r.status_code = status
    r._content = json.dumps(body).encode()
    return r


def test_google_json_errors_give_their_reason() -> None:
    body = {
        "error": {
            "code": 403,
            "message": "Quota exceeded",
            "errors": [{"domain": "usageLimits", "reason": "userRateLimitExceeded"}],
        }
    }
    error = _error_of(response(403, body))
    assert (error.status, error.reason, error.message) == (
        403,
        "userRateLimitExceeded",
        "Quota exceeded",
    )
    plain = requests.Response()
    plain.status_code, plain._content = 502, b"<html>Bad Gateway</html>"
    assert (_error_of(plain).status, _error_of(plain).reason) == (502, "unknown")


def test_a_comment_resource_is_read_with_its_post_and_author() -> None:
    c = BloggerComment.from_resource(
        {
            "kind": "blogger#comment",
            "id": "9200761938824362519",
            "post": {"id": "6069922188027612413"},
            "blog": {"id": "2399953"},
            "published": "2011-07-28T19:19:57.740Z",
            "status": "PENDING",
            "content": "Nice <b>post</b>",
            "author": {"id": "1", "displayName": "Ann", "url": "https://example.invalid/ann"},
            "inReplyTo": {"id": "9200761938824362000"},
        }
    )
    assert (c.id, c.post_id, c.blog_id, c.status) == (
        "9200761938824362519",
        "6069922188027612413",
        "2399953",
        "PENDING",
    )
    assert (c.author_name, c.in_reply_to) == ("Ann", "9200761938824362000")


def test_an_authorized_user_file_refreshes_at_the_configured_endpoint(tmp_path: Path) -> None:
    path = tmp_path / "user.json"
    info = {"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r"}
    path.write_text(json.dumps(info))
    creds = load_credentials(path, "http://127.0.0.1:9/token")
    assert creds.token_uri == "http://127.0.0.1:9/token"  # type: ignore[attr-defined]
    assert creds.scopes == [SCOPE]  # type: ignore[attr-defined]


def test_a_file_from_credentials_to_json_is_an_authorized_user(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    info = {"token": "t", "refresh_token": "r", "client_id": "c", "client_secret": "s"}
    path.write_text(json.dumps(info | {"token_uri": "https://oauth2.example.invalid/token"}))
    creds = load_credentials(path)
    assert creds.refresh_token == "r"  # type: ignore[attr-defined]
    assert not creds.valid  # no expiry was saved: refreshed before the first call


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "cannot read credentials"),
        ('{"installed": {}}', "neither an authorized-user file nor a service-account key"),
        ("[]", "neither an authorized-user file nor a service-account key"),
    ],
)
def test_a_file_that_is_no_credentials_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "creds.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_credentials(path)


def test_the_budget_waits_out_the_minute_and_stops_the_poll() -> None:
    now = [1000.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    budget = Budget(per_poll=5, per_minute=2, sleep=sleep, clock=lambda: now[0])
    budget.take()
    now[0] += 10
    budget.take()
    budget.take()  # the third in a minute waits until the first is 60 s old
    assert waits == [50.0]
    budget.take()  # the first two of this minute were at 1010 and 1060
    budget.take()
    assert waits == [50.0, 10.0, 50.0]
    assert now[0] == 1120.0
    with pytest.raises(BudgetSpent):
        budget.take()
    budget.start_poll()
    budget.take()
    assert budget.used == 1
