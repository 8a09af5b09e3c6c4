"""Retraining from the labels stream: the service side of `commentguard train` and `simulate`.

Only CLI commands import this module (it imports training code); the request path never does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.artifact import COMMENT_TYPE, Artifact, ArtifactError
from model.store import ModelStore
from model.text import without_post_links
from service.review.labels import Label, LabelLog
from training.corpus import PARTS
from training.datasets import HAM, SPAM, Example
from training.retrain import Outcome, Phases, RetrainConfig, gate_label_count, run


class RetrainError(Exception):
    """The run cannot start: the current model cannot be read for the comparison."""


def to_examples(labels: Sequence[Label]) -> list[Example]:
    """Turn labels (oldest first) into training examples.

    A site's labels are what the model must learn, not a comment section to hold out whole:
    like a pooled corpus they are dealt into PARTS sources, so every cross-validation fold
    trains on most of them. A link to the label's own post is taken out, as in scoring, and
    the post's title is kept for relevance.
    """
    return [
        Example(
            without_post_links(lab.text, lab.post_url or None),
            SPAM if lab.label == "spam" else HAM,
            f"site:{lab.site}#{i % PARTS}",
            kind=lab.comment_type or COMMENT_TYPE,
            title=lab.post_title or None,
        )
        for i, lab in enumerate(labels)
    ]


def labels_seen(artifact: Artifact | None) -> float | None:
    """Return the time of the newest label the model's run saw, or None when it saw none."""
    if artifact is None:
        return None
    seen = artifact.manifest.get("labels", {}).get("newest_at")
    return float(seen) if seen is not None else None


@dataclass
class Plan:
    """What a run would train on, decided before any fitting."""

    labels: list[Label]
    new: int
    current: Artifact | None

    @property
    def newest_at(self) -> float | None:
        """Return the time of the newest label."""
        return max((lab.at for lab in self.labels), default=None)


def plan(store: ModelStore, label_log: LabelLog, force: bool) -> Plan:
    """Read the labels and the current model; count the labels it has not seen."""
    try:
        current = store.load_current() if store.current_version() is not None else None
    except ArtifactError as e:
        if not force:
            raise RetrainError(
                f"the current model cannot be loaded for the comparison: {e}."
                " Roll back (`commentguard models rollback`) or train with --force."
            ) from None
        current = None
    labels = sorted(label_log.latest(), key=lambda lab: lab.at)
    seen = labels_seen(current)
    new = sum(1 for lab in labels if seen is None or lab.at > seen)
    return Plan(labels, new, current)


def retrain(
    store: ModelStore,
    the_plan: Plan,
    base: Sequence[Example],
    extra: Sequence[Example],
    config: RetrainConfig,
    say: Callable[[str], None],
    base_names: Sequence[str] = (),
    out: Path | None = None,
) -> Outcome:
    """Run a training run on the planned labels and the base corpus."""
    phases = Phases(say)
    labels = the_plan.labels
    n_gate = gate_label_count(len(labels), the_plan.new, config.gate_label_share)
    phases.note(
        f"{len(labels)} labels ({the_plan.new} new since the current model),"
        f" {len(base)} base comments, {len(extra)} extra"
    )
    info: dict[str, Any] = {
        "labels": {
            "total": len(labels),
            "new": the_plan.new,
            "trained": len(labels) - n_gate,
            "gate": n_gate,
            "newest_at": the_plan.newest_at,
            "sites": dict(Counter(lab.site for lab in labels)),
        },
        "base": {"files": list(base_names), "comments": len(base)},
    }
    return run(
        store,
        base,
        to_examples(labels),
        extra,
        the_plan.current,
        n_gate,
        config,
        phases,
        info,
        out,
    )
