"""The moderator's page: log in, see the claimed items, decide them by key or button.

Comment content is hostile: templates autoescape it, links are shown as text with their
domain, and a Content-Security-Policy allows only the app's own script and style files.
"""

from __future__ import annotations

import functools
import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue

from model.text import extract_urls, normalise
from service.errors import APIError, envelope
from service.review.api import MAX_NOTE_CHARS, queue
from service.review.items import iso
from service.review.queue import MOST_UNCERTAIN
from service.web.moderators import NAME

bp = Blueprint("moderate", __name__, url_prefix="/moderate")
log = logging.getLogger(__name__)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
ORDERS = ("oldest", "uncertain")
# A URL scheme such as javascript: or data: (a dotted "scheme" is a host with a port).
SCHEME = re.compile(r"\s*([a-zA-Z][a-zA-Z0-9+-]*):(?!\d)")


def csrf_token() -> str:
    """Return the session's CSRF token, creating it on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


@bp.app_context_processor
def template_helpers() -> dict[str, Any]:
    """Make the CSRF token available to every template."""
    return {"csrf_token": csrf_token}


def _page(template: str, status: int = 200, **context: Any) -> Response:
    """Render a template as a response."""
    # Comment text may hold lone UTF-16 surrogates (valid JSON escapes), which UTF-8
    # cannot encode: they are shown as "?".
    html = render_template(template, **context).encode("utf-8", "replace")
    return Response(html, status=status, mimetype="text/html")


@bp.before_request
def check_csrf() -> ResponseReturnValue | None:
    """Refuse every form post whose CSRF token does not match the session's."""
    if request.method != "POST":
        return None
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        return _page(
            "message.html",
            403,
            title="Form expired",
            message="This form was not sent from your moderation page (its security token"
            " is missing or stale). Go back, reload the page and try again.",
        )
    return None


@bp.after_request
def security_headers(response: Response) -> Response:
    """Forbid inline script, framing, sniffing, referrers and caching on every page."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send a visitor without a valid moderator session to the login form."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        name, sid = session.get("moderator"), session.get("sid")
        sessions = current_app.extensions["commentguard.sessions"]
        if not name or not sid or not sessions.valid(str(name), str(sid)):
            # A logged-out, replaced or revoked cookie: it opens nothing, and is dropped.
            session.clear()
            return redirect(url_for("moderate.login"), 303)
        g.moderator = name
        g.session_id = sid
        return view(*args, **kwargs)

    return wrapped


@bp.get("/login")
def login() -> ResponseReturnValue:
    """Show the login form."""
    return _page("login.html")


def _wants_json() -> bool:
    """Return whether the client prefers a JSON answer to an HTML page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _limited(name: str, retry_after: str) -> Response:
    """Answer a login attempt over the rate limit: 429 with Retry-After."""
    message = (
        f"too many login attempts from this address; wait {retry_after} s and try again"
        " (moderators logging in from elsewhere are not affected)"
    )
    if _wants_json():
        response = envelope(429, "too_many_login_attempts", message)
    else:
        response = _page("login.html", 429, error=message[0].upper() + message[1:] + ".", name=name)
    response.headers["Retry-After"] = retry_after
    return response


@bp.post("/login")
def login_post() -> ResponseReturnValue:
    """Start a session for a moderator whose password matches, within the attempt limit."""
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    # Only a valid name can be an account: every other name shares one bucket per IP.
    account = name if NAME.fullmatch(name) else "~invalid"
    ip = request.remote_addr or "unknown"
    attempt = current_app.extensions["commentguard.login_limit"].attempt(account, ip)
    if not attempt.allowed:
        log.warning("login limited: %r from %s, retry in %.1f s", account, ip, attempt.retry_after)
        return _limited(name, attempt.retry_after_header)
    if not current_app.extensions["commentguard.moderators"].authenticate(name, password):
        if _wants_json():
            return envelope(401, "unauthorized", "wrong name or password")
        return _page("login.html", 401, error="Wrong name or password.", name=name)
    # A fresh session and token at login, so a token planted earlier is worthless.
    session.clear()
    session.permanent = True
    session["moderator"] = name
    session["sid"] = current_app.extensions["commentguard.sessions"].start(name)
    session["csrf"] = secrets.token_urlsafe(32)
    return redirect(url_for("moderate.page"), 303)


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """End the session and hand the moderator's claims back to the queue."""
    q = queue()
    for item in q.claimed_by(g.moderator):
        try:
            q.release(item.review_id, g.moderator)
        except APIError:
            pass  # decided or taken over meanwhile: nothing to hand back
    current_app.extensions["commentguard.sessions"].end(g.moderator, g.session_id)
    session.clear()
    return redirect(url_for("moderate.login"), 303)


