"""Run reports: metrics JSON, PNG plots and a Markdown page under a model's version."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and in CI

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import precision_recall_curve, roc_curve  # noqa: E402

from model.artifact import Cutoffs  # noqa: E402

REPORT_DIR = "report"
GRID = np.round(np.arange(0.01, 1.0, 0.01), 2)


@dataclass(frozen=True)
class Scored:
    """One model's scores on the gate set, at its own cutoffs."""

    name: str
    scores: np.ndarray
    cutoffs: Cutoffs


def tradeoff(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the lowest auto-decided error reachable at each unsure rate, over cutoff pairs."""
    above = scores[None, :] >= GRID[:, None]
    spam_n = labels == 1
    n = len(labels)
    rates, errors = [], []
    for h in range(len(GRID)):
        for s in range(h, len(GRID)):
            auto_spam = above[s]
            auto_ham = ~above[h]
            decided = int(np.sum(auto_spam | auto_ham))
            if decided == 0:
                continue
            wrong = int(np.sum(auto_spam & ~spam_n) + np.sum(auto_ham & spam_n))
            rates.append(1 - decided / n)
            errors.append(wrong / decided)
    order = np.argsort(rates)
    r, e = np.array(rates)[order], np.array(errors)[order]
    return r, np.minimum.accumulate(e)


def _point(labels: np.ndarray, scores: np.ndarray, cutoffs: Cutoffs) -> tuple[float, float]:
    auto_spam = scores >= cutoffs.spam
    auto_ham = scores < cutoffs.ham
    decided = int(np.sum(auto_spam | auto_ham))
    wrong = int(np.sum(auto_spam & (labels == 0)) + np.sum(auto_ham & (labels == 1)))
    return 1 - decided / len(labels), wrong / decided if decided else 0.0


def plot_curves(path: Path, labels: np.ndarray, models: Sequence[Scored]) -> None:
    """Draw ROC and precision-recall curves of each model."""
    fig, (roc, pr) = plt.subplots(1, 2, figsize=(10, 4.5))
    for m in models:
        fpr, tpr, _ = roc_curve(labels, m.scores)
        roc.plot(fpr, tpr, label=m.name)
        precision, recall, _ = precision_recall_curve(labels, m.scores)
        pr.plot(recall, precision, label=m.name)
    roc.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    roc.set(title="ROC", xlabel="false positive rate (ham called spam)", ylabel="spam recall")
    pr.set(title="Precision-recall (spam)", xlabel="recall", ylabel="precision")
    roc.legend(loc="lower right")
    pr.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_histograms(path: Path, labels: np.ndarray, models: Sequence[Scored]) -> None:
    """Draw the score histogram per class of each model, with its cutoffs marked."""
    fig, axes = plt.subplots(1, len(models), figsize=(5 * len(models), 4), squeeze=False)
    bins = np.linspace(0, 1, 41)
    for ax, m in zip(axes[0], models, strict=True):
        ax.hist(m.scores[labels == 0], bins=bins, alpha=0.6, label="ham", color="tab:green")
        ax.hist(m.scores[labels == 1], bins=bins, alpha=0.6, label="spam", color="tab:red")
        for value, name in ((m.cutoffs.ham, "ham cutoff"), (m.cutoffs.spam, "spam cutoff")):
            ax.axvline(value, color="black", linestyle="--", linewidth=1)
            ax.annotate(f"{name} {value:.2f}", (value, ax.get_ylim()[1] * 0.9), rotation=90)
        ax.set(title=m.name, xlabel="calibrated spam score", ylabel="comments")
        ax.legend(loc="upper center")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_tradeoff(path: Path, labels: np.ndarray, models: Sequence[Scored]) -> None:
    """Draw the unsure rate against the error on auto-decided comments, cutoffs marked."""
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for m in models:
        rates, errors = tradeoff(labels, m.scores)
        (line,) = ax.step(rates, errors, where="post", label=m.name)
        x, y = _point(labels, m.scores, m.cutoffs)
        ax.plot([x], [y], "o", color=line.get_color())
    ax.set(
        title="Unsure rate vs error on auto-decided (dots: chosen cutoffs)",
        xlabel="unsure rate (share sent to a moderator)",
        ylabel="error rate among auto-decided",
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write_run_report(
    directory: Path, labels: np.ndarray, models: Sequence[Scored], summary: dict[str, Any]
) -> Path:
    """Write metrics.json, the plots and index.md into ``directory/report``; return the page."""
    out = directory / REPORT_DIR
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    plot_curves(out / "roc_pr.png", labels, models)
    plot_histograms(out / "histograms.png", labels, models)
    plot_tradeoff(out / "tradeoff.png", labels, models)
    gate = summary["gate"]
    lines = [
        f"# Training run {summary['version']}",
        "",
        f"Gate: **{'passed' if gate['passed'] else 'refused'}**"
        + (" (forced)" if gate.get("forced") else "")
        + f", tolerance {gate['tolerance']}.",
        "",
        *(f"- {r}" for r in gate["reasons"]),
        "",
        f"Gate set: {summary['gate_set']['labels']} newest labels +"
        f" {summary['gate_set']['base']} comments of the fixed base slice.",
        "",
    ]
    rows = ["n", "roc_auc", "cost_per_comment", "unsure_rate", "auto_error_rate"]
    rows += ["ham_auto_removed", "spam_auto_approved", "mcc", "f1"]
    for part, cand in gate["candidate"].items():
        per_model = [cand] + ([gate["current"][part]] if gate["current"] else [])
        lines += [
            "",
            f"### {part}",
            "",
            "| figure | " + " | ".join(m.name for m in models[: len(per_model)]) + " |",
            "|---|" + "---|" * len(per_model),
        ]
        for key in rows:
            lines.append(f"| {key} | " + " | ".join(_cell(m.get(key)) for m in per_model) + " |")
    lines += [
        "",
        "Cutoffs: "
        + ", ".join(f"{m.name} ham<{m.cutoffs.ham} spam>={m.cutoffs.spam}" for m in models)
        + ".",
        "",
        "![ROC and precision-recall](roc_pr.png)",
        "",
        "![Score histograms per class](histograms.png)",
        "",
        "![Unsure rate vs auto-decided error](tradeoff.png)",
        "",
        "Figures in full: [metrics.json](metrics.json).",
        "",
    ]
    page = out / "index.md"
    page.write_text("\n".join(lines))
    return page


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "n/a" if value is None else str(value)


def plot_learning_curve(path: Path, blocks: Sequence[dict[str, Any]]) -> None:
    """Draw the simulation's learning curve: rates per block against labels used."""
    x = [b["labels_used"] for b in blocks]
    fig, (rates, counts) = plt.subplots(1, 2, figsize=(10, 4))
    rates.plot(x, [b["unsure_rate"] for b in blocks], "o-", label="unsure rate")
    rates.plot(x, [b["auto_error_rate"] for b in blocks], "s-", label="error on auto-decided")
    rates.plot(x, [b["spam_auto_approved_rate"] for b in blocks], "^-", label="spam auto-approved")
    # The goals of a new language (issue 14): unsure <= 10%, spam auto-approved <= 2%.
    rates.axhline(0.10, color="tab:blue", linestyle="--", linewidth=0.8)
    rates.axhline(0.02, color="tab:green", linestyle="--", linewidth=0.8)
    rates.plot(
        x,
        [b["baseline_unsure_rate"] for b in blocks],
        "o:",
        color="grey",
        label="unsure rate without retraining",
    )
    rates.set(title="Per block", xlabel="site labels used by the serving model", ylabel="rate")
    rates.legend()
    removed = [b["ham_auto_removed"] for b in blocks]
    counts.bar(range(len(blocks)), removed, color="tab:red")
    counts.set_ylim(0, max(1, *removed) * 1.2)
    counts.set(
        title="Ham auto-removed per block",
        xlabel="block",
        ylabel="comments",
        xticks=range(len(blocks)),
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
