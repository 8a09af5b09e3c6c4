"""The Akismet wire protocol, so WordPress, Discourse and Akismet clients can use CommentGuard."""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from model.artifact import COMMENT_TYPE
from model.classifier import Reason
from model.scorer import Verdict
from service.api.checks import check_comments
from service.api.validation import MAX_FIELD_CHARS, Comment
from service.errors import REDIS_UNAVAILABLE, APIError
from service.settings import SettingsError

log = logging.getLogger(__name__)

bp = Blueprint("akismet", __name__)

THANKS = "Thanks for making the web a better place."
DEBUG_HELP = "X-akismet-debug-help"
PRO_TIP = "X-akismet-pro-tip"
TRUE_VALUES = frozenset({"1", "true", "yes", "on"})
GUARANTEED_SPAM = "akismet-guaranteed-spam"
# WordPress's Akismet plugin puts this hidden field in comment forms and forwards it with a
# POST_ prefix; only a bot fills it in.
WORDPRESS_HONEYPOT = "POST_ak_hp_textarea"
# The fields a platform sends again, unchanged, when it later reports the same comment as
# spam or ham; the comment id is derived from them.
ID_FIELDS = (
    "comment_type",
    "comment_author",
    "comment_author_email",
    "comment_author_url",
    "user_ip",
    "permalink",
    "comment_content",
)
AUTHOR_FIELDS = {
    "name": "comment_author",
    "email": "comment_author_email",
    "url": "comment_author_url",
    "ip": "user_ip",
    "user_agent": "user_agent",
}
USAGE_TTL_SECONDS = 62 * 24 * 3600
# The id CommentGuard answered in X-CommentGuard-Id; the WordPress bridge (docs/wordpress.md)
# sends it back as this field on rechecks and reports, whose fields no longer derive it.
ID_FIELD = "commentguard_id"
OUR_ID = re.compile(r"akismet-[0-9a-f]{32}")
# WordPress's magic quotes reach a new comment's check backslash-escaped, while its reports
# and rechecks send the stored, unescaped text.
WORDPRESS_AGENT = "WordPress/"
PHP_SLASHED = re.compile(r"\\(.?)", re.DOTALL)
SOURCE = "akismet"
"""The ``platform:<source>`` that Akismet submissions are recorded under."""


class Invalid(Exception):
    """Answered ``invalid`` with HTTP 200, as Akismet does, and the reason as debug help."""

    def __init__(self, help_text: str) -> None:
        super().__init__(help_text)
        self.help_text = help_text


@dataclass(frozen=True)
class Submission:
    """One comment as an Akismet client sends it."""

    comment: Comment
    is_test: bool


def _text(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status=status, mimetype="text/plain", headers=headers)


@bp.record_once
def _check_settings(state: BlueprintSetupState) -> None:
    cfg = state.app.config["COMMENTGUARD"]
    if cfg["AKISMET_UNSURE_ANSWER"] not in ("true", "false"):
        raise SettingsError(
            f"AKISMET_UNSURE_ANSWER must be true or false, not {cfg['AKISMET_UNSURE_ANSWER']!r}"
        )
    cutoff = cfg["AKISMET_DISCARD_CUTOFF"]
    if cutoff is None or not 0.0 <= cutoff <= 1.0:
        raise SettingsError(f"AKISMET_DISCARD_CUTOFF must be between 0 and 1, not {cutoff}")


@bp.errorhandler(Invalid)
def _invalid(e: Invalid) -> Response:
    return _text("invalid", headers={DEBUG_HELP: e.help_text})


@bp.errorhandler(APIError)
def _api_error(e: APIError) -> Response:
    return _text(e.message, e.status, {DEBUG_HELP: e.message})


@bp.errorhandler(HTTPException)
def _http_error(e: HTTPException) -> Response:
    message = e.description or e.name
    return _text(message, e.code or 500, {DEBUG_HELP: " ".join(message.split())})


def _redis_down(e: Exception) -> Response:
    log.error("Redis unavailable: %s", e)
    message = "the comment store is unavailable; retry shortly"
    return _text(message, 503, {DEBUG_HELP: message, "Retry-After": "5"})


for _unavailable in REDIS_UNAVAILABLE:
    bp.register_error_handler(_unavailable, _redis_down)


