"""The training side of the ``commentguard`` command: evaluate and score."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import click
import numpy as np
from sklearn.pipeline import Pipeline

from model import reading
from model.artifact import Artifact, ArtifactError, load
from model.features import BLOCKS, build_pipeline, normalise_all
from model.language import identify
from model.scorer import Scorer
from model.store import ModelStore
from training.datasets import DatasetError, Example, data_files, read_file
from training.metrics import evaluate as evaluate_scores
from training.probes import run_probes, verdicts
from training.recipe import predict
from training.recipe import train as train_model

PRINTED = (
    "n",
    "roc_auc",
    "mcc",
    "f1",
    "precision",
    "recall",
    "unsure_rate",
    "auto_error_rate",
    "ham_auto_removed",
    "spam_auto_approved",
)


def data_dir() -> Path:
    """Return the data directory (COMMENTGUARD_DATA_DIR, default ./var)."""
    return Path(os.environ.get("COMMENTGUARD_DATA_DIR", "var"))


def _store() -> ModelStore:
    return ModelStore(data_dir() / "models")


def _progress(start: float):
    def say(message: str) -> None:
        click.echo(f"[{time.monotonic() - start:6.1f}s] {message}", err=True)

    return say


def files_of(paths: Sequence[Path]) -> list[Path]:
    """Return the data files of files and directories, or fail the command saying why."""
    try:
        return data_files(paths)
    except DatasetError as e:
        raise click.ClickException(str(e)) from None


def examples_of(paths: Sequence[Path]) -> list[Example]:
    """Return the labelled comments of files and directories, or fail the command saying why."""
    try:
        return [e for f in files_of(paths) for e in read_file(f)]
    except DatasetError as e:
        raise click.ClickException(str(e)) from None


def _load_model(spec: str) -> Artifact:
    try:
        return _store().load_current() if spec == "current" else load(Path(spec))
    except ArtifactError as e:
        raise click.ClickException(str(e)) from None


def _format(metrics: dict[str, Any]) -> str:
    parts = []
    for key in PRINTED:
        value = metrics.get(key)
        parts.append(f"{key}={value:.4f}" if isinstance(value, float) else f"{key}={value}")
    return "  ".join(parts)


def _print_probes(results: dict[str, dict[str, Any]], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(results, indent=2))
        return
    for name, checks in verdicts(results).items():
        figures = "  ".join(
            f"{t.figure}={int(v) if t.figure.endswith('removed') else f'{v:.4f}'}"
            f" ({'met' if ok else 'NOT met'}: {t})"
            for t, v, ok in checks
        )
        click.echo(f"{name}: n={results[name]['n']}  {figures}")


def _lovo(paths: tuple[Path, ...], build: Callable[[], Pipeline]) -> dict[str, Any]:
    """Train on all files but one and test on that one, for each file."""
    files = data_files(paths)
    if len(files) < 2:
        raise click.ClickException("--protocol lovo needs at least two data files")
    per_file: dict[str, dict[str, Any]] = {}
    say = _progress(time.monotonic())
    for held in files:
        trained = train_model([e for f in files if f != held for e in read_file(f)], build=build)
        test = read_file(held)
        scores = predict(trained.classifier, test)
        per_file[held.name] = evaluate_scores(
            np.array([e.label for e in test]), scores, trained.cutoffs
        )
        say(f"{held.name}: {_format(per_file[held.name])}")
    mean = {
        key: float(np.mean([m[key] for m in per_file.values()]))
        for key in PRINTED
        if all(isinstance(m[key], int | float) for m in per_file.values())
    }
    mean["n"] = sum(m["n"] for m in per_file.values())
    mean["ham_auto_removed"] = sum(m["ham_auto_removed"] for m in per_file.values())
    mean["spam_auto_approved"] = sum(m["spam_auto_approved"] for m in per_file.values())
    return {"protocol": "lovo", "files": per_file, "mean": mean}


def paths_option(flag: str, dest: str, help: str, required: bool = False) -> Any:
    """Return a repeatable option of files or directories, collected into ``dest``."""
    return click.option(
        flag, dest, multiple=True, required=required, type=click.Path(path_type=Path), help=help
    )


model_option = click.option(
    "--model",
    "model_spec",
    default="current",
    show_default=True,
    help="Artifact directory, or `current`.",
)


@click.command()
@model_option
@paths_option(
    "--data",
    "paths",
    "Labelled data files or directories (repeatable; not used by probes).",
)
@click.option(
    "--protocol",
    type=click.Choice(["holdout", "lovo", "probes"]),
    default="holdout",
    show_default=True,
    help="holdout: score the data with the model. lovo: leave one file out, train on the rest."
    "  probes: train the default mix without each probe's data and score that data.",
)
@click.option(
    "--blocks",
    default=",".join(BLOCKS),
    show_default=True,
    help="Feature blocks of the models that lovo and probes train (for ablations).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate(
    model_spec: str, paths: tuple[Path, ...], protocol: str, blocks: str, as_json: bool
) -> None:
    """Print quality figures of a model on labelled data.

    mcc, f1, precision and recall call spam at a score of 0.5; unsure_rate,
    auto_error_rate, ham_auto_removed and spam_auto_approved (counts) use the model's
    own cutoffs. The probes print each target of docs/model.md and whether it is met.
    """
    chosen = tuple(b.strip() for b in blocks.split(",") if b.strip())
    if not chosen or set(chosen) - set(BLOCKS):
        raise click.BadParameter(f"choose from {','.join(BLOCKS)}", param_hint="--blocks")
    build = partial(build_pipeline, chosen)
    if protocol == "probes":
        _print_probes(run_probes(build, _progress(time.monotonic())), as_json)
        return
    if not paths:
        raise click.BadParameter("give the labelled data", param_hint="--data")
    if protocol == "lovo":
        result = _lovo(paths, build)
    else:
        result = _holdout(_load_model(model_spec), examples_of(paths))
    if as_json:
        click.echo(json.dumps(result, indent=2))
    elif protocol == "lovo":
        for name, m in result["files"].items():
            click.echo(f"{name}: {_format(m)}")
        click.echo(f"mean: {_format(result['mean'])}")
    else:
        click.echo(f"model {result['model_version']}: {_format(result['metrics'])}")


def _holdout(artifact: Artifact, test: list[Example]) -> dict[str, Any]:
    """Return a model's figures on labelled data, overall and per language.

    The three-way figures hold what the model cannot read (model/reading.py), as the
    service does.
    """
    scores = predict(artifact.classifier, test)
    labels = np.array([e.label for e in test])
    texts = [e.text for e in test]
    labelled = artifact.manifest.get("training_counts", {}).get("languages")
    held, clear = reading.held(artifact.classifier, labelled, texts)
    codes = np.array([identify(t).code for t in normalise_all(texts)])
    per_language = {
        str(code): evaluate_scores(
            labels[codes == code],
            scores[codes == code],
            artifact.cutoffs,
            held[codes == code],
            clear[codes == code],
        )
        | {"training_comments": int((labelled or {}).get(str(code), 0))}
        for code in sorted(set(codes.tolist()))
    }
    return {
        "protocol": "holdout",
        "model_version": artifact.version,
        "metrics": evaluate_scores(labels, scores, artifact.cutoffs, held, clear)
        | {"held_rate": float(np.mean(held)) if len(held) else 0.0},
        "languages": per_language,
    }


@click.command()
@model_option
def score(model_spec: str) -> None:
    """Read JSON Lines comments on stdin; write verdicts with their language and coverage.

    Each line: {"id", "content" or "text"}, optionally "type" and "post": {"url", "title"},
    as the check API takes them (a link to the post is not scored; a type may have its own
    cutoffs; a comment sharing a content word with the post's title is on topic).
    """
    scorer = Scorer(_load_model(model_spec))
    for n, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = row.get("content", row.get("text"))
        except (ValueError, AttributeError):
            raise click.ClickException(f"line {n}: not a JSON object") from None
        if not isinstance(text, str):
            raise click.ClickException(f"line {n}: needs a string `content` or `text`")
        post = row.get("post") if isinstance(row.get("post"), dict) else {}
        kind = row.get("type") if isinstance(row.get("type"), str) else None
        v = scorer.check([text], [post.get("url")], [kind], [post.get("title")])[0]
        out = {
            "id": row.get("id"),
            "verdict": v.verdict,
            "score": round(v.score, 6),
            "reasons": [r.to_dict() for r in v.reasons],
            **v.fields(),
            "model_version": scorer.version,
        }
        click.echo(json.dumps(out))
