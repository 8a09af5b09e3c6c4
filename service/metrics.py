"""Every Prometheus metric the service exports, and the review queue read at scrape time.

Under gunicorn, ``service/gunicorn_conf.py`` sets ``PROMETHEUS_MULTIPROC_DIR``: each worker
writes its values to files there and a scrape of any worker sums them (prometheus-client's
multiprocess mode). Without it (tests, a single process) the metrics live in the app's own
registry. To add a metric: create it in ``Metrics.__init__`` with ``registry=self._target``,
give it a method below, and list it in docs/observability.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Seconds; the check endpoint answers in a few milliseconds, a batch in up to seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The service's counters, gauges and histograms, in one place."""

    def __init__(self) -> None:
        # Imported here, not at the top: prometheus-client fixes its storage (in memory or
        # multiprocess files) on first import, and the gunicorn master imports this module
        # before on_starting sets PROMETHEUS_MULTIPROC_DIR for the workers.
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.multiprocess = bool(os.environ.get(MULTIPROC_ENV))
        self.registry = CollectorRegistry()
        # In multiprocess mode the values go to files, read by the scrape's own collector.
        self._target = None if self.multiprocess else self.registry
        target = self._target
        self.requests = Counter(
            "commentguard_http_requests",
            "HTTP requests answered, by route, method and status code.",
            ["route", "method", "status"],
            registry=target,
        )
        self.latency = Histogram(
            "commentguard_http_request_duration_seconds",
            "Time from the request's arrival in Flask to its answer, by route.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=target,
        )
        self.errors = Counter(
            "commentguard_http_errors",
            "4xx and 5xx answers, by the error envelope's code and the status.",
            ["code", "status"],
            registry=target,
        )
        self.checks = Counter(
            "commentguard_checks",
            "Comments answered (check, check-batch, Akismet comment-check), by site and verdict.",
            ["site", "verdict"],
            registry=target,
        )
        self.decisions = Counter(
            "commentguard_decisions",
            "Review items decided, by label and by who decided (moderator or model).",
            ["label", "source"],
            registry=target,
        )
        self.model = Gauge(
            "commentguard_model_info",
            "1 for each model version a live worker serves.",
            ["version"],
            registry=target,
            multiprocess_mode="livemax",
        )
        self.reloads = Counter(
            "commentguard_model_reloads",
            "Model loads by the hot reloader: loaded, or refused (broken or tampered).",
            ["result"],
            registry=target,
        )
        self._version: str | None = None
        # labels() costs more than the increment: each series' child is looked up once.
        self._per_route: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._per_check: dict[tuple[str, str], Any] = {}

    def request(
        self, route: str, method: str, status: int, seconds: float, error: str | None
    ) -> None:
        """Count one answered request and its latency."""
        children = self._per_route.get((route, method, status))
        if children is None:
            children = (
                self.requests.labels(route, method, str(status)),
                self.latency.labels(route),
            )
            self._per_route[(route, method, status)] = children
        children[0].inc()
        children[1].observe(seconds)
        if status >= 400:
            self.errors.labels(error or "error", str(status)).inc()

    def checked(self, site: str, verdicts: list[str]) -> None:
        """Count the verdicts answered for one site."""
        for verdict in verdicts:
            child = self._per_check.get((site, verdict))
            if child is None:
                child = self._per_check[(site, verdict)] = self.checks.labels(site, verdict)
            child.inc()

    def decided(self, label: str, source: str) -> None:
        """Count one review decision."""
        self.decisions.labels(label, source).inc()

    def model_loaded(self, version: str) -> None:
        """Record that this process now serves ``version``."""
        if self._version is not None and self._version != version:
            self.model.labels(self._version).set(0)
        self.model.labels(version).set(1)
        self._version = version
        self.reloads.labels("loaded").inc()

    def model_refused(self) -> None:
        """Count a model the reloader refused."""
        self.reloads.labels("refused").inc()

    def exposition(self, *collectors: Collector) -> tuple[bytes, str]:
        """Return the text exposition of every metric (all workers) and the extra collectors."""
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = self.registry
        if self.multiprocess:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
        scrape = CollectorRegistry()
        for collector in collectors:
            scrape.register(collector)
        return generate_latest(registry) + generate_latest(scrape), CONTENT_TYPE_LATEST


class QueueCollector:
    """Review queue depth and the age of its oldest item, read from Redis at scrape time."""

    def __init__(self, stats: Callable[[], dict[str, Any]]) -> None:
        self.stats = stats

    def collect(self) -> Iterator[Any]:
        """Yield the queue gauges, and whether Redis answered."""
        from prometheus_client.core import GaugeMetricFamily

        try:
            stats = self.stats()
        except Exception:  # noqa: BLE001 - a scrape reports Redis down rather than failing
            stats = None
        yield GaugeMetricFamily(
            "commentguard_redis_up", "1 when Redis answered this scrape.", value=int(bool(stats))
        )
        if stats is None:
            return
        yield GaugeMetricFamily(
            "commentguard_review_pending", "Review items waiting, unclaimed.", stats["pending"]
        )
        yield GaugeMetricFamily(
            "commentguard_review_claimed", "Review items claimed by a moderator.", stats["claimed"]
        )
        yield GaugeMetricFamily(
            "commentguard_review_oldest_age_seconds",
            "Age of the oldest unclaimed review item (0 when none waits).",
            stats["oldest_pending_age_seconds"] or 0.0,
        )

    def describe(self) -> list[Any]:
        """Describe nothing, so registering never calls collect (nor Redis)."""
        return []
