"""The moderation page through the Flask test client: sessions, CSRF, escaping, forms."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.review.labels import LabelLog
from service.web.moderate import link_view
from tests.review_data import enqueue

HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> "
    '<a href="javascript:alert(1)">click</a> see www.xn--pypal-4ve.com/login'
)


@pytest.fixture
def ids(app: Flask) -> list[str]:
    return enqueue(
        app.extensions["commentguard.redis"],
        app.extensions["commentguard.keys"],
        [0.4, 0.6],
        [HOSTILE, "thanks for the post"],
    )


@pytest.fixture
def ann(app: Flask) -> None:
    app.extensions["commentguard.moderators"].add("ann", "correct horse")


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: FlaskClient) -> str:
    """Log ann in and return the page's HTML."""
    token = csrf(client.get("/moderate/login").get_data(as_text=True))
    r = client.post(
        "/moderate/login", data={"name": "ann", "password": "correct horse", "csrf_token": token}
    )
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/moderate")
    return client.get("/moderate").get_data(as_text=True)


def test_the_page_redirects_to_login_without_a_session(client: FlaskClient) -> None:
    r = client.get("/moderate")
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/moderate/login")


def test_a_wrong_password_is_refused(client: FlaskClient, ann: None) -> None:
    token = csrf(client.get("/moderate/login").get_data(as_text=True))
    r = client.post(
        "/moderate/login", data={"name": "ann", "password": "wrong horse", "csrf_token": token}
    )
    assert r.status_code == 401
    assert "Wrong name or password" in r.get_data(as_text=True)
    assert client.get("/moderate").status_code == 303


def test_login_without_the_csrf_token_is_refused(client: FlaskClient, ann: None) -> None:
    client.get("/moderate/login")
    r = client.post("/moderate/login", data={"name": "ann", "password": "correct horse"})
    assert r.status_code == 403
    assert client.get("/moderate").status_code == 303


