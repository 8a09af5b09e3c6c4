"""Run every benchmark and write bench/results/results.{json,md}: ``python -m bench``."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sklearn

from bench import inprocess, load, report
from model.artifact import save
from model.fast import CompiledClassifier
from model.store import ModelStore
from service.api.auth import ApiKeys
from service.keys import Keys
from service.redis_client import embedded_url, shutdown_embedded, start_embedded
from training.corpus import shipped_examples
from training.recipe import TrainedModel, train

# The configured server (service/gunicorn_conf.py: gthread, 2 workers x 4 threads), and the
# alternatives compared with it on floor and check at 16 connections: another worker class,
# and no API key cache (one more Redis round trip per call).
CONFIGURED = "gthread 2x4 (configured)"
CONFIGS: list[tuple[str, list[str], dict[str, str]]] = [
    ("sync x2", ["--worker-class", "sync", "--workers", "2"], {}),
    ("gthread 2x4, no API key cache", [], {"COMMENTGUARD_API_KEY_CACHE_SECONDS": "0"}),
]


def _publish(trained: TrainedModel, data_dir: Path) -> None:
    """Save the trained model as the data directory's current model."""
    store = ModelStore(data_dir / "models")
    cutoffs = {"ham": trained.cutoffs.ham, "spam": trained.cutoffs.spam}
    save(trained.classifier, store.path_for("bench"), {"version": "bench", "cutoffs": cutoffs})
    store.promote("bench")


def _bodies(trained: TrainedModel, texts: list[str], work: Path) -> dict[str, Path]:
    """Write the request bodies: decided comments (ham or spam), and unsure ones."""
    scores = CompiledClassifier(trained.classifier).predict_proba(texts)
    verdicts = [trained.cutoffs.verdict(float(s)) for s in scores]
    decided = [t for t, v in zip(texts, verdicts, strict=True) if v != "unsure"]
    unsure = [t for t, v in zip(texts, verdicts, strict=True) if v == "unsure"]
    return {
        "decided": load.write_bodies(work / "decided.jsonl", decided),
        "unsure": load.write_bodies(work / "unsure.jsonl", unsure),
    }


# What each load variant posts: path and request bodies.
VARIANTS = {
    "floor": ("/bench/floor", "decided"),
    "check": ("/v1/comments/check", "decided"),
    "check_unsure": ("/v1/comments/check", "unsure"),
}


class Load:
    """wrk runs against one server, interleaved so that a shared machine's noise hits all."""

    def __init__(self, bodies: dict[str, Path], key: str, redis_pid: int) -> None:
        self.bodies = bodies
        self.key = key
        self.redis_pid = redis_pid
        self.run_no = 0

    def rounds(
        self, server: load.Server, variants: list[str], conns: int, seconds: int, rounds: int
    ) -> dict[str, Any]:
        """Run each variant once per round, in turn; return totals and ratios to the floor."""
        runs: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
        for _ in range(rounds):
            for variant in variants:
                path, body = VARIANTS[variant]
                self.run_no += 1
                gunicorn, redis = server.cpu_s(), load.cpu_s([self.redis_pid])
                run = load.wrk(
                    server.url + path,
                    conns,
                    seconds,
                    self.bodies[body],
                    self.key,
                    f"r{self.run_no}",
                )
                run["cpu_s"]["gunicorn"] = server.cpu_s() - gunicorn
                run["cpu_s"]["redis"] = load.cpu_s([self.redis_pid]) - redis
                runs[variant].append(run)
        result: dict[str, Any] = {v: load.combine(rs) for v, rs in runs.items()}
        for variant in variants[1:]:
            # The median of per-round ratios: a burst of load elsewhere spoils one round only.
            result[f"{variant}_ratio"] = round(
                statistics.median(
                    r["req_per_s"] / f["req_per_s"]
                    for r, f in zip(runs[variant], runs["floor"], strict=True)
                ),
                3,
            )
            # What the ratio would be with the CPU all to this benchmark: req/s is CPUs over
            # the CPU all processes (wrk, gunicorn, Redis) spend on one request.
            cpu = {v: sum(result[v]["cpu_ms_per_request"].values()) for v in ("floor", variant)}
            result[f"{variant}_cpu_ratio"] = round(cpu["floor"] / cpu[variant], 3)
        return result