def _site(*fields: str) -> str:
    """Return the site of the API key sent in ``fields``, or as the host name's first label."""
    key = next((request.values[f] for f in fields if request.values.get(f)), None)
    if key is None:
        # Host names are case-insensitive, so only lower-case (Akismet-style) keys fit there.
        labels = request.host.partition(":")[0].lower().split(".")
        key = labels[0] if len(labels) > 2 else None
    site = current_app.extensions["commentguard.api_keys"].site_for(key) if key else None
    if site is None:
        raise Invalid(
            "Invalid API key. Send a CommentGuard key as api_key;"
            " create one with `commentguard keys create --site NAME --akismet`."
        )
    return str(site)


def _require(form: MultiDict[str, str], *names: str) -> None:
    for name in names:
        if not form.get(name, "").strip():
            raise Invalid(f"Missing required field: {name}.")


def stripslashes(value: str) -> str:
    """Undo PHP's addslashes, as PHP's stripslashes does (``\\0`` is a NUL)."""
    return PHP_SLASHED.sub(lambda m: "\0" if m.group(1) == "0" else m.group(1), value)


def unslashed(form: MultiDict[str, str]) -> MultiDict[str, str]:
    """Return a new WordPress comment's check fields without WordPress's added backslashes."""
    fresh = not form.get("recheck_reason") and ID_FIELD not in form
    if not fresh or not request.user_agent.string.startswith(WORDPRESS_AGENT):
        return form
    return MultiDict([(k, stripslashes(v)) for k, v in form.items(multi=True)])


def comment_id(form: MultiDict[str, str]) -> str:
    """Derive a stable comment id from the fields that identify the comment on every call."""
    ours = form.get(ID_FIELD, "").strip()
    if OUR_ID.fullmatch(ours):
        return ours
    digest = hashlib.sha256()
    for name in ID_FIELDS:
        value = " ".join(form.get(name, "").split())
        if name == "comment_author_email":
            value = value.lower()
        digest.update(f"{name}\0{value}\0".encode("utf-8", "surrogatepass"))
    return "akismet-" + digest.hexdigest()[:32]


def submission(form: MultiDict[str, str], max_content: int) -> Submission:
    """Map Akismet's fields onto a comment; refuse one without ``blog`` or ``user_ip``."""
    _require(form, "blog", "user_ip")
    author = {k: form[f][:MAX_FIELD_CHARS] for k, f in AUTHOR_FIELDS.items() if form.get(f)}
    post = {
        k: form[f][:MAX_FIELD_CHARS]
        for k, f in (("url", "permalink"), ("id", "comment_post_ID"))
        if form.get(f)
    }
    comment = Comment(
        id=comment_id(form),
        content=form.get("comment_content", "")[:max_content],
        site=None,
        type=form.get("comment_type", "")[:MAX_FIELD_CHARS] or COMMENT_TYPE,
        author=author,
        post=post,
        created_at=form.get("comment_date_gmt", "")[:MAX_FIELD_CHARS] or None,
    )
    return Submission(comment, form.get("is_test", "").strip().lower() in TRUE_VALUES)


def ruling(form: MultiDict[str, str]) -> Verdict | None:
    """Return the verdict Akismet's documented test values and honeypots force, if any."""
    roles = {r.strip().lower() for r in form.get("user_role", "").split(",")}
    if "administrator" in roles:
        reason = Reason("rule_administrator", "the author is an administrator of the site", -1.0)
        return Verdict(0.0, "ham", [reason])
    author = form.get("comment_author", "").strip().lower()
    email = form.get("comment_author_email", "").strip().lower()
    if author == GUARANTEED_SPAM or email == f"{GUARANTEED_SPAM}@example.com":
        message = f"the author is Akismet's test value {GUARANTEED_SPAM}"
        reason = Reason("rule_guaranteed_spam", message, 1.0)
        return Verdict(1.0, "spam", [reason])
    for field in (form.get("honeypot_field_name", ""), WORDPRESS_HONEYPOT):
        if field and form.get(field, "").strip():
            reason = Reason("rule_honeypot", f"the hidden form field {field} was filled in", 1.0)
            return Verdict(1.0, "spam", [reason])
    return None


def _count_usage(site: str) -> None:
    redis_client = current_app.extensions["commentguard.redis"]
    key = current_app.extensions["commentguard.keys"].akismet_usage(
        site, time.strftime("%Y-%m", time.gmtime())
    )
    with redis_client.pipeline(transaction=False) as pipe:
        pipe.incr(key)
        pipe.expire(key, USAGE_TTL_SECONDS)
        pipe.execute()


