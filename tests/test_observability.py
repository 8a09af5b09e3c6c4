"""/metrics, request ids and JSON log lines, in-process through the Flask test client."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from service.api.checks import check_comments
from service.logs import ACCESS_LOGGER, JsonFormatter
from service.metrics import QueueCollector
from tests.review_data import enqueue

DOCS = Path(__file__).parent.parent / "docs"
METRICS_SOURCE = (Path(__file__).parent.parent / "service" / "metrics.py").read_text("utf-8")
SPAM = {"id": "c-1", "content": "subscribe to my channel http://bit.ly/free-prizes"}


def scrape(client: Any, **kw: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Return every sample of /metrics by (name, sorted labels)."""
    r = client.get("/metrics", **kw)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.content_type.startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.get_data(as_text=True))
        for s in family.samples
    }


def total(samples: dict, name: str, **labels: str) -> float:
    """Return the sum of a metric's samples whose labels include ``labels``."""
    return sum(v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls))


def test_checks_requests_errors_and_latency_are_counted(client: Any, auth: dict) -> None:
    for i in range(3):
        r = client.post("/v1/comments/check", json=SPAM | {"id": f"c-{i}"}, headers=auth)
        assert r.json["verdict"] == "spam"
    assert client.post("/v1/comments/check", data="x", headers=auth).status_code == 415
    assert client.post("/v1/comments/check", json=SPAM).status_code == 401
    samples = scrape(client)
    assert total(samples, "commentguard_checks_total", verdict="spam") == 3
    assert total(samples, "commentguard_checks_total", site="blog.example.com") == 3
    route = {"route": "/v1/comments/check"}
    assert total(samples, "commentguard_http_requests_total", status="200", **route) == 3
    assert total(samples, "commentguard_http_requests_total", **route) == 5
    assert total(samples, "commentguard_http_request_duration_seconds_count", **route) == 5
    assert total(samples, "commentguard_http_request_duration_seconds_sum", **route) > 0
    errors = "commentguard_http_errors_total"
    assert total(samples, errors, code="unsupported_media_type", status="415") == 1
    assert total(samples, errors, code="unauthorized", status="401") == 1
    assert total(samples, "commentguard_model_info", version="test-model") == 1
    assert total(samples, "commentguard_model_reloads_total", result="loaded") == 1
    assert total(samples, "commentguard_redis_up") == 1


def test_an_unknown_path_is_counted_under_one_route(client: Any) -> None:
    for path in ("/nope", "/nope/again", "/wp-login.php"):
        assert client.get(path).status_code == 404
    assert client.open("/healthz", method="BREW").status_code == 405
    samples = scrape(client)
    # A method no route takes matched no rule either.
    assert total(samples, "commentguard_http_requests_total", route="unmatched") == 4
    assert total(samples, "commentguard_http_requests_total", method="OTHER", status="405") == 1
    assert not any("BREW" in str(labels) for _, labels in samples)
    assert not any("nope" in str(labels) for _, labels in samples)


def test_the_review_queue_and_decisions_are_exported(unsure_app: Flask) -> None:
    client = unsure_app.test_client()
    ext = unsure_app.extensions
    ids = enqueue(ext["commentguard.redis"], ext["commentguard.keys"], [0.3, 0.5, 0.6])
    samples = scrape(client)
    assert total(samples, "commentguard_review_pending") == 3
    assert total(samples, "commentguard_review_oldest_age_seconds") >= 0
    queue = ext["commentguard.review"]
    queue.claim("ann", 1)
    queue.decide(ids[0], "spam", "ann")
    queue.decide_many([(ids[1], "ham", "")], "recheck", learn=False)
    samples = scrape(client)
    assert total(samples, "commentguard_review_pending") == 1
    assert total(samples, "commentguard_review_claimed") == 0
    decisions = "commentguard_decisions_total"
    assert total(samples, decisions, label="spam", source="moderator") == 1
    assert total(samples, decisions, label="ham", source="model") == 1


def test_a_batch_counts_every_comment(app: Flask, api_key: str) -> None:
    from service.api.validation import parse_comment

    with app.test_request_context():
        comments = [parse_comment({"id": f"b-{i}", "content": "nice post"}, 100) for i in range(4)]
        check_comments("blog.example.com", comments)
    samples = scrape(app.test_client())
    assert total(samples, "commentguard_checks_total", site="blog.example.com") == 4


def test_redis_down_at_scrape_time_is_reported_not_raised() -> None:
    def down() -> dict[str, Any]:
        raise ConnectionError("refused")

    families = list(QueueCollector(down).collect())
    assert [(f.name, f.samples[0].value) for f in families] == [("commentguard_redis_up", 0)]


