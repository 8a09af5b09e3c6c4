"""One API process against two, sharing one Redis: ``python -m bench.hosts`` (on demand).

Each round loads one gunicorn with wrk, then two gunicorns at once (one wrk each), on the
check endpoint at 16 connections per process; prints req/s and the CPU milliseconds each
process group spent per check, the figure the capacity arithmetic in docs/scaling.md uses.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from bench import load
from bench.__main__ import _bodies, _publish
from service.api.auth import ApiKeys
from service.keys import Keys
from service.redis_client import embedded_url, shutdown_embedded, start_embedded
from training.corpus import shipped_examples
from training.recipe import train


def _load_all(
    servers: list[load.Server], bodies: Path, key: str, seconds: int, redis_pid: int, run: str
) -> dict[str, Any]:
    """Run one wrk per server at once; return total req/s and CPU ms per check."""
    runs: list[dict[str, Any]] = [{} for _ in servers]
    cpu_before = [s.cpu_s() for s in servers]
    redis_before = load.cpu_s([redis_pid])

    def one(i: int) -> None:
        url = servers[i].url + "/v1/comments/check"
        runs[i] = load.wrk(url, 16, seconds, bodies, key, f"{run}-{i}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(servers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    requests = sum(r["requests"] for r in runs)
    gunicorn = sum(s.cpu_s() - b for s, b in zip(servers, cpu_before, strict=True))
    redis = load.cpu_s([redis_pid]) - redis_before
    return {
        "processes": len(servers),
        "req_per_s": round(sum(r["req_per_s"] for r in runs), 1),
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "p99_ms": max(r["p99_ms"] for r in runs),
        "gunicorn_cpu_ms_per_check": round(gunicorn * 1e3 / max(requests, 1), 3),
        "redis_cpu_ms_per_check": round(redis * 1e3 / max(requests, 1), 3),
    }


def main() -> None:
    """Measure one and two API processes on one embedded Redis; print JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run-s", type=int, default=5, help="seconds of one wrk run")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not load.have_wrk():
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    examples = shipped_examples()
    trained = train(examples)
    with tempfile.TemporaryDirectory(prefix="commentguard-hosts-") as tmp:
        work = Path(tmp)
        _publish(trained, work)
        redis_server = start_embedded(work)
        servers: list[load.Server] = []
        try:
            key = ApiKeys(redis_server, Keys()).create("bench.example.com", "bench hosts")
            bodies = _bodies(trained, [e.text for e in examples], work)["decided"]
            env = os.environ | {
                "COMMENTGUARD_DATA_DIR": str(work),
                "COMMENTGUARD_REDIS_URL": embedded_url(redis_server),
            }
            servers = [load.Server(env, work / f"gunicorn-{i}.log") for i in range(2)]
            for r in range(args.rounds):
                for count in (1, 2):
                    result = _load_all(
                        servers[:count], bodies, key, args.run_s, redis_server.pid, f"r{r}"
                    )
                    print(json.dumps({"round": r} | result), flush=True)
        finally:
            for server in servers:
                server.stop()
            shutdown_embedded(redis_server)
    print(f"load average {os.getloadavg()}", file=sys.stderr)


if __name__ == "__main__":
    main()