def http(trained: TrainedModel, texts: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Run the HTTP benchmarks against gunicorn servers sharing one embedded Redis."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="commentguard-bench-") as tmp:
        work = Path(tmp)
        _publish(trained, work)
        redis_server = start_embedded(work)
        try:
            key = ApiKeys(redis_server, Keys()).create("bench.example.com", "make bench")
            loader = Load(_bodies(trained, texts, work), key, redis_server.pid)
            env = os.environ | {
                "COMMENTGUARD_DATA_DIR": str(work),
                "COMMENTGUARD_REDIS_URL": embedded_url(redis_server),
                "COMMENTGUARD_BENCH_FLOOR": "1",
            }
            log = work / "gunicorn.log"
            print("  the configured server at 16 and 64 connections", file=sys.stderr, flush=True)
            server = load.Server(env, log)
            try:
                results["configured"] = {
                    str(conns): loader.rounds(
                        server, list(VARIANTS), conns, args.run_s, args.rounds
                    )
                    for conns in (16, 64)
                }
                results["rss_kib"] = server.worker_rss_kib()
            finally:
                server.stop()
            compared = {CONFIGURED: results["configured"]["16"]}
            for name, options, extra_env in CONFIGS:
                print(f"  comparing {name}", file=sys.stderr, flush=True)
                server = load.Server(env | extra_env, log, options)
                try:
                    compared[name] = loader.rounds(
                        server, ["floor", "check"], 16, args.run_s, args.compare_rounds
                    )
                finally:
                    server.stop()
            results["configs_at_16"] = compared
            results["review_stream_length"] = redis_server.xlen(Keys().review_stream())

            if args.profile_s:
                print("  profiling check under py-spy", file=sys.stderr, flush=True)
                raw = work / "profile.txt"
                server = load.Server(env, log, profile_to=raw)
                try:
                    loader.rounds(server, ["check"], 16, args.profile_s, 1)
                finally:
                    server.stop()
                results["profile_check_16"] = load.summarise_profile(raw)
        finally:
            shutdown_embedded(redis_server)
    return results


@contextmanager
def _phase(name: str, phases: dict[str, float], started: float) -> Iterator[None]:
    """Print the phase's start and end on stderr, and record how long it took."""
    start = time.time()
    print(f"[{start - started:6.1f}s] {name} ...", file=sys.stderr, flush=True)
    yield
    phases[name] = round(time.time() - start, 1)
    print(f"[{time.time() - started:6.1f}s] {name}: {phases[name]} s", file=sys.stderr, flush=True)


def main() -> None:
    """Run the benchmarks and write the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results"))
    parser.add_argument("--run-s", type=int, default=3, help="seconds of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, configured server")
    parser.add_argument("--compare-rounds", type=int, default=1, help="rounds per other config")
    parser.add_argument("--profile-s", type=int, default=8, help="seconds profiled; 0 skips")
    parser.add_argument("--train-sizes", default="1000,10000,100000", help="rows to fit on")
    args = parser.parse_args()
    if not load.have_wrk():
        raise SystemExit("wrk is not installed: apt-get install -y wrk (or run `make bench`)")
    started = time.time()
    phases: dict[str, float] = {}
    examples = shipped_examples()
    texts = [e.text for e in examples]
    with _phase("train the benchmarked model", phases, started):
        start = time.perf_counter()
        trained = train(examples)
        recipe_s = time.perf_counter() - start
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "sklearn": sklearn.__version__,
            "load_average_at_start": os.getloadavg(),
        },
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
    }
    sizes = [int(s) for s in args.train_sizes.split(",") if s]
    with _phase("in-process scoring, training time, model size", phases, started):
        results["in_process"] = inprocess.run(examples, trained, recipe_s, sizes)
    with _phase("HTTP: gunicorn loaded by wrk", phases, started):
        results["http"] = http(trained, texts, args)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["duration_s"] = round(time.time() - started, 1)
    results["phases_s"] = phases
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "results.md").write_text(report.render(results))
    print(report.render(results))


if __name__ == "__main__":
    main()
