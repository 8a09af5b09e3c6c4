"""Gunicorn configuration: the master owns the embedded Redis when no URL is configured."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from service import settings
from service.api.auth import ApiKeys
from service.keys import Keys
from service.redis_client import connect, embedded_url, shutdown_embedded, start_embedded

_settings = settings.load()
bind = _settings["BIND"]
# gthread, 2 workers x 4 threads on 2 cores: why, and how to re-measure, in docs/performance.md.
worker_class = "gthread"
workers = _settings["WORKERS"]
threads = _settings["THREADS"]
# A worker that has not answered for this long is killed and replaced by the master.
timeout = 30
graceful_timeout = 20
accesslog = "-"
# Several servers may run on one host (tests, benchmarks): no shared control socket.
control_socket_disable = True
_embedded: dict[str, Any] = {}
# After an answer, gunicorn discards at most this much of a body the app left unread (a 413, a
# 401 before the body is read) and otherwise closes the connection, although the answer said
# keep-alive: the client's next request then fails. Such answers say `Connection: close`.
_DRAINED_BYTES = 64 * 1024


def on_starting(server: Any) -> None:
    """Start the embedded Redis before the workers fork, and make sure an API key exists."""
    cfg = settings.load()
    if cfg["REDIS_URL"] is None:
        client = start_embedded(Path(cfg["DATA_DIR"]))
        _embedded["client"] = client
        os.environ["COMMENTGUARD_REDIS_URL"] = embedded_url(client)
        server.log.info("embedded Redis at %s", os.environ["COMMENTGUARD_REDIS_URL"])
    else:
        client = connect(cfg["REDIS_URL"], Path(cfg["DATA_DIR"]))
    api_keys = ApiKeys(client, Keys(cfg["REDIS_PREFIX"]))
    if api_keys.count() == 0:
        token = api_keys.create("default", name="created on first start")
        print(
            f"\nNo API key existed, so one was created for site 'default':\n\n    {token}\n\n"
            "It is shown only this once. Send it as `Authorization: Bearer <key>`.\n",
            flush=True,
        )


def pre_request(worker: Any, req: Any) -> None:
    """Close the connection after a body that gunicorn might not be able to discard."""
    for name, value in req.headers:
        if name == "TRANSFER-ENCODING" or (
            name == "CONTENT-LENGTH" and value.isdecimal() and int(value) > _DRAINED_BYTES
        ):
            req.force_close()


def on_exit(server: Any) -> None:
    """Stop the embedded Redis with the master, saving its data."""
    client = _embedded.pop("client", None)
    if client is not None:
        shutdown_embedded(client)
        os.environ.pop("COMMENTGUARD_REDIS_URL", None)
