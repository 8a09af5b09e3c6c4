"""The application factory: settings, Redis, the model and the blueprints wired together."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from model.artifact import ArtifactError, Cutoffs
from model.scorer import Scorer
from model.store import ModelStore
from service import comments, errors, health, settings
from service.auth import ApiKeys
from service.keys import Keys
from service.records import CommentStore
from service.redis_client import connect
from service.signals import Signals

log = logging.getLogger(__name__)


def _cutoffs(cfg: dict[str, Any], manifest_cutoffs: Cutoffs) -> Cutoffs:
    """Return the manifest's cutoffs with any configured override applied."""
    ham = cfg["HAM_CUTOFF"] if cfg["HAM_CUTOFF"] is not None else manifest_cutoffs.ham
    spam = cfg["SPAM_CUTOFF"] if cfg["SPAM_CUTOFF"] is not None else manifest_cutoffs.spam
    if not 0.0 <= ham <= spam <= 1.0:
        raise settings.SettingsError(f"cutoffs must satisfy 0 <= ham ({ham}) <= spam ({spam}) <= 1")
    return Cutoffs(ham=ham, spam=spam)


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Create the Flask app from defaults, ``COMMENTGUARD_*`` variables and overrides."""
    cfg = settings.load(overrides)
    data_dir = Path(cfg["DATA_DIR"])
    app = Flask(__name__)
    app.config.update(
        COMMENTGUARD=cfg,
        MAX_CONTENT_LENGTH=cfg["MAX_BODY_BYTES"],
        SECRET_KEY=cfg["SECRET_KEY"] or settings.secret_key(data_dir),
        JSON_SORT_KEYS=False,
    )
    if cfg["SHADOW_VERDICT"] not in (None, "ham", "unsure", "spam"):
        raise settings.SettingsError("SHADOW_VERDICT must be ham, unsure or spam, or unset")
    redis_client = connect(cfg["REDIS_URL"], data_dir)
    keys = Keys(cfg["REDIS_PREFIX"])
    app.extensions["commentguard.redis"] = redis_client
    app.extensions["commentguard.keys"] = keys
    app.extensions["commentguard.api_keys"] = ApiKeys(redis_client, keys)
    app.extensions["commentguard.records"] = CommentStore(redis_client, keys)
    app.extensions["commentguard.signals"] = Signals(redis_client, keys, cfg)
    store = ModelStore(data_dir / "models")
    app.extensions["commentguard.models"] = store
    try:
        artifact = store.load_current()
    except ArtifactError as e:
        log.error("no model loaded, /v1/comments answers 503 until one is: %s", e)
    else:
        app.extensions["commentguard.scorer"] = Scorer(
            artifact, _cutoffs(cfg, artifact.cutoffs), cfg["REASONS"]
        )
    errors.register(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(comments.bp)
    return app
