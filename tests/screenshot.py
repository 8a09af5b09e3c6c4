"""Take docs/moderate.png: the moderation page with a few held comments, in headless Chromium.

Run from the repository root: ``python -m tests.screenshot``. Needs no model: the comments
are stored with made-up unsure answers on a throw-away embedded Redis.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from service.app import create_app
from service.review.records import CommentStore
from tests.review_data import SITE, comment
from tests.test_moderate_browser import CHROMIUM, FLAGS

OUT = Path(__file__).resolve().parent.parent / "docs" / "moderate.png"
HELD = [
    (
        "Great tutorial! I made a similar one, check it out at www.cheap-seo-tools.example"
        " and subscribe for daily tips",
        {"name": "Mark T.", "email": "mark@seo-tools.example", "url": "http://seo-tools.example"},
        0.71,
        [
            ("spam_words", 'uses the words "check it"'),
            ("spam_words", 'uses the words "subscribe"'),
            ("ham_words", 'uses the words "tutorial"'),
            ("reading", "written in English (Latin); the model knows 88% of its words"),
        ],
    ),
    (
        "Thanks, this fixed my build. Does it also work on ARM boards?",
        {"name": "Priya", "email": "priya@example.org", "ip": "198.51.100.23"},
        0.34,
        [
            ("ham_words", 'uses the words "thanks this"'),
            ("ham_words", 'uses the words "work"'),
            ("spam_fragment", 'contains the text fragment "fixe" (in "fixed")'),
            ("reading", "written in English (Latin); the model knows 92% of its words"),
        ],
    ),
    (
        '<script>alert(1)</script> WIN A FREE PHONE <a href="javascript:alert(1)">here</a>'
        " https://\u0430pple.example/prize",
        {"name": "<img src=x onerror=alert(1)>", "url": "javascript:alert(1)", "ip": "203.0.113.9"},
        0.86,
        [("spam_fragment", 'contains the text fragment "free"')],
    ),
]


def _weight(code: str) -> float:
    """Return a made-up weight with the sign a reason of this code has."""
    return 1.0 if code.startswith("spam_") else -1.0 if code.startswith("ham_") else 0.0


def main() -> None:
    """Seed three held comments, log in as a moderator, and save the screenshot."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATA_DIR": tmp, "SECRET_KEY": "screenshot"})
        redis_client = app.extensions["commentguard.redis"]
        try:
            store = CommentStore(redis_client, app.extensions["commentguard.keys"])
            post = {"id": "p-7", "title": "Cross-compiling Rust for the Pi", "url": "/blog/rust-pi"}
            for i, (text, author, score, reasons) in enumerate(HELD):
                answer = {
                    "id": f"c-{i}",
                    "verdict": "unsure",
                    "score": score,
                    "reasons": [
                        {"code": c, "message": m, "weight": _weight(c)} for c, m in reasons
                    ],
                    "model_version": "20261128-1200",
                }
                store.save_once(SITE, comment(f"c-{i}", text, author=author, post=post), answer)
            store.save_once(
                SITE,
                comment("c-3", "buy followers now at followers.example"),
                {"id": "c-3", "verdict": "unsure", "score": 0.8, "reasons": []},
            )
            review = app.extensions["commentguard.review"]
            rid = redis_client.hget(
                app.extensions["commentguard.keys"].comment(SITE, "c-3"), "review_id"
            )
            review.decide(rid, "spam", "ann")
            app.extensions["commentguard.moderators"].add("ann", "correct horse")
            httpd = make_server("127.0.0.1", 0, app, threaded=True)
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            base = f"http://127.0.0.1:{httpd.server_port}"
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                page = browser.new_page(viewport={"width": 1100, "height": 1000})
                page.goto(f"{base}/moderate/login")
                page.fill("input[name=name]", "ann")
                page.fill("input[name=password]", "correct horse")
                with page.expect_navigation():
                    page.click("button[type=submit]")
                OUT.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(OUT), full_page=True)
                browser.close()
            httpd.shutdown()
            httpd.server_close()
        finally:
            redis_client.shutdown(save=False)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
