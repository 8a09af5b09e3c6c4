"""Run every benchmark and write bench/results/results.{json,md}: ``python -m bench``."""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import sklearn

from bench import inprocess, load, report
from model.artifact import save
from model.fast import CompiledClassifier
from model.store import ModelStore
from service.auth import ApiKeys
from service.keys import Keys
from service.redis_client import embedded_url, shutdown_embedded, start_embedded
from training.corpus import shipped_examples
from training.recipe import TrainedModel, train

# Worker classes and counts compared on floor and check; the winner goes in gunicorn_conf.
CONFIGS = [
    ("sync x2", ["--worker-class", "sync", "--workers", "2"]),
    ("sync x4", ["--worker-class", "sync", "--workers", "4"]),
    ("gthread 2x4", ["--worker-class", "gthread", "--workers", "2", "--threads", "4"]),
    ("gthread 3x2", ["--worker-class", "gthread", "--workers", "3", "--threads", "2"]),
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


def http(trained: TrainedModel, texts: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Run the HTTP benchmarks against gunicorn servers sharing one embedded Redis."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="commentguard-bench-") as tmp:
        work = Path(tmp)
        _publish(trained, work)
        bodies = _bodies(trained, texts, work)
        redis_server = start_embedded(work)
        try:
            key = ApiKeys(redis_server, Keys()).create("bench.example.com", "make bench")
            env = os.environ | {
                "COMMENTGUARD_DATA_DIR": str(work),
                "COMMENTGUARD_REDIS_URL": embedded_url(redis_server),
                "COMMENTGUARD_BENCH_FLOOR": "1",
            }
            log = work / "gunicorn.log"
            runs = iter(range(1, 1000))

            def measure(server: load.Server, path: str, body: str, conns: int, s: int) -> dict:
                return load.wrk(server.url + path, conns, s, bodies[body], key, f"r{next(runs)}")

            compared = {}
            for name, options in CONFIGS:
                server = load.Server(env, log, options)
                try:
                    floor = measure(server, "/bench/floor", "decided", 16, args.compare_s)
                    check = measure(server, "/v1/comments/check", "decided", 16, args.compare_s)
                finally:
                    server.stop()
                compared[name] = {
                    "floor": floor,
                    "check": check,
                    "ratio": round(check["req_per_s"] / floor["req_per_s"], 3),
                }
            results["configs_at_16"] = compared

            server = load.Server(env, log)
            try:
                matrix = {}
                for conns in (16, 64):
                    row = {
                        "floor": measure(server, "/bench/floor", "decided", conns, args.main_s),
                        "check": measure(
                            server, "/v1/comments/check", "decided", conns, args.main_s
                        ),
                        "check_unsure": measure(
                            server, "/v1/comments/check", "unsure", conns, args.main_s
                        ),
                    }
                    for variant in ("check", "check_unsure"):
                        row[f"{variant}_ratio"] = round(
                            row[variant]["req_per_s"] / row["floor"]["req_per_s"], 3
                        )
                    matrix[str(conns)] = row
                results["configured"] = matrix
                results["rss_kib"] = server.worker_rss_kib()
            finally:
                server.stop()
            results["review_stream_length"] = redis_server.xlen(Keys().review_stream())

            if args.profile_s:
                raw = work / "profile.txt"
                server = load.Server(env, log, profile_to=raw)
                try:
                    measure(server, "/v1/comments/check", "decided", 16, args.profile_s)
                finally:
                    server.stop()
                results["profile_check_16"] = load.summarise_profile(raw)
        finally:
            shutdown_embedded(redis_server)
    return results


def main() -> None:
    """Run the benchmarks and write the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results"))
    parser.add_argument("--compare-s", type=int, default=5, help="seconds per config run")
    parser.add_argument("--main-s", type=int, default=8, help="seconds per configured run")
    parser.add_argument("--profile-s", type=int, default=8, help="seconds profiled; 0 skips")
    parser.add_argument("--train-sizes", default="1000,10000,100000", help="rows to fit on")
    args = parser.parse_args()
    if not load.have_wrk():
        raise SystemExit("wrk is not installed: apt-get install -y wrk (or run `make bench`)")
    started = time.time()
    examples = shipped_examples()
    texts = [e.text for e in examples]
    trained = train(examples)
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
    results["in_process"] = inprocess.run(examples, trained, sizes)
    results["http"] = http(trained, texts, args)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["duration_s"] = round(time.time() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "results.md").write_text(report.render(results))
    print(report.render(results))


if __name__ == "__main__":
    main()
