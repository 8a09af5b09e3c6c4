"""``commentguard connect``: serve a platform without webhooks by polling its API."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click
from flask import Flask
from google.auth.exceptions import RefreshError

from service.api.checks import check_comments
from service.connectors.blogger import BloggerClient, BloggerError, Budget, load_credentials
from service.connectors.poller import BloggerPoller
from service.errors import APIError


@click.group()
def connect() -> None:
    """Serve a platform without comment webhooks by polling its API."""


def blogger_poller(app: Flask, blog: str, credentials: Path, site: str) -> BloggerPoller:
    """Wire a Blogger poller to the app's Redis, records and check path."""
    cfg = app.config["COMMENTGUARD"]
    client = BloggerClient.from_credentials(
        load_credentials(credentials, cfg["BLOGGER_TOKEN_URI"]),
        blog,
        base_url=cfg["BLOGGER_API_URL"],
        budget=Budget(cfg["BLOGGER_REQUESTS_PER_POLL"], cfg["BLOGGER_REQUESTS_PER_MINUTE"]),
        retries=cfg["BLOGGER_RETRIES"],
        backoff=cfg["BLOGGER_BACKOFF_SECONDS"],
        backoff_max=cfg["BLOGGER_BACKOFF_MAX_SECONDS"],
    )
    return BloggerPoller(
        client,
        app.extensions["commentguard.redis"],
        app.extensions["commentguard.keys"],
        app.extensions["commentguard.records"],
        check_comments,
        site,
        page_size=cfg["BLOGGER_PAGE_SIZE"],
        overlap_seconds=cfg["BLOGGER_OVERLAP_SECONDS"],
        undo_seconds=cfg["REVIEW_UNDO_SECONDS"],
        max_content=cfg["MAX_CONTENT_CHARS"],
    )


@connect.command("blogger")
@click.option("--blog", default=None, help="The blog's id (default COMMENTGUARD_BLOGGER_BLOG).")
@click.option(
    "--credentials",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Authorized-user or service-account JSON (default COMMENTGUARD_BLOGGER_CREDENTIALS).",
)
@click.option("--site", default=None, help="CommentGuard site of the blog (default blogger-ID).")
@click.option("--once", is_flag=True, help="Poll once and exit (for cron).")
@click.option("--interval", type=float, default=None, help="Seconds between polls (default 60).")
def blogger(
    blog: str | None, credentials: Path | None, site: str | None, once: bool, interval: float | None
) -> None:
    """Check the pending comments of a Blogger blog and approve or mark them as spam.

    Unsure comments stay pending in Blogger until a moderator decides them in CommentGuard;
    the next poll applies the decision. Each poll prints one JSON line of what it did.
    """
    from service.app import create_app

    app = create_app()
    cfg = app.config["COMMENTGUARD"]
    path = credentials or (Path(cfg["BLOGGER_CREDENTIALS"]) if cfg["BLOGGER_CREDENTIALS"] else None)
    if path is None:
        raise click.UsageError("give --credentials FILE or set COMMENTGUARD_BLOGGER_CREDENTIALS")
    blog = blog or cfg["BLOGGER_BLOG"]
    if not blog:
        raise click.UsageError("give --blog ID or set COMMENTGUARD_BLOGGER_BLOG")
    wait = interval if interval is not None else cfg["BLOGGER_INTERVAL"]
    with app.app_context():
        try:
            poller = blogger_poller(app, blog, path, site or f"blogger-{blog}")
        except ValueError as e:
            raise click.ClickException(str(e)) from None
        while True:
            app.extensions["commentguard.reloader"].maybe_reload()
            report: dict[str, Any]
            try:
                report = poller.poll().to_dict()
            except (BloggerError, RefreshError, APIError) as e:
                # A poll that failed changed nothing it did not record: the next one goes on.
                if once:
                    raise click.ClickException(str(e)) from None
                report = {"error": str(e)}
            click.echo(json.dumps(report, sort_keys=True))
            if once:
                return
            time.sleep(wait)
