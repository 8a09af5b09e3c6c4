"""The ``commentguard`` command: serve, manage keys, callbacks, and the training commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from commentguard import connect as connectors
from commentguard.deliveries import callbacks, deliveries, dispatch
from commentguard.lifecycle import models, recheck, simulate, train
from service import settings
from service.api.auth import ApiKeys
from service.api.languages import REJECT, REVIEW, LanguagePolicies
from service.keys import Keys
from service.redis_client import connect
from service.web.moderators import Moderators
from service.web.sessions import Sessions
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


def _moderators() -> Moderators:
    """Return the moderator accounts of the configured Redis."""
    cfg = settings.load()
    client = connect(cfg["REDIS_URL"], Path(cfg["DATA_DIR"]))
    return Moderators(client, Keys(cfg["REDIS_PREFIX"]))


@main.group()
def moderators() -> None:
    """Manage moderator accounts (the /moderate page and the review API)."""


@moderators.command("add")
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def moderators_add(name: str, password_stdin: bool) -> None:
    """Create moderator NAME, or set a new password for an existing one."""
    try:
        Moderators.check_name(name)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="NAME") from None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        _moderators().add(name, password)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"moderator {name} saved; they can log in at /moderate")


@moderators.command("token")
@click.argument("name")
def moderators_token(name: str) -> None:
    """Print a new review API token for NAME (stored hashed; replaces the previous one)."""
    try:
        click.echo(_moderators().new_token(name))
    except KeyError:
        raise click.ClickException(
            f"no moderator {name!r}; create one with `commentguard moderators add {name}`"
        ) from None


@moderators.command("logout")
@click.argument("name")
def moderators_logout(name: str) -> None:
    """End every page session of NAME at once (every copy of every cookie)."""
    cfg = settings.load()
    client = connect(cfg["REDIS_URL"], Path(cfg["DATA_DIR"]))
    ended = Sessions(client, Keys(cfg["REDIS_PREFIX"]), cfg["SESSION_HOURS"] * 3600).end_all(name)
    click.echo(f"ended {ended} session(s) of {name}; they must log in again")


@main.group()
def keys() -> None:
    """Manage API keys (each bound to one site)."""


@keys.command("create")
@click.option("--site", required=True, help="The site the key may check comments for.")
@click.option("--name", default="", help="A note on who uses the key.")
@click.option(
    "--akismet", is_flag=True, help="Make a 12-character key for Akismet clients (WordPress)."
)
def keys_create(site: str, name: str, akismet: bool) -> None:
    """Create an API key for SITE and print it (it is stored hashed and shown only once)."""
    cfg = settings.load()
    client = connect(cfg["REDIS_URL"], Path(cfg["DATA_DIR"]))
    click.echo(ApiKeys(client, Keys(cfg["REDIS_PREFIX"])).create(site, name, akismet))


@main.command("languages")
@click.argument("site")
@click.option("--expect", default="", help="Comma-separated language codes, e.g. en,ru,mk,sh.")
@click.option(
    "--outside",
    type=click.Choice([REVIEW, REJECT]),
    default=REVIEW,
    show_default=True,
    help="What a comment in another language gets: review (unsure) or reject (spam).",
)
@click.option("--clear", is_flag=True, help="Expect any language again.")
def languages(site: str, expect: str, outside: str, clear: bool) -> None:
    """Set the languages SITE expects; a comment in another goes to review or is rejected."""
    cfg = settings.load()
    client = connect(cfg["REDIS_URL"], Path(cfg["DATA_DIR"]))
    policies = LanguagePolicies(client, Keys(cfg["REDIS_PREFIX"]), 0)
    if clear:
        had = policies.clear(site)
        click.echo(f"site {site!r} expects any language" + ("" if had else " (it did already)"))
        return
    try:
        policy = policies.set(site, expect.split(","), outside)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--expect") from None
    click.echo(f"site {site!r} expects {','.join(sorted(policy.expected))}; others: {outside}")


@keys.command("revoke")
@click.argument("key")
def keys_revoke(key: str) -> None:
    """Revoke KEY: it is refused from now on.

    A running worker that has the key cached trusts it for up to
    COMMENTGUARD_API_KEY_CACHE_SECONDS more (5 by default).
    """
    cfg = settings.load()
    client = connect(cfg["REDIS_URL"], Path(cfg["DATA_DIR"]))
    if not ApiKeys(client, Keys(cfg["REDIS_PREFIX"])).revoke(key):
        raise click.ClickException("no such API key (it was never created or is revoked)")
    click.echo("revoked")


@keys.command("rotate")
@click.argument("key")
@click.option(
    "--overlap",
    type=click.FloatRange(min=0),
    default=86_400.0,
    show_default=True,
    help="Seconds the old key keeps working beside the new one (0: refused at once).",
)
def keys_rotate(key: str, overlap: float) -> None:
    """Print a new key for KEY's site; KEY keeps working for the overlap, then is refused."""
    cfg = settings.load()
    client = connect(cfg["REDIS_URL"], Path(cfg["DATA_DIR"]))
    try:
        new = ApiKeys(client, Keys(cfg["REDIS_PREFIX"])).rotate(key, overlap)
    except KeyError:
        raise click.ClickException("no such API key (it was never created or is revoked)") from None
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    click.echo(new)


main.add_command(train)
main.add_command(evaluate)
main.add_command(score)
main.add_command(models)
main.add_command(recheck)
main.add_command(simulate)
main.add_command(connectors.connect)
main.add_command(callbacks)
main.add_command(deliveries)
main.add_command(dispatch)
