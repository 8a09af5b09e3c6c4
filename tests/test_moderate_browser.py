"""The moderation page in real headless Chromium, served by a real HTTP server."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from service.review.labels import LabelLog
from tests.review_data import SITE, comment, enqueue

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> "
    '<a href="javascript:alert(1)">click me</a> javascript:alert(1)'
)


def _unavailable(reason: str) -> None:
    """Skip on a developer machine without a browser; fail in CI, where one must exist."""
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(embedded_redis: str, data_dir: Path) -> Iterator[tuple[str, Flask]]:
    """Serve the app on a free local port with a threaded WSGI server."""
    from service.app import create_app

    app = create_app(
        {"REDIS_URL": embedded_redis, "DATA_DIR": str(data_dir), "SECRET_KEY": "browser"}
    )
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", app
    httpd.shutdown()
    thread.join()
    httpd.server_close()


@pytest.fixture
def site(server: tuple[str, Flask]) -> Iterator[tuple[str, Flask]]:
    """Return the server with a flushed Redis and moderator ann."""
    _, app = server
    redis_client = app.extensions["commentguard.redis"]
    redis_client.flushdb()
    app.extensions["commentguard.moderators"].add("ann", "correct horse")
    yield server
    redis_client.flushdb()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    context.close()


def log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/moderate")
    page.fill("input[name=name]", "ann")
    page.fill("input[name=password]", "correct horse")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.startswith(f"{base}/moderate")


def test_without_a_session_the_page_redirects_to_login(page: Any, site: tuple) -> None:
    base, _ = site
    page.goto(f"{base}/moderate")
    assert page.url == f"{base}/moderate/login"
    assert page.locator("input[name=password]").is_visible()


def test_three_items_decided_by_keyboard_leave_the_list(page: Any, site: tuple) -> None:
    base, app = site
    redis_client, keys = app.extensions["commentguard.redis"], app.extensions["commentguard.keys"]
    ids = enqueue(redis_client, keys, [0.3, 0.4, 0.5, 0.6])
    log_in(page, base)
    items = page.locator("li.item")
    assert items.count() == 4
    for key, left in (("s", 3), ("h", 2)):
        with page.expect_navigation():
            page.keyboard.press(key)
        assert items.count() == left
    page.keyboard.press("j")
    assert "selected" in (items.nth(1).get_attribute("class") or "")
    with page.expect_navigation():
        page.keyboard.press("s")
    assert [items.nth(0).get_attribute("data-review-id")] == [ids[2]]
    assert page.locator("#recent .label").all_text_contents() == ["spam", "ham", "spam"]
    assert page.locator("#count-decided").inner_text() == "3"
    labels = {x.comment_id: x.label for x in LabelLog(redis_client, keys).latest()}
    assert labels == {"c-0": "spam", "c-1": "ham", "c-3": "spam"}
    # u undoes the latest decision: c-3 is back in the list.
    with page.expect_navigation():
        page.keyboard.press("u")
    assert items.count() == 2
    assert page.locator("#recent .label").all_text_contents() == ["ham", "spam"]


def test_hostile_content_shows_as_text_and_never_runs(page: Any, site: tuple) -> None:
    base, app = site
    redis_client, keys = app.extensions["commentguard.redis"], app.extensions["commentguard.keys"]
    enqueue(redis_client, keys, [0.5], [HOSTILE])
    hostile = comment(
        "c-0",
        HOSTILE,
        author={"name": "<img src=x onerror=alert(2)>", "url": "javascript:alert(3)"},
        post={"title": "<b>t</b>"},
    )
    redis_client.hset(keys.comment(SITE, "c-0"), "comment", json.dumps(hostile))
    log_in(page, base)
    page.wait_for_load_state("load")
    item = page.locator("li.item")
    assert item.count() == 1
    assert "<script>alert(1)</script>" in item.locator(".content").inner_text()
    assert "<img src=x onerror=alert(2)>" in item.locator(".author").inner_text()
    assert "javascript:alert(3)" in item.locator(".author").inner_text()
    assert item.locator("script, img, a, b").count() == 0
    assert page.locator("[onerror]").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    item.locator(".content").click()
    assert page.dialogs == []
    # The listener works: a real dialog is seen.
    page.evaluate("window.alert('probe')")
    assert page.dialogs == ["probe"]


def test_a_form_post_without_the_csrf_token_is_refused(page: Any, site: tuple) -> None:
    base, app = site
    [rid] = enqueue(
        app.extensions["commentguard.redis"], app.extensions["commentguard.keys"], [0.5]
    )
    log_in(page, base)
    # The browser context's own cookies, but no token in the form.
    response = page.context.request.post(
        f"{base}/moderate/items/{rid}/decision", form={"label": "spam"}, max_redirects=0
    )
    assert response.status == 403
    assert page.locator("li.item").count() == 1
    page.reload()
    assert page.locator("li.item").count() == 1
    assert app.extensions["commentguard.review"].stats()["decided_24h"] == 0


def test_a_session_cookie_saved_before_logout_is_refused_after(
    browser: Any, page: Any, site: tuple
) -> None:
    base, app = site
    [rid] = enqueue(
        app.extensions["commentguard.redis"], app.extensions["commentguard.keys"], [0.5]
    )
    log_in(page, base)
    saved = page.context.cookies()
    assert [c["name"] for c in saved] == ["session"]
    with page.expect_navigation():
        page.click("form[action$='/logout'] button")
    assert page.url == f"{base}/moderate/login"
    # Another browser replays the saved cookie: the server has ended that session.
    thief = browser.new_context()
    try:
        thief.add_cookies(saved)
        stolen = thief.new_page()
        stolen.goto(f"{base}/moderate")
        assert stolen.url == f"{base}/moderate/login"
        response = thief.request.post(
            f"{base}/moderate/items/{rid}/decision", form={"label": "spam"}, max_redirects=0
        )
        assert response.status in (303, 403)
    finally:
        thief.close()
    assert app.extensions["commentguard.review"].stats()["decided_24h"] == 0


def test_logout_everywhere_ends_a_live_browser_session(page: Any, site: tuple) -> None:
    base, app = site
    log_in(page, base)
    assert page.locator("input[name=password]").count() == 0
    assert app.extensions["commentguard.sessions"].end_all("ann") == 1
    page.reload()
    assert page.url == f"{base}/moderate/login"


def test_repeated_wrong_passwords_get_a_wait_message(page: Any, site: tuple) -> None:
    base, app = site
    page.goto(f"{base}/moderate/login")
    statuses = []
    for i in range(7):
        page.fill("input[name=name]", "ann")
        page.fill("input[name=password]", f"wrong {i}")
        with page.expect_navigation() as nav:
            page.click("button[type=submit]")
        statuses.append(nav.value.status)
    burst = app.config["COMMENTGUARD"]["LOGIN_ACCOUNT_BURST"]
    assert statuses == [401] * burst + [429] * (7 - burst)
    assert "Too many login attempts" in page.locator("[role=alert]").inner_text()
