"""The quality probes of the default training mix, each with its test data kept out of training.

- ``lovo``: each YouTube video in turn is a new comment section (mean over the four);
- ``news-ham``: 1,000 news-site comments of the shipped file;
- ``se-spam``: 500 Stack Exchange spam posts of the shipped file;
- ``sms-spam``: all SMS spam, a spam register the model never saw;
- ``sms-ham``: all SMS ham;
- ``thai-unlabelled``: the Thai SMS in Thai (by the detector; 7% are in English), a language
  the model has no labels in;
- ``thai-labelled``: 1,000 Thai SMS, the model trained on the rest as a site's labels.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from model import reading
from model.features import build_pipeline, normalise_all
from model.language import identify
from training.corpus import CORPORA, youtube_examples
from training.datasets import HAM, SPAM, Example
from training.metrics import evaluate
from training.recipe import predict, train

PROBE_SEED = 20240601
NEWS_HELD = 1000
SE_HELD = 500
THAI_HELD = 1000


@dataclass(frozen=True)
class Target:
    """What a probe must reach: ``figure`` compared with ``limit`` by ``op``."""

    figure: str
    op: str
    limit: float

    def met(self, value: float) -> bool:
        """Return whether the figure meets the target."""
        return value >= self.limit if self.op == ">=" else value <= self.limit

    def __str__(self) -> str:
        return f"{self.figure} {self.op} {self.limit:g}"


TARGETS = {
    "lovo": (
        Target("mcc", ">=", 0.92),
        Target("ham_auto_removed", "<=", 0),
        Target("unsure_rate", "<=", 0.12),
    ),
    "news-ham": (Target("ham_auto_removed", "<=", 0), Target("unsure_rate", "<=", 0.10)),
    "sms-spam": (Target("spam_auto_approved_rate", "<=", 0.10),),
    "sms-ham": (Target("ham_auto_removed", "<=", 0),),
    "se-spam": (Target("spam_auto_approved_rate", "<=", 0.10),),
    "thai-unlabelled": (
        Target("spam_auto_approved_rate", "<=", 0.10),
        Target("ham_auto_removed", "<=", 0),
    ),
    "thai-labelled": (Target("mcc", ">=", 0.9),),
}


def split_off(examples: Sequence[Example], n: int) -> tuple[list[Example], list[Example]]:
    """Return (kept, held): ``n`` examples drawn with the fixed probe seed, and the rest."""
    order = list(range(len(examples)))
    random.Random(PROBE_SEED).shuffle(order)
    held = set(order[:n])
    return (
        [e for i, e in enumerate(examples) if i not in held],
        [e for i, e in enumerate(examples) if i in held],
    )


def mix(corpora: dict[str, list[Example]]) -> list[Example]:
    """Return the training sample of each corpus, as the default mix takes it."""
    return [e for c in CORPORA for e in c.sample(corpora[c.name])]


def _scored(trained: Any, test: Sequence[Example]) -> dict[str, Any]:
    scores = predict(trained.classifier, test)
    labelled = trained.counts.get("languages")
    hold, clear = reading.held(trained.classifier, labelled, [e.text for e in test])
    return evaluate(np.array([e.label for e in test]), scores, trained.cutoffs, hold, clear) | {
        "held_rate": float(np.mean(hold)) if len(test) else 0.0
    }


def run_probes(
    build: Callable[[], Pipeline] = build_pipeline,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, dict[str, Any]]:
    """Train the standard recipe once per held-out set and return each probe's figures."""
    videos: dict[str, list[Example]] = {}
    for e in youtube_examples():
        videos.setdefault(e.source, []).append(e)
    corpora = {c.name: c.examples() for c in CORPORA}
    results: dict[str, dict[str, Any]] = {}

    per_video = {}
    for held, test in videos.items():
        rest = [e for name, v in videos.items() if name != held for e in v]
        per_video[held] = _scored(train(rest + mix(corpora), build=build), test)
        progress(f"lovo {held}: mcc={per_video[held]['mcc']:.4f}")
    results["lovo"] = {
        "mcc": float(np.mean([m["mcc"] for m in per_video.values()])),
        "roc_auc": float(np.mean([m["roc_auc"] for m in per_video.values()])),
        "unsure_rate": float(np.mean([m["unsure_rate"] for m in per_video.values()])),
        "ham_auto_removed": sum(m["ham_auto_removed"] for m in per_video.values()),
        "spam_auto_approved_rate": float(
            np.mean([m["spam_auto_approved_rate"] for m in per_video.values()])
        ),
        "n": sum(m["n"] for m in per_video.values()),
        "videos": per_video,
    }

    youtube = [e for v in videos.values() for e in v]
    news_kept, news_held = split_off(corpora["civil-comments-ham"], NEWS_HELD)
    se_kept, se_held = split_off(corpora["stackexchange-spam"], SE_HELD)
    without = corpora | {"civil-comments-ham": news_kept, "stackexchange-spam": se_kept}
    trained = train(youtube + mix(without), build=build)
    results["news-ham"] = _scored(trained, news_held)
    results["se-spam"] = _scored(trained, se_held)
    thai = corpora["thai-sms"]
    in_thai = [
        e
        for e, t in zip(thai, normalise_all([e.text for e in thai]), strict=True)
        if identify(t).code == "th"
    ]
    results["thai-unlabelled"] = _scored(trained, in_thai)
    progress("news-ham, se-spam and thai-unlabelled scored")

    thai_kept, thai_held = split_off(thai, THAI_HELD)
    results["thai-labelled"] = _scored(
        train(youtube + mix(corpora) + thai_kept, build=build), thai_held
    )
    progress("thai-labelled scored")

    sms = corpora["sms-spam-collection"]
    for name, label in (("sms-spam", SPAM), ("sms-ham", HAM)):
        without = corpora | {"sms-spam-collection": [e for e in sms if e.label != label]}
        trained = train(youtube + mix(without), build=build)
        results[name] = _scored(trained, [e for e in sms if e.label == label])
        progress(f"{name} scored")
    return results


def verdicts(results: dict[str, dict[str, Any]]) -> dict[str, list[tuple[Target, float, bool]]]:
    """Return, per probe, each target with the measured value and whether it is met."""
    return {
        name: [
            (t, float(results[name][t.figure]), t.met(float(results[name][t.figure])))
            for t in targets
        ]
        for name, targets in TARGETS.items()
        if name in results
    }