def test_the_session_cookie_is_httponly_and_samesite(client: FlaskClient, ann: None) -> None:
    token = csrf(client.get("/moderate/login").get_data(as_text=True))
    r = client.post(
        "/moderate/login", data={"name": "ann", "password": "correct horse", "csrf_token": token}
    )
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_when_configured(
    redis_url: str, data_dir: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.app import create_app

    monkeypatch.setenv("COMMENTGUARD_SESSION_COOKIE_SECURE", "true")
    app = create_app({"REDIS_URL": redis_url, "DATA_DIR": str(data_dir), "SECRET_KEY": "t"})
    app.extensions["commentguard.moderators"].add("ann", "correct horse")
    client = app.test_client()
    token = csrf(client.get("/moderate/login").get_data(as_text=True))
    r = client.post(
        "/moderate/login", data={"name": "ann", "password": "correct horse", "csrf_token": token}
    )
    assert "Secure" in r.headers["Set-Cookie"]


def test_hostile_content_is_escaped_and_script_is_forbidden(
    client: FlaskClient, ann: None, ids: list[str]
) -> None:
    html = login(client)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert 'href="javascript:' not in html
    assert "<script" not in html.replace('<script src="/static/moderate.js"></script>', "")
    # The link is listed as text with its domain in ASCII, look-alike letters and all.
    assert '<span class="domain">www.xn--pypal-4ve.com</span>' in html
    csp = client.get("/moderate").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "default-src 'none'" in csp


def test_the_page_shows_claimed_items_and_counts(
    app: Flask, client: FlaskClient, ann: None, ids: list[str]
) -> None:
    html = login(client)
    assert html.count('<li class="item') == 2
    assert '<b id="count-mine">2</b>' in html
    assert '<b id="count-claimed">2</b>' in html
    assert "ann@example.org" in html
    assert "uses the words &#34;check&#34;" in html
    # each reason says which way it points (a ham or unsure verdict lists both)
    assert html.count('<span class="lean lean-spam" title="points to spam">spam</span>') == 2
    assert [i.review_id for i in app.extensions["commentguard.review"].claimed_by("ann")] == ids


def test_an_empty_queue_says_so(client: FlaskClient, ann: None) -> None:
    html = login(client)
    assert "Nothing to review" in html


def test_buttons_decide_and_undo_without_javascript(
    app: Flask, client: FlaskClient, ann: None, ids: list[str]
) -> None:
    token = csrf(login(client))
    r = client.post(
        f"/moderate/items/{ids[1]}/decision",
        data={"label": "ham", "csrf_token": token, "pos": "1", "order": "oldest"},
    )
    assert r.status_code == 303
    assert "pos=1" in r.headers["Location"]
    html = client.get("/moderate").get_data(as_text=True)
    assert "Marked ham." in html
    assert html.count('<li class="item') == 1
    assert 'class="label label-ham">ham<' in html
    labels = LabelLog(app.extensions["commentguard.redis"], app.extensions["commentguard.keys"])
    assert [(x.comment_id, x.label) for x in labels.latest()] == [("c-1", "ham")]
    client.post(f"/moderate/items/{ids[1]}/undo", data={"csrf_token": token})
    html = client.get("/moderate").get_data(as_text=True)
    assert "Decision undone" in html
    assert html.count('<li class="item') == 2
    assert labels.latest() == []


def test_a_decision_without_the_csrf_token_is_refused(
    app: Flask, client: FlaskClient, ann: None, ids: list[str]
) -> None:
    login(client)
    for data in ({"label": "spam"}, {"label": "spam", "csrf_token": "forged"}):
        r = client.post(f"/moderate/items/{ids[0]}/decision", data=data)
        assert r.status_code == 403
        assert "Form expired" in r.get_data(as_text=True)
    assert app.extensions["commentguard.review"].counts()["claimed"] == 2


def test_a_failed_decision_is_explained(
    app: Flask, client: FlaskClient, ann: None, ids: list[str]
) -> None:
    token = csrf(login(client))
    client.post(f"/moderate/items/{ids[0]}/decision", data={"label": "x", "csrf_token": token})
    assert "must be spam or ham" in client.get("/moderate").get_data(as_text=True)


def test_logout_hands_claims_back(
    app: Flask, client: FlaskClient, ann: None, ids: list[str]
) -> None:
    token = csrf(login(client))
    r = client.post("/moderate/logout", data={"csrf_token": token})
    assert r.status_code == 303
    assert app.extensions["commentguard.review"].counts() == {"pending": 2, "claimed": 0}
    assert client.get("/moderate").status_code == 303


def test_a_deleted_moderator_loses_the_session(app: Flask, client: FlaskClient, ann: None) -> None:
    login(client)
    redis_client = app.extensions["commentguard.redis"]
    redis_client.srem(app.extensions["commentguard.keys"].moderators(), "ann")
    assert client.get("/moderate").status_code == 303


@pytest.mark.parametrize(
    "url,domain",
    [
        ("https://shop.example/deal", "shop.example"),
        ("www.cheap-pills.example", "www.cheap-pills.example"),
        ("http://\u0430pple.example/p", "xn--pple-43d.example"),
        ("example.com:8080/x", "example.com"),
        ("javascript:alert(1)", "javascript: (not a web address)"),
        (" JavaScript:alert(1)", "javascript: (not a web address)"),
        ("data:text/html,<b>", "data: (not a web address)"),
        ("https://[::1/", "(no host)"),
    ],
)
def test_links_show_the_host_they_lead_to(url: str, domain: str) -> None:
    assert link_view(url) == {"url": url, "domain": domain}


def test_a_lone_surrogate_in_a_comment_still_renders(
    app: Flask, client: FlaskClient, ann: None
) -> None:
    redis_client, keys = app.extensions["commentguard.redis"], app.extensions["commentguard.keys"]
    enqueue(redis_client, keys, [0.5], ["odd \ud800 text"])
    assert "odd ? text" in login(client)