@bp.post("/1.1/get-subscription")
def get_subscription() -> ResponseReturnValue:
    """Describe a known key's account as WordPress's settings page reads it (no billing)."""
    site = _site("key", "api_key")
    return jsonify(
        {
            "status": "active",
            "account_type": "commentguard",
            "account_name": f"CommentGuard: {site}",
            "next_billing_date": None,
            "limit_reached": False,
        }
    )


@bp.post("/1.1/get-stats")
def get_stats() -> ResponseReturnValue:
    """Answer Akismet's stats with zeros: CommentGuard keeps no per-site totals."""
    _site("key", "api_key")
    zeros = ("spam", "ham", "missed_spam", "false_positives", "accuracy", "time_saved")
    return jsonify(dict.fromkeys(zeros, 0))


@bp.get("/1.1/test")
def connectivity() -> ResponseReturnValue:
    """Answer WordPress's connectivity check."""
    return _text("connected")


@bp.post("/1.1/verify-key")
def verify_key() -> ResponseReturnValue:
    """Answer ``valid`` for a known key (``key``, ``api_key`` or host label), else ``invalid``."""
    _site("key", "api_key")
    _require(request.values, "blog")
    return _text("valid")


@bp.post("/1.1/comment-check")
def comment_check() -> ResponseReturnValue:
    """Answer ``true`` (spam, maybe with the discard pro-tip) or ``false`` (ham)."""
    site = _site("api_key")
    cfg = current_app.config["COMMENTGUARD"]
    form = unslashed(request.values)
    sub = submission(form, cfg["MAX_CONTENT_CHARS"])
    answer = check_comments(site, [sub.comment], [ruling(form)], save=not sub.is_test)[0]
    _count_usage(site)
    verdict = answer["verdict"]
    if form.get("recheck_reason") and not sub.is_test:
        verdict = _decided(site, answer["id"]) or verdict
    headers = {
        "X-CommentGuard-Id": answer["id"],
        "X-CommentGuard-Verdict": verdict,
        "X-CommentGuard-Score": str(answer["score"]),
    }
    if verdict == "spam" and answer["score"] > cfg["AKISMET_DISCARD_CUTOFF"]:
        headers[PRO_TIP] = "discard"
    spam = verdict == "spam" or (verdict == "unsure" and cfg["AKISMET_UNSURE_ANSWER"] == "true")
    return _text("true" if spam else "false", headers=headers)


def _decided(site: str, comment_id: str) -> str | None:
    """Return the platform's or a moderator's decision on a stored comment, if any."""
    redis_client = current_app.extensions["commentguard.redis"]
    key = current_app.extensions["commentguard.keys"].comment(site, comment_id)
    platform, state, decision = redis_client.hmget(
        key, "platform_label", "review_state", "decision"
    )
    # The platform's own word is its latest; a moderator's decision is the next best.
    return platform or (decision if state == "decided" else None)


def _submit(label: str) -> Response:
    site = _site("api_key")
    sub = submission(request.values, current_app.config["COMMENTGUARD"]["MAX_CONTENT_CHARS"])
    # A test call is never learned from, and an empty text teaches the model nothing.
    if not sub.is_test and sub.comment.content.strip():
        current_app.extensions["commentguard.platform"].close(
            site,
            sub.comment.id,
            label,
            SOURCE,
            text=sub.comment.content,
            post_url=sub.comment.post.get("url", ""),
            comment_type=sub.comment.type,
        )
    return _text(THANKS)


@bp.post("/1.1/submit-spam")
def submit_spam() -> ResponseReturnValue:
    """Record a missed spam: close its review item and write a training label."""
    return _submit("spam")


@bp.post("/1.1/submit-ham")
def submit_ham() -> ResponseReturnValue:
    """Record a false positive: close its review item and write a training label."""
    return _submit("ham")


@bp.get("/1.2/usage-limit")
def usage_limit() -> ResponseReturnValue:
    """Return this month's comment-check calls in Akismet's format; there is no limit."""
    site = _site("api_key")
    key = current_app.extensions["commentguard.keys"].akismet_usage(
        site, time.strftime("%Y-%m", time.gmtime())
    )
    usage = int(current_app.extensions["commentguard.redis"].get(key) or 0)
    return jsonify({"limit": "none", "usage": usage, "percentage": "0.00", "throttled": False})