def link_view(url: str) -> dict[str, str]:
    """Return a URL with the host it leads to, in ASCII so look-alike letters show."""
    scheme = SCHEME.match(url)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        return {"url": url, "domain": f"{scheme.group(1).lower()}: (not a web address)"}
    try:
        host = urlsplit(url if "://" in url else f"http://{url}").hostname or ""
    except ValueError:
        host = ""
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    return {"url": url, "domain": host or "(no host)"}


def item_view(item: dict[str, Any]) -> dict[str, Any]:
    """Return an item with its links and author URL split out for display."""
    urls = dict.fromkeys(extract_urls(normalise(item["content"])))
    author_url = item["author"].get("url")
    return item | {
        "links": [link_view(u) for u in urls],
        "author_link": link_view(author_url) if author_url else None,
    }


def _order() -> str:
    order = request.values.get("order", "oldest")
    return order if order in ORDERS else "oldest"


def _pos() -> int:
    try:
        return max(0, int(request.values.get("pos", 0)))
    except ValueError:
        return 0


def _age(seconds: float | None) -> str:
    """Return a duration in the largest whole unit a person reads at a glance."""
    if seconds is None:
        return "none"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"


@bp.get("")
@login_required
def page() -> ResponseReturnValue:
    """Show the moderator's claimed items (topped up from the queue), counts and history."""
    q = queue()
    order = _order()
    items = q.claimed_by(g.moderator)
    wanted = current_app.config["COMMENTGUARD"]["REVIEW_PAGE_ITEMS"] - len(items)
    if wanted > 0:
        items += q.claim(g.moderator, wanted)
    if order == "uncertain":
        items.sort(key=lambda i: abs(i.score - MOST_UNCERTAIN))
    else:
        items.sort(key=lambda i: tuple(int(p) for p in i.review_id.split("-")))
    stats = q.stats()
    now = time.time()
    store = current_app.extensions["commentguard.records"]
    recent = []
    for d in q.recent_decisions(g.moderator):
        record = store.get(d["site"], d["id"]) or {}
        content = record.get("comment", "")
        recent.append(
            d
            | {
                "when": iso(d["at"]),
                "undoable": now - float(d["at"]) < q.undo_seconds,
                "excerpt": _excerpt(content),
            }
        )
    return _page(
        "moderate.html",
        items=[item_view(i.to_dict()) for i in items],
        stats=stats,
        oldest=_age(stats["oldest_pending_age_seconds"]),
        recent=recent,
        order=order,
        pos=min(_pos(), max(len(items) - 1, 0)),
        moderator=g.moderator,
        max_note=MAX_NOTE_CHARS,
    )


def _excerpt(comment_json: str, chars: int = 80) -> str:
    """Return the start of a stored comment's text."""
    try:
        text = str(json.loads(comment_json).get("content", ""))
    except ValueError:
        return ""
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _back() -> ResponseReturnValue:
    """Return to the page, keeping the order and the selected position."""
    return redirect(url_for("moderate.page", order=_order(), pos=_pos()), 303)


@bp.post("/items/<review_id>/decision")
@login_required
def decide(review_id: str) -> ResponseReturnValue:
    """Decide an item from the page's buttons (or keys)."""
    label = request.form.get("label", "")
    note = request.form.get("note", "")[:MAX_NOTE_CHARS]
    try:
        decision = queue().decide(review_id, label, g.moderator, note)
    except APIError as e:
        flash(e.message, "error")
    else:
        flash(f"Marked {decision.label}.", "ok")
    return _back()


@bp.post("/items/<review_id>/undo")
@login_required
def undo(review_id: str) -> ResponseReturnValue:
    """Undo one of the moderator's recent decisions."""
    try:
        queue().undo(review_id, g.moderator)
    except APIError as e:
        flash(e.message, "error")
    else:
        flash("Decision undone; the comment is back in the queue.", "ok")
    return _back()
