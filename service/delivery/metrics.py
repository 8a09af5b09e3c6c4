"""Delivery counters (prometheus-client); they join service/metrics.py and /metrics at merge."""

from __future__ import annotations

from prometheus_client import Counter

DELIVERED = Counter(
    "commentguard_callbacks_delivered", "Decision events a callback answered with 2xx.", ["site"]
)
RETRIED = Counter(
    "commentguard_callbacks_retried", "Failed callback attempts scheduled for a retry.", ["site"]
)
DEAD = Counter(
    "commentguard_callbacks_dead", "Decision events moved to the dead letters.", ["site"]
)
