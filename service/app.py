"""The application factory: settings, Redis, the model and the blueprints wired together."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from model.artifact import Artifact, Cutoffs
from model.reading import ReadingRule
from model.scorer import Scorer
from service import errors, logs, settings
from service.api import akismet, comments, floor, health, labels, monitoring
from service.api.auth import ApiKeys
from service.api.languages import LanguagePolicies
from service.delivery import api as deliveries_api
from service.delivery.callbacks import Callbacks
from service.delivery.outbox import Outbox
from service.keys import Keys
from service.metrics import Metrics
from service.redis_client import connect, is_cluster
from service.registry import model_store
from service.reloader import ModelReloader
from service.review import api as review_api
from service.review.platform import PlatformDecisions
from service.review.queue import ReviewQueue
from service.review.records import CommentStore
from service.review.signals import Signals
from service.web import moderate
from service.web.limits import LoginLimiter
from service.web.moderators import Moderators
from service.web.sessions import Sessions

log = logging.getLogger(__name__)


def configured_cutoffs(cfg: dict[str, Any], manifest_cutoffs: Cutoffs) -> Cutoffs:
    """Return the manifest's cutoffs with any configured override applied."""
    ham = cfg["HAM_CUTOFF"] if cfg["HAM_CUTOFF"] is not None else manifest_cutoffs.ham
    spam = cfg["SPAM_CUTOFF"] if cfg["SPAM_CUTOFF"] is not None else manifest_cutoffs.spam
    if not 0.0 <= ham <= spam <= 1.0:
        raise settings.SettingsError(f"cutoffs must satisfy 0 <= ham ({ham}) <= spam ({spam}) <= 1")
    return Cutoffs(ham=ham, spam=spam)


def configured_scorer(cfg: dict[str, Any], artifact: Artifact, reasons: int) -> Scorer:
    """Return a scorer at the model's cutoffs, or at the configured ones for every type."""
    overridden = cfg["HAM_CUTOFF"] is not None or cfg["SPAM_CUTOFF"] is not None
    cutoffs = configured_cutoffs(cfg, artifact.cutoffs)
    # A partial configuration (a test, a tool) keeps the rule's own defaults.
    rule = ReadingRule()
    reading = ReadingRule(
        min_labels=cfg.get("MIN_LANGUAGE_LABELS", rule.min_labels),
        min_coverage=cfg.get("MIN_COVERAGE", rule.min_coverage),
        min_confidence=cfg.get("MIN_LANGUAGE_CONFIDENCE", rule.min_confidence),
    )
    return Scorer(artifact, cutoffs, reasons, by_type={} if overridden else None, reading=reading)


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Create the Flask app from defaults, ``COMMENTGUARD_*`` variables and overrides."""
    cfg = settings.load(overrides)
    data_dir = Path(cfg["DATA_DIR"])
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        COMMENTGUARD=cfg,
        MAX_CONTENT_LENGTH=cfg["MAX_BODY_BYTES"],
        SECRET_KEY=cfg["SECRET_KEY"] or settings.secret_key(data_dir),
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cfg["SESSION_COOKIE_SECURE"],
        PERMANENT_SESSION_LIFETIME=timedelta(hours=cfg["SESSION_HOURS"]),
    )
    if cfg["SHADOW_VERDICT"] not in (None, "ham", "unsure", "spam"):
        raise settings.SettingsError("SHADOW_VERDICT must be ham, unsure or spam, or unset")
    logs.install(app)  # first, so every later hook and error line has the request id
    metrics = Metrics()
    app.extensions["commentguard.metrics"] = metrics
    redis_client = connect(cfg["REDIS_URL"], data_dir)
    keys = Keys(cfg["REDIS_PREFIX"])
    if is_cluster(redis_client):
        keys.require_hash_tag()
    app.extensions["commentguard.redis"] = redis_client
    app.extensions["commentguard.keys"] = keys
    app.extensions["commentguard.languages"] = LanguagePolicies(
        redis_client, keys, cfg["API_KEY_CACHE_SECONDS"]
    )
    app.extensions["commentguard.api_keys"] = ApiKeys(
        redis_client, keys, cfg["API_KEY_CACHE_SECONDS"]
    )
    app.extensions["commentguard.records"] = CommentStore(
        redis_client, keys, cfg["REDIS_WAIT_REPLICAS"], cfg["REDIS_WAIT_MS"]
    )
    app.extensions["commentguard.review"] = ReviewQueue.from_settings(
        redis_client, keys, cfg, on_decision=metrics.decided
    )
    app.extensions["commentguard.platform"] = PlatformDecisions(redis_client, keys)
    app.extensions["commentguard.moderators"] = Moderators(redis_client, keys)
    app.extensions["commentguard.outbox"] = Outbox.from_settings(redis_client, keys, cfg)
    app.extensions["commentguard.callbacks"] = Callbacks(redis_client, keys)

    app.extensions["commentguard.sessions"] = Sessions(
        redis_client, keys, cfg["SESSION_HOURS"] * 3600
    )
    app.extensions["commentguard.login_limit"] = LoginLimiter.from_settings(redis_client, keys, cfg)
    if cfg["PROXY_HOPS"]:
        # The login limit counts by client address, which a proxy would otherwise hide.
        hops = cfg["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    configured_cutoffs(cfg, Cutoffs(ham=0.0, spam=1.0))  # refuse bad settings at start
    app.extensions["commentguard.signals"] = Signals(redis_client, keys, cfg)
    store = model_store(cfg, redis_client, keys)
    app.extensions["commentguard.models"] = store

    def install(scorer: Scorer) -> None:
        app.extensions["commentguard.scorer"] = scorer
        metrics.model_loaded(scorer.version)

    reloader = ModelReloader(
        store,
        build=lambda artifact: configured_scorer(cfg, artifact, cfg["REASONS"]),
        install=install,
        interval=cfg["RELOAD_INTERVAL"],
        on_refused=metrics.model_refused,
    )
    app.extensions["commentguard.reloader"] = reloader
    if not reloader.load_now():
        log.error(
            "no model loaded from %s, /v1/comments answers 503 until one is published", store.root
        )
    # Each request reads app.extensions["commentguard.scorer"] once, so a swap between two
    # requests is atomic for both of them.
    app.before_request(reloader.maybe_reload)
    errors.register(app)
    app.register_blueprint(review_api.bp)
    app.register_blueprint(moderate.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(comments.bp)
    app.register_blueprint(labels.bp)
    app.register_blueprint(akismet.bp)
    app.register_blueprint(deliveries_api.bp)

    if cfg["METRICS"]:
        app.register_blueprint(monitoring.bp)
    if cfg["BENCH_FLOOR"]:
        app.register_blueprint(floor.bp)
    return app
