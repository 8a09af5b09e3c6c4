"""In-process benchmarks: scoring latency, batch throughput, training time, model size."""

from __future__ import annotations

import gc
import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from model.artifact import Artifact, save
from model.classifier import SpamClassifier
from model.fast import CompiledClassifier
from model.features import build_pipeline, normalise_all
from model.language import identify
from model.scorer import Scorer
from training.datasets import Example
from training.recipe import TrainedModel


def _latencies(call: Callable[[str], object], texts: Sequence[str]) -> dict[str, float]:
    """Time ``call`` on each text; return the median and p99 in milliseconds."""
    for text in texts[:50]:
        call(text)
    times = []
    for text in texts:
        start = time.perf_counter()
        call(text)
        times.append(time.perf_counter() - start)
    times.sort()
    return {
        "median_ms": round(statistics.median(times) * 1e3, 4),
        "p99_ms": round(times[int(len(times) * 0.99)] * 1e3, 4),
        "calls": len(times),
    }


def _throughput(call: Callable[[list[str]], object], batch: list[str], seconds: float) -> float:
    """Return comments per second of ``call`` on ``batch``, the best of repeated runs."""
    call(batch)
    best = float("inf")
    deadline = time.perf_counter() + seconds
    runs = 0
    while runs < 3 or time.perf_counter() < deadline:
        start = time.perf_counter()
        call(batch)
        best = min(best, time.perf_counter() - start)
        runs += 1
    return round(len(batch) / best, 1)


def scoring(classifier: SpamClassifier, scorer: Scorer, texts: list[str]) -> dict[str, Any]:
    """Measure one-comment latency and batch throughput, sklearn against the fast path."""
    compiled = scorer.compiled
    assert compiled is not None, "the shipped pipeline must compile"
    # Distinct comments, and other ones for each fast-path measure: a comment the process has
    # just scored costs less the second time (CPU caches, RE2's automaton), and an API sees
    # new ones.
    distinct = random.Random(1).sample(sorted(set(texts)), 4000)
    sample, fresh, slow = distinct[:1750], distinct[1750:3500], distinct[3500:]
    one: dict[str, Any] = {
        "sklearn_predict_proba": _latencies(lambda t: classifier.predict_proba([t]), slow),
        "sklearn_proba_and_explain": _latencies(
            lambda t: (classifier.predict_proba([t]), classifier.explain(t)), slow
        ),
        "fast_predict_proba": _latencies(lambda t: compiled.predict_proba([t]), sample),
        "fast_check": _latencies(lambda t: scorer.check([t]), fresh),
        # The detector without its per-process cache, on the text as the scorer gives it.
        "language_id_uncached": _latencies(identify.__wrapped__, normalise_all(slow)),
    }
    one["speedup_check"] = round(
        one["sklearn_proba_and_explain"]["median_ms"] / one["fast_check"]["median_ms"], 2
    )
    batches: dict[str, dict[str, float]] = {}
    for size in (1, 100, 1000):
        batch = sample[:size]
        batches[str(size)] = {
            "sklearn_predict_proba": _throughput(classifier.predict_proba, batch, 0.5),
            "fast_predict_proba": _throughput(compiled.predict_proba, batch, 1.0),
            "fast_check": _throughput(scorer.check, batch, 1.0),
        }
    return {"one_comment": one, "batch_comments_per_s": batches}


def training_time(examples: list[Example], sizes: Sequence[int]) -> list[dict[str, Any]]:
    """Time one fit of the pipeline on corpora resampled (with replacement) to each size."""
    rng = random.Random(2)
    rows = []
    for size in sizes:
        sample = rng.choices(examples, k=size)
        texts, labels = [e.text for e in sample], [e.label for e in sample]
        gc.collect()
        start = time.perf_counter()
        build_pipeline().fit(texts, labels)
        rows.append({"rows": size, "fit_s": round(time.perf_counter() - start, 2)})
    return rows


def model_size(trained: TrainedModel, texts: list[str]) -> dict[str, Any]:
    """Return the size of the saved artifact and the memory the compiled model takes.

    The compiled model is measured after scoring the texts, with all it allocates for them.
    """
    with tempfile.TemporaryDirectory() as tmp:
        manifest = save(trained.classifier, Path(tmp), {"version": "bench", "cutoffs": {}})
    tracemalloc.start()
    compiled = CompiledClassifier(trained.classifier)
    compiled.assess_many(texts)
    allocated, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del compiled
    return {
        "joblib_bytes": manifest["size_bytes"],
        "columns": len(trained.classifier.feature_names),
        "compiled_kib": allocated // 1024,
    }


def run(
    examples: list[Example], trained: TrainedModel, recipe_s: float, sizes: Sequence[int]
) -> dict[str, Any]:
    """Run every in-process benchmark and return the results.

    ``trained`` is the recipe's model of ``examples``, which took ``recipe_s`` to train.
    """
    artifact = Artifact(
        trained.classifier,
        {"version": "bench", "cutoffs": {"ham": trained.cutoffs.ham, "spam": trained.cutoffs.spam}},
    )
    scorer = Scorer(artifact)
    texts = [e.text for e in examples]
    return {
        "scoring": scoring(trained.classifier, scorer, texts),
        "training": {
            "recipe_on_shipped_s": round(recipe_s, 2),
            "fit_by_rows": training_time(examples, sizes),
        },
        "model": model_size(trained, texts),
    }
