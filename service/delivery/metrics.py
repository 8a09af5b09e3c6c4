"""Delivery counters: delivered, retried and dead callbacks, by site (prometheus-client).

The dispatcher runs outside the Flask app (its own process, or a thread of the gunicorn
master), so its counters are not in ``service.metrics.Metrics``. They are made on first use,
not at import: prometheus-client fixes its storage (in memory or multiprocess files) when it is
first imported, and the gunicorn master imports this module before ``on_starting`` sets
``PROMETHEUS_MULTIPROC_DIR``. Made after that, the master's counts land in the same files the
workers' ``/metrics`` sums.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def counters() -> dict[str, Any]:
    """Return the three delivery counters, created once per process."""
    from prometheus_client import Counter

    return {
        "delivered": Counter(
            "commentguard_callbacks_delivered",
            "Decision events a callback answered with 2xx.",
            ["site"],
        ),
        "retried": Counter(
            "commentguard_callbacks_retried",
            "Failed callback attempts scheduled for a retry.",
            ["site"],
        ),
        "dead": Counter(
            "commentguard_callbacks_dead", "Decision events moved to the dead letters.", ["site"]
        ),
    }


def count(outcome: str, site: str) -> None:
    """Count one delivery outcome (delivered, retried or dead) for the site."""
    counters()[outcome].labels(site).inc()
