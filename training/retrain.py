"""The retraining run: split off the gate set, fit a candidate, gate it, publish it, report."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from model.artifact import Artifact, save
from model.store import ModelStore
from training.datasets import Example
from training.gate import GateResult, GateSplit, compare, split
from training.recipe import TrainedModel, predict, train
from training.report import Scored, write_run_report


@dataclass(frozen=True)
class RetrainConfig:
    """How a run chooses its gate set and judges the candidate."""

    tolerance: float = 0.02
    gate_label_share: float = 0.2
    base_share: float = 0.1
    keep: int = 5
    report: bool = True
    label_weight: float = 1.0
    force: bool = False
    seed: int = 0


class Phases:
    """Time each phase of a run and print its progress with the elapsed time."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.start = time.monotonic()
        self.timings: dict[str, float] = {}

    def note(self, message: str) -> None:
        """Print a progress line stamped with the seconds since the run began."""
        self.say(f"[{time.monotonic() - self.start:6.1f}s] {message}")

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the enclosed block as phase ``name``."""
        began = time.monotonic()
        self.note(f"{name} ...")
        yield
        self.timings[name] = round(time.monotonic() - began, 3)
        self.note(f"{name} done in {self.timings[name]:.2f}s")


@dataclass
class Outcome:
    """What one run produced: the candidate, the gate's verdict and where it went."""

    version: str
    trained: TrainedModel
    split: GateSplit
    gate: GateResult
    directory: Path
    published: bool
    report: Path | None
    removed: list[str] = field(default_factory=list)


def gate_label_count(total: int, eligible: int, share: float) -> int:
    """Return how many of the newest labels the gate keeps out of training.

    ``eligible`` counts the labels the current model has not seen: a label it trained on
    would flatter it in the comparison.
    """
    return min(eligible, math.ceil(total * share))


def new_version() -> str:
    """Return a version name that sorts by creation time."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def run(
    store: ModelStore,
    base: Sequence[Example],
    labels: Sequence[Example],
    extra: Sequence[Example],
    current: Artifact | None,
    gate_labels: int,
    config: RetrainConfig,
    phases: Phases,
    manifest_extra: dict[str, Any] | None = None,
    out: Path | None = None,
) -> Outcome:
    """Train a candidate, compare it with ``current`` on the gate set, store and maybe publish.

    ``labels`` are the site labels, oldest first; the newest ``gate_labels`` of them join a
    fixed slice of ``base`` as the gate set. A refused candidate is stored with its report
    (for the operator to read) but not made current. With ``out`` the artifact is written
    there instead of the store, and nothing is published.
    """
    with phases.phase("split"):
        weighted = [replace(e, weight=config.label_weight) for e in labels]
        parts = split(base, weighted, extra, gate_labels, config.base_share)
        phases.note(
            f"{len(parts.train)} training comments; gate set {len(parts.gate)}"
            f" = {parts.gate_labels} newest labels + {parts.gate_base} base comments"
        )
    with phases.phase("fit"):
        trained = train(parts.train, seed=config.seed, progress=phases.note)
    with phases.phase("gate"):
        truth = np.array([e.label for e in parts.gate])
        candidate = Scored("candidate", predict(trained.classifier, parts.gate), trained.cutoffs)
        models = [candidate]
        if current is not None:
            models.append(
                Scored(
                    f"current {current.version}",
                    predict(current.classifier, parts.gate),
                    current.cutoffs,
                )
            )
        is_label = np.arange(len(truth)) < parts.gate_labels
        verdict = compare(
            truth,
            {"newest labels": is_label, "base slice": ~is_label},
            (candidate.scores, candidate.cutoffs),
            (models[1].scores, models[1].cutoffs) if current is not None else None,
            config.tolerance,
        )
        if not verdict.passed and config.force:
            verdict.forced = True
        for reason in verdict.reasons:
            phases.note(f"gate: {reason}")
        status = "passed" if verdict.passed else "refused"
        phases.note(f"gate: {status}" + (", publishing anyway (--force)" if verdict.forced else ""))
    publish = (verdict.passed or config.force) and out is None
    version = new_version()
    directory = out or store.path_for(version)
    with phases.phase("save"):
        manifest = save(
            trained.classifier,
            directory,
            {
                "version": version,
                "created_at": datetime.now(UTC).isoformat(),
                "cutoffs": {"ham": trained.cutoffs.ham, "spam": trained.cutoffs.spam},
                "cutoffs_by_type": {
                    kind: {"ham": c.ham, "spam": c.spam}
                    for kind, c in trained.cutoffs_by_type.items()
                },
                "training_counts": trained.counts,
                "metrics": {"validation": trained.validation, "gate": verdict.candidate},
                "retrain_config": asdict(config),
                "gate": verdict.to_dict()
                | {
                    "current_version": current.version if current else None,
                    "set": {"labels": parts.gate_labels, "base": parts.gate_base},
                },
                **(manifest_extra or {}),
            },
        )
    page = None
    if config.report:
        with phases.phase("report"):
            page = _report(directory, truth, models, verdict, parts, trained, manifest, phases)
    removed: list[str] = []
    if publish:
        with phases.phase("publish"):
            store.promote(version)
            removed = store.prune(config.keep)
            phases.note(f"published {version} as current; removed old versions {removed}")
    return Outcome(version, trained, parts, verdict, directory, publish, page, removed)


def _report(
    directory: Path,
    truth: np.ndarray,
    models: list[Scored],
    verdict: GateResult,
    parts: GateSplit,
    trained: TrainedModel,
    manifest: dict[str, Any],
    phases: Phases,
) -> Path:
    """Write the run's report next to its artifact; return the page."""
    summary = {
        "version": manifest["version"],
        "published": verdict.passed or verdict.forced,
        "gate": verdict.to_dict(),
        "gate_set": {"labels": parts.gate_labels, "base": parts.gate_base},
        "validation": trained.validation,
        "training_counts": trained.counts,
        "timings": phases.timings,
        "manifest": manifest,
    }
    page = write_run_report(directory, truth, models, summary)
    phases.note(f"report: {page}")
    return page