@pytest.fixture
def locked_app(redis_url: str, data_dir: Any) -> Flask:
    from service.app import create_app

    return create_app(
        {"REDIS_URL": redis_url, "DATA_DIR": str(data_dir), "METRICS_TOKEN": "s3cret"}
    )


def test_a_metrics_token_is_required_when_set(locked_app: Flask) -> None:
    client = locked_app.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        r = client.get("/metrics", headers=headers)
        assert r.status_code == 401
        assert "METRICS_TOKEN" in r.json["error"]["message"]
    assert (
        total(
            scrape(client, headers={"Authorization": "Bearer s3cret"}),
            "commentguard_http_requests_total",
            status="401",
        )
        == 2
    )


def test_metrics_can_be_switched_off(redis_url: str, data_dir: Any) -> None:
    from service.app import create_app

    app = create_app({"REDIS_URL": redis_url, "DATA_DIR": str(data_dir), "METRICS": False})
    r = app.test_client().get("/metrics")
    assert r.status_code == 404
    assert r.json["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "sent,kept",
    [
        ("req-7f3a.1:abc", True),
        ("x" * 129, False),
        ("two words", False),
        ('"} {"level": "forged', False),
    ],
)
def test_a_request_id_is_kept_only_when_well_formed(client: Any, sent: str, kept: bool) -> None:
    r = client.get("/healthz", headers={"X-Request-Id": sent})
    answered = r.headers["X-Request-Id"]
    if kept:
        assert answered == sent
    else:
        assert answered != sent and len(answered) == 32 and int(answered, 16) >= 0


def test_each_request_gets_its_own_id(client: Any) -> None:
    ids = {client.get("/healthz").headers["X-Request-Id"] for _ in range(5)}
    assert len(ids) == 5


def test_one_json_access_line_per_request(
    client: Any, auth: dict, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    r = client.post("/v1/comments/check", json=SPAM, headers=auth | {"X-Request-Id": "platform-42"})
    assert r.status_code == 200
    [record] = [rec for rec in caplog.records if rec.name == ACCESS_LOGGER]
    line = json.loads(JsonFormatter().format(record))
    assert set(line) == {
        "time", "level", "logger", "message", "request_id", "method", "path", "status",
        "duration_ms",
    }  # fmt: skip
    assert line["request_id"] == "platform-42"
    assert (line["method"], line["path"], line["status"]) == ("POST", "/v1/comments/check", 200)
    assert line["level"] == "INFO" and line["logger"] == ACCESS_LOGGER
    assert line["time"].endswith("+00:00")
    assert 0 < line["duration_ms"] < 60_000


def test_an_error_line_carries_the_request_id_and_the_traceback(app: Flask) -> None:
    formatter = JsonFormatter()
    with app.test_request_context(headers={"X-Request-Id": "abc-1"}):
        app.preprocess_request()
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            record = logging.getLogger("service.errors").makeRecord(
                "service.errors", logging.ERROR, __file__, 1, "unhandled error", (), None
            )
            import sys

            record.exc_info = sys.exc_info()
        line = json.loads(formatter.format(record))
    assert line["request_id"] == "abc-1"
    assert "RuntimeError: boom" in line["exception"]
    assert "\n" not in formatter.format(record)


def test_the_cli_and_the_app_import_prometheus_client_only_when_an_app_is_created() -> None:
    # prometheus-client picks in-memory or multiprocess storage on first import; the gunicorn
    # master imports the app before on_starting sets PROMETHEUS_MULTIPROC_DIR.
    code = (
        "import sys, commentguard.cli, service.app, service.gunicorn_conf;"
        "print('prometheus_client' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_grafana_dashboard_is_json_and_names_only_exported_metrics(unsure_app: Flask) -> None:
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text("utf-8"))
    client = unsure_app.test_client()
    enqueue(
        unsure_app.extensions["commentguard.redis"],
        unsure_app.extensions["commentguard.keys"],
        [0.5],
    )
    text = client.get("/metrics").get_data(as_text=True)
    exported = {f.name for f in text_string_to_metric_families(text)}
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(exprs) >= 4
    used = set()
    for expr in exprs + re.findall(
        r"```promql\n(.*?)```", (DOCS / "observability.md").read_text(), re.S
    ):
        used |= set(re.findall(r"commentguard_[a-z_]+", expr))
    families = {re.sub(r"_(bucket|total|count|sum)$", "", name) for name in used}
    # Families of labelled metrics appear once counted; every one the panels use is defined.
    defined = exported | set(re.findall(r'"(commentguard_[a-z_]+)"', METRICS_SOURCE))
    assert families <= defined, families - defined
