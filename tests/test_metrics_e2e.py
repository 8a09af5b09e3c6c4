"""/metrics under gunicorn with two workers: every worker's counts are summed in one scrape."""

from __future__ import annotations

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e import Server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROUND = 40
MAX_ROUNDS = 10


def _checks_by_pid(metrics_dir: Path) -> dict[str, float]:
    """Return each worker's own count of checks, read from its multiprocess file."""
    counts: dict[str, float] = {}
    for path in metrics_dir.glob("counter_*.db"):
        pid = path.stem.removeprefix("counter_")
        for key, value, _, _ in MmapedDict.read_all_values_from_file(str(path)):
            if json.loads(key)[0] == "commentguard_checks":
                counts[pid] = counts.get(pid, 0.0) + value
    return counts


def _scraped_checks(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        if family.name == "commentguard_checks"
        for s in family.samples
        if s.name == "commentguard_checks_total"
    )


def test_metrics_sum_the_checks_of_every_worker(data_dir: Path, tmp_path: Path) -> None:
    served = tmp_path / "var"
    shutil.copytree(data_dir / "models", served / "models", symlinks=True)
    log = tmp_path / "serve.log"
    server = Server({"COMMENTGUARD_DATA_DIR": str(served), "COMMENTGUARD_REDIS_URL": ""}, log)
    try:
        server.wait_ready()
        key = re.findall(r"cg_[A-Za-z0-9_-]{20,}", log.read_text())[0]
        headers = {"Authorization": f"Bearer {key}"}

        def check(i: int) -> int:
            # A new connection per call, so the kernel spreads them over both workers.
            body = {"id": f"m-{i}", "content": f"thanks for part {i} of the series"}
            h = headers | {"X-Request-Id": f"load-{i}"}
            r = httpx.post(f"{server.url}/v1/comments/check", json=body, headers=h, timeout=10)
            return r.status_code

        sent = 0
        with ThreadPoolExecutor(8) as pool:
            # Bounded: stop once two workers have answered checks, or after MAX_ROUNDS rounds.
            for _ in range(MAX_ROUNDS):
                assert set(pool.map(check, range(sent, sent + ROUND))) == {200}
                sent += ROUND
                if len(_checks_by_pid(served / "metrics")) >= 2:
                    break
        per_worker = _checks_by_pid(served / "metrics")
        assert len(per_worker) >= 2, f"one worker answered all {sent} checks: {per_worker}"
        assert sum(per_worker.values()) == sent
        # Whichever worker answers the scrape, it reports the sum over both.
        assert [_scraped_checks(server.url) for _ in range(4)] == [sent] * 4
    finally:
        assert server.stop() == 0
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [x for x in lines if x["logger"] == "commentguard.access"]
    assert {x["request_id"] for x in access} >= {f"load-{i}" for i in range(sent)}
    assert {x["status"] for x in access if x["path"] == "/v1/comments/check"} == {200}
    assert any(x["logger"] == "gunicorn.error" for x in lines), "gunicorn's own lines are JSON too"
