"""A new site replayed in-process: checks, a simulated moderator, retraining every K labels."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from commentguard.retraining import Plan, plan, retrain
from model.store import ModelStore
from service.app import create_app
from service.redis_client import embedded_url, shutdown_embedded, start_embedded
from service.review.labels import LabelLog
from training.datasets import SPAM, Example
from training.report import plot_learning_curve
from training.retrain import RetrainConfig

SITE = "simulated-site"


@dataclass
class Block:
    """The comments one model version answered, and how well."""

    model_version: str
    labels_used: int
    comments: int = 0
    unsure: int = 0
    auto_decided: int = 0
    auto_errors: int = 0
    ham_auto_removed: int = 0
    spam: int = 0
    spam_auto_approved: int = 0
    labels_collected: int = 0
    retrain: str = ""
    # What the initial model would have answered: the block without any retraining.
    baseline_unsure: int = 0
    baseline_auto_decided: int = 0
    baseline_auto_errors: int = 0

    def add(self, verdict: str, baseline: str, label: int) -> None:
        """Count one comment, answered ``verdict`` (``baseline`` without retraining)."""
        if baseline == "unsure":
            self.baseline_unsure += 1
        else:
            self.baseline_auto_decided += 1
            self.baseline_auto_errors += (baseline == "spam") != (label == SPAM)
        self.comments += 1
        self.spam += label == SPAM
        if verdict == "unsure":
            self.unsure += 1
            return
        self.auto_decided += 1
        if (verdict == "spam") != (label == SPAM):
            self.auto_errors += 1
            if verdict == "spam":
                self.ham_auto_removed += 1
            else:
                self.spam_auto_approved += 1

    def row(self) -> dict[str, Any]:
        """Return the block with its rates, as JSON-ready data."""
        return asdict(self) | {
            "unsure_rate": self.unsure / self.comments if self.comments else 0.0,
            "auto_error_rate": self.auto_errors / self.auto_decided if self.auto_decided else 0.0,
            "spam_auto_approved_rate": self.spam_auto_approved / self.spam if self.spam else 0.0,
            "baseline_unsure_rate": self.baseline_unsure / self.comments if self.comments else 0.0,
            "baseline_auto_error_rate": self.baseline_auto_errors / self.baseline_auto_decided
            if self.baseline_auto_decided
            else 0.0,
        }


def simulate(
    stream: Sequence[Example],
    base: Sequence[Example],
    every: int,
    config: RetrainConfig,
    workdir: Path,
    say: Callable[[str], None],
) -> list[dict[str, Any]]:
    """Replay ``stream`` as a new site's comments; return one row per block."""
    config = replace(config, report=False)  # dozens of runs; the learning curve is the report
    server = start_embedded(workdir / "redis")
    try:
        store = ModelStore(workdir / "models")
        say(f"initial model from {len(base)} base comments")
        retrain(store, Plan([], 0, None), base, [], config, lambda _: None)
        app = create_app(
            {
                "REDIS_URL": embedded_url(server),
                "DATA_DIR": str(workdir),
                "SECRET_KEY": "simulate",
                # The simulation installs each new model itself, between two comments.
                "RELOAD_INTERVAL": 1e9,
            }
        )
        client = app.test_client()
        headers = {
            "Authorization": "Bearer " + app.extensions["commentguard.api_keys"].create(SITE)
        }
        label_log = LabelLog(
            app.extensions["commentguard.redis"], app.extensions["commentguard.keys"]
        )
        reloader = app.extensions["commentguard.reloader"]
        initial = app.extensions["commentguard.scorer"]
        blocks = [Block(str(store.current_version()), 0)]
        collected = since_retrain = 0
        for n, example in enumerate(stream):
            comment_id = f"sim-{n}"
            response = client.post(
                "/v1/comments/check",
                json={"id": comment_id, "content": example.text}
                | ({"post": {"title": example.title}} if example.title else {}),
                headers=headers,
            )
            answer = response.get_json()
            if response.status_code != 200:
                raise RuntimeError(f"comment {n}: {response.status_code} {answer}")
            baseline = initial.check([example.text], titles=[example.title])[0].verdict
            blocks[-1].add(answer["verdict"], baseline, example.label)
            if answer["verdict"] == "unsure":
                # The simulated moderator answers every held comment with its true label.
                label = "spam" if example.label == SPAM else "ham"
                label_log.add(
                    SITE,
                    comment_id,
                    label,
                    example.text,
                    "simulate",
                    post_title=example.title or "",
                )
                collected += 1
                since_retrain += 1
            if since_retrain >= every and n + 1 < len(stream):
                since_retrain = 0
                outcome = retrain(
                    store, plan(store, label_log, force=False), base, [], config, lambda _: None
                )
                reloader.load_now()
                blocks[-1].labels_collected = collected
                blocks[-1].retrain = (
                    f"{outcome.version} published"
                    if outcome.published
                    else f"{outcome.version} refused: {'; '.join(outcome.gate.reasons)}"
                )
                say(f"after {n + 1} comments, {collected} labels: {blocks[-1].retrain}")
                current = store.load_current()
                blocks.append(Block(current.version, int(current.manifest["labels"]["trained"])))
        blocks[-1].labels_collected = collected
        return [b.row() for b in blocks]
    finally:
        shutdown_embedded(server)


def write_curve(out: Path, rows: list[dict[str, Any]]) -> Path:
    """Write learning_curve.json and learning_curve.png into ``out``; return the plot."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "learning_curve.json").write_text(json.dumps(rows, indent=2) + "\n")
    plot = out / "learning_curve.png"
    plot_learning_curve(plot, rows)
    return plot
