"""Gunicorn configuration: the master owns the embedded Redis when no URL is configured."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from service import settings
from service.api.auth import ApiKeys
from service.delivery.dispatcher import Dispatcher
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
# The app writes one JSON line per request (service/logs.py), so gunicorn's own is off.
accesslog = None
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "service.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}
# Several servers may run on one host (tests, benchmarks): no shared control socket.
control_socket_disable = True
_embedded: dict[str, Any] = {}
# After an answer, gunicorn discards at most this much of a body the app left unread (a 413, a
# 401 before the body is read) and otherwise closes the connection, although the answer said
# keep-alive: the client's next request then fails. Such answers say `Connection: close`.
_DRAINED_BYTES = 64 * 1024


def dispatcher_wanted(cfg: dict[str, Any]) -> bool:
    """Return whether the master runs the dispatcher thread (DISPATCHER_THREAD)."""
    mode = str(cfg["DISPATCHER_THREAD"] or "auto").lower()
    if mode not in ("auto", "on", "off"):
        raise settings.SettingsError("DISPATCHER_THREAD must be auto, on or off")
    return mode == "on" or (mode == "auto" and cfg["REDIS_URL"] is None)


def on_starting(server: Any) -> None:
    """Start the embedded Redis before the workers fork, and make sure an API key exists.

    With DISPATCHER_THREAD, the master also delivers decision events in a thread: the
    embedded mode needs no second process.
    """
    cfg = settings.load()
    # Each worker's metrics go to files here; a scrape sums them. Stale files of an earlier
    # run would be summed too, so the directory starts empty.
    metrics_dir = Path(
        os.environ.get("PROMETHEUS_MULTIPROC_DIR") or Path(cfg["DATA_DIR"]) / "metrics"
    )
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
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
    if dispatcher_wanted(cfg):
        dispatcher = Dispatcher.from_settings(client, Keys(cfg["REDIS_PREFIX"]), cfg)
        _embedded["dispatcher"] = (dispatcher, dispatcher.start_thread())
        server.log.info("dispatcher thread %s delivers decision callbacks", dispatcher.name)


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges from the metrics (its counters still count)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def pre_request(worker: Any, req: Any) -> None:
    """Close the connection after a body that gunicorn might not be able to discard."""
    for name, value in req.headers:
        if name == "TRANSFER-ENCODING" or (
            name == "CONTENT-LENGTH" and value.isdecimal() and int(value) > _DRAINED_BYTES
        ):
            req.force_close()


def on_exit(server: Any) -> None:
    """Stop the dispatcher thread, then the embedded Redis with the master, saving its data."""
    running = _embedded.pop("dispatcher", None)
    if running is not None:
        dispatcher, thread = running
        dispatcher.stop()
        # A delivery in flight ends within its timeout; an unfinished one is redelivered.
        thread.join(timeout=5)
    client = _embedded.pop("client", None)
    if client is not None:
        shutdown_embedded(client)
        os.environ.pop("COMMENTGUARD_REDIS_URL", None)
