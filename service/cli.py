"""The ``commentguard`` command: serve, manage keys, and the training commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from service import settings
from service.auth import ApiKeys
from service.keys import Keys
from service.model_commands import models, recheck, simulate, train
from service.redis_client import connect
from training.commands import evaluate, score


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """CommentGuard: self-hosted comment-spam moderation.

    Settings come from COMMENTGUARD_* environment variables (see README).
    """


@main.command()
@click.option("--bind", default=None, help="HOST:PORT to listen on (default 127.0.0.1:8000).")
@click.option("--workers", type=int, default=None, help="Worker processes (default 2).")
def serve(bind: str | None, workers: int | None) -> None:
    """Run the API under gunicorn with the project's configuration."""
    from gunicorn.app.base import BaseApplication

    from service import gunicorn_conf
    from service.app import create_app

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for name in dir(gunicorn_conf):
                if name in self.cfg.settings and not name.startswith("_"):
                    self.cfg.set(name, getattr(gunicorn_conf, name))
            if bind:
                self.cfg.set("bind", bind)
            if workers:
                self.cfg.set("workers", workers)

        def load(self) -> Any:
            return create_app()

    Server().run()


@main.group()
def keys() -> None:
    """Manage API keys (each bound to one site)."""


@keys.command("create")
@click.option("--site", required=True, help="The site the key may check comments for.")
@click.option("--name", default="", help="A note on who uses the key.")
def keys_create(site: str, name: str) -> None:
    """Create an API key for SITE and print it (it is stored hashed and shown only once)."""
    cfg = settings.load()
    client = connect(cfg["REDIS_URL"], Path(cfg["DATA_DIR"]))
    click.echo(ApiKeys(client, Keys(cfg["REDIS_PREFIX"])).create(site, name))


main.add_command(train)
main.add_command(evaluate)
main.add_command(score)
main.add_command(models)
main.add_command(recheck)
main.add_command(simulate)
