"""Moderator sessions end on the server: logout, a new password, and `moderators logout`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from commentguard.cli import main
from service.keys import Keys
from service.web.sessions import Sessions
from tests.review_data import enqueue
from tests.test_moderate import csrf, login


@pytest.fixture
def ann(app: Flask) -> None:
    app.extensions["commentguard.moderators"].add("ann", "correct horse")


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(app: Flask, cookie: str) -> FlaskClient:
    """Return a fresh client holding a copy of a saved session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def test_a_cookie_saved_before_logout_opens_nothing_after(app: Flask, ann: None) -> None:
    [rid] = enqueue(
        app.extensions["commentguard.redis"], app.extensions["commentguard.keys"], [0.5]
    )
    client = app.test_client()
    token = csrf(login(client))
    saved = _cookie(client)
    assert _replay(app, saved).get("/moderate").status_code == 200
    assert client.post("/moderate/logout", data={"csrf_token": token}).status_code == 303
    replayed = _replay(app, saved)
    r = replayed.get("/moderate")
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/moderate/login")
    # The old cookie still carries a valid CSRF token, yet records no decision as ann's.
    r = _replay(app, saved).post(
        f"/moderate/items/{rid}/decision", data={"label": "spam", "csrf_token": token}
    )
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/moderate/login")
    assert app.extensions["commentguard.review"].stats()["decided_24h"] == 0


def test_logout_ends_only_that_session(app: Flask, ann: None) -> None:
    laptop, phone = app.test_client(), app.test_client()
    token = csrf(login(laptop))
    login(phone)
    laptop.post("/moderate/logout", data={"csrf_token": token})
    assert laptop.get("/moderate").status_code == 303
    assert phone.get("/moderate").status_code == 200


def test_a_new_password_ends_every_session(app: Flask, ann: None) -> None:
    laptop, phone = app.test_client(), app.test_client()
    login(laptop)
    login(phone)
    saved = _cookie(laptop)
    app.extensions["commentguard.moderators"].add("ann", "a new horse battery")
    for client in (laptop, phone, _replay(app, saved)):
        assert client.get("/moderate").status_code == 303


def test_moderators_logout_ends_every_session(
    app: Flask, ann: None, redis_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    laptop, phone = app.test_client(), app.test_client()
    login(laptop)
    login(phone)
    monkeypatch.setenv("COMMENTGUARD_REDIS_URL", redis_url)
    monkeypatch.setenv("COMMENTGUARD_DATA_DIR", str(tmp_path / "var"))
    result = CliRunner().invoke(main, ["moderators", "logout", "ann"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "ended 2 session(s) of ann" in result.output
    assert laptop.get("/moderate").status_code == 303
    assert phone.get("/moderate").status_code == 303
    login(laptop)
    assert laptop.get("/moderate").status_code == 200


def test_a_session_expires_after_its_lifetime(redis_client) -> None:
    now = [1000.0]
    sessions = Sessions(redis_client, Keys(), 3600, clock=lambda: now[0])
    redis_client.sadd(Keys().moderators(), "ann")
    sid = sessions.start("ann")
    assert sessions.valid("ann", sid)
    now[0] += 3601
    assert not sessions.valid("ann", sid)
    # The next login prunes the expired session.
    sessions.start("ann")
    assert redis_client.hlen(Keys().moderator_sessions("ann")) == 1
    assert sessions.end_all("ann") == 1
