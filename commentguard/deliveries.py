"""Decision callbacks from the command line: configure them, run the dispatcher, replay."""

from __future__ import annotations

import json
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import redis

from service import settings
from service.delivery.callbacks import Callbacks
from service.delivery.dispatcher import Dispatcher
from service.delivery.outbox import Outbox
from service.keys import Keys
from service.redis_client import connect


@contextmanager
def _redis() -> Iterator[tuple[redis.Redis, Keys, dict[str, Any]]]:
    """Yield a client of the configured Redis, its keys and the settings; close it after."""
    cfg = settings.load()
    client = connect(cfg["REDIS_URL"], Path(cfg["DATA_DIR"]))
    try:
        yield client, Keys(cfg["REDIS_PREFIX"]), cfg
    finally:
        client.close()


@click.group()
def callbacks() -> None:
    """Configure where each site's decision events are POSTed (docs/webhooks.md)."""


@callbacks.command("set")
@click.option("--site", required=True, help="The site whose decisions are sent.")
@click.option("--url", required=True, help="The http(s) URL the events are POSTed to.")
@click.option(
    "--secret-stdin", is_flag=True, help="Read the signing secret from stdin instead of making one."
)
def callbacks_set(site: str, url: str, secret_stdin: bool) -> None:
    """Send SITE's decisions to URL; print the signing secret (stored in Redis as is)."""
    secret = sys.stdin.readline().strip() if secret_stdin else None
    with _redis() as (client, keys, _):
        try:
            secret = Callbacks(client, keys).set(site, url, secret)
        except ValueError as e:
            raise click.BadParameter(str(e)) from None
    if secret_stdin:
        click.echo(f"callback of {site} set to {url}, signed with the secret given")
    else:
        click.echo(secret)


@callbacks.command("show")
@click.option("--site", required=True)
def callbacks_show(site: str) -> None:
    """Print SITE's callback URL and when it was set (not the secret)."""
    with _redis() as (client, keys, _):
        callback = Callbacks(client, keys).get(site)
    if callback is None:
        raise click.ClickException(f"no callback for site {site!r}")
    click.echo(json.dumps({"site": site, "url": callback.url, "created_at": callback.created_at}))


@callbacks.command("remove")
@click.option("--site", required=True)
def callbacks_remove(site: str) -> None:
    """Stop sending SITE's decisions (events already written go to the dead letters)."""
    with _redis() as (client, keys, _):
        removed = Callbacks(client, keys).remove(site)
    if not removed:
        raise click.ClickException(f"no callback for site {site!r}")
    click.echo("removed")


@click.group()
def deliveries() -> None:
    """List and replay the events a callback never took."""


@deliveries.command("dead")
@click.option("--site", default=None, help="Only this site's dead letters.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
def deliveries_dead(site: str | None, limit: int) -> None:
    """Print dead letters, oldest first, one JSON object a line."""
    with _redis() as (client, keys, cfg):
        for letter in Outbox.from_settings(client, keys, cfg).dead(site, limit):
            click.echo(json.dumps(letter))


@deliveries.command("replay")
@click.argument("dead_id", required=False)
@click.option("--all", "everything", is_flag=True, help="Replay every dead letter.")
@click.option("--site", default=None, help="With --all: only this site's.")
def deliveries_replay(dead_id: str | None, everything: bool, site: str | None) -> None:
    """Put dead letter DEAD_ID (or --all) back in the outbox under its event id."""
    if (dead_id is None) == (not everything):
        raise click.UsageError("give one dead letter ID or --all")
    replayed = 0
    with _redis() as (client, keys, cfg):
        box = Outbox.from_settings(client, keys, cfg)
        ids = [dead_id] if dead_id else [d["id"] for d in box.dead(site, limit=10**9)]
        for did in ids:
            if box.replay(did) is None:
                raise click.ClickException(f"no dead letter {did!r}")
            replayed += 1
    click.echo(f"{replayed} replayed")


@click.command()
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=0,
    help="Serve the delivery counters at http://127.0.0.1:PORT/metrics (0: not served).",
)
def dispatch(metrics_port: int) -> None:
    """Deliver decision events to the sites' callbacks until stopped (SIGTERM, Ctrl-C)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1")
    with _redis() as (client, keys, cfg):
        dispatcher = Dispatcher.from_settings(client, keys, cfg)
        signal.signal(signal.SIGTERM, lambda *_: dispatcher.stop())
        try:
            dispatcher.run()
        except KeyboardInterrupt:
            pass
