"""Every form post of the moderator page needs its CSRF token; every answer its headers."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.test_moderate import csrf, login

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


@pytest.fixture
def ann(app: Flask) -> None:
    app.extensions["commentguard.moderators"].add("ann", "correct horse")


def _post_rules(app: Flask) -> list[str]:
    """Return the path of every POST route of the moderator page, with sample arguments."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("moderate.") and "POST" in (rule.methods or ()):
            paths.append(re.sub(r"<[^>]+>", "1-0", rule.rule))
    return sorted(paths)


def test_every_post_of_the_page_is_refused_without_the_csrf_token(
    app: Flask, client: FlaskClient, ann: None
) -> None:
    paths = _post_rules(app)
    assert paths == [
        "/moderate/items/1-0/decision",
        "/moderate/items/1-0/undo",
        "/moderate/login",
        "/moderate/logout",
    ]
    login(client)
    for path in paths:
        for form in ({}, {"csrf_token": "forged"}):
            r = client.post(path, data=form | {"label": "spam"})
            assert r.status_code == 403, path
            assert "security token" in r.get_data(as_text=True)
    assert client.get("/moderate").status_code == 200, "the refused posts did not log out"


def _check_headers(r) -> None:
    for name, value in HEADERS.items():
        assert r.headers[name] == value
    csp = dict(
        part.strip().split(" ", 1) for part in r.headers["Content-Security-Policy"].split(";")
    )
    assert csp["script-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["default-src"] == "'none'"
    assert "unsafe-inline" not in r.headers["Content-Security-Policy"]
    assert r.headers["Cache-Control"] == "no-store"


def test_every_kind_of_page_carries_the_security_headers(client: FlaskClient, ann: None) -> None:
    answers = [client.get("/moderate"), client.get("/moderate/login")]
    token = csrf(answers[-1].get_data(as_text=True))
    answers.append(client.post("/moderate/login", data={"name": "ann", "password": "x"}))
    answers.append(
        client.post(
            "/moderate/login", data={"name": "ann", "password": "wrong", "csrf_token": token}
        )
    )
    login(client)
    answers.append(client.get("/moderate"))
    assert [r.status_code for r in answers] == [303, 200, 403, 401, 200]
    for r in answers:
        _check_headers(r)


def test_the_templates_hold_no_inline_script_or_handlers() -> None:
    templates = resources.files("service").joinpath("web/templates")
    for template in templates.iterdir():
        html = template.read_text("utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, f"{template.name}: inline script {tag}"
        assert not re.search(r"\son[a-z]+\s*=", html), f"{template.name}: an inline handler"
        assert "javascript:" not in html
