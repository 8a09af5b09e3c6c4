"""The model lifecycle commands: train, models list|promote|rollback, recheck, simulate."""

from __future__ import annotations

import fcntl
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import redis

from commentguard.retraining import Plan, RetrainError, plan, retrain
from commentguard.simulation import simulate as run_simulation
from commentguard.simulation import write_curve
from model.artifact import ArtifactError, load
from model.store import ModelStore
from service import settings
from service.app import configured_scorer
from service.keys import Keys
from service.redis_client import connect
from service.registry import model_store
from service.review.labels import LabelLog
from service.review.queue import ReviewQueue
from service.review.recheck import Recheck, counts
from training.commands import examples_of, files_of, paths_option
from training.corpus import shipped_examples
from training.datasets import SHIPPED, Example
from training.retrain import RetrainConfig

# `commentguard train` exits with this status when the gate refused the candidate.
EXIT_REFUSED = 3


def _cfg() -> dict[str, Any]:
    try:
        return settings.load()
    except settings.SettingsError as e:
        raise click.ClickException(str(e)) from None


def _store(cfg: dict[str, Any]) -> ModelStore:
    if cfg["MODEL_REGISTRY"] == "local":
        return ModelStore(Path(cfg["DATA_DIR"]) / "models")
    client = connect(cfg["REDIS_URL"], Path(cfg["DATA_DIR"]))
    return model_store(cfg, client, Keys(cfg["REDIS_PREFIX"]))


@contextmanager
def _one_run_at_a_time(store: ModelStore) -> Iterator[None]:
    """Hold the store's training lock, or fail when another run holds it."""
    store.root.mkdir(parents=True, exist_ok=True)
    with (store.root / ".train.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise click.ClickException("another training run is in progress") from None
        yield


@contextmanager
def _redis(cfg: dict[str, Any]) -> Iterator[redis.Redis]:
    """Connect to the service's Redis for one command, and close the connection after."""
    client = connect(cfg["REDIS_URL"], Path(cfg["DATA_DIR"]))
    try:
        yield client
    finally:
        client.close()


def _config(cfg: dict[str, Any], tolerance: float | None, force: bool, seed: int) -> RetrainConfig:
    return RetrainConfig(
        tolerance=cfg["GATE_TOLERANCE"] if tolerance is None else tolerance,
        gate_label_share=cfg["GATE_LABEL_SHARE"],
        base_share=cfg["GATE_BASE_SHARE"],
        keep=cfg["KEEP_VERSIONS"],
        label_weight=cfg["LABEL_WEIGHT"],
        force=force,
        seed=seed,
    )


def _say(message: str) -> None:
    click.echo(message, err=True)


@click.command()
@paths_option(
    "--data",
    "paths",
    "Base corpus: TubeSpam CSV or JSON Lines files or directories (repeatable)."
    "  Default: the shipped corpus.",
)
@paths_option(
    "--extra",
    "extra_paths",
    "More labelled files to train on, in the formats `evaluate` reads (repeatable).",
)
@click.option(
    "--min-new-labels",
    type=int,
    default=None,
    help="Do nothing unless this many labels arrived since the current model"
    " (default: MIN_NEW_LABELS, 200).",
)
@click.option(
    "--tolerance",
    type=float,
    default=None,
    help="How much worse the candidate may be on the gate set (default: GATE_TOLERANCE).",
)
@click.option("--force", is_flag=True, help="Publish even when the gate refuses the candidate.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Write the artifact and its report to this directory instead of publishing it.",
)
@click.option("--if-missing", is_flag=True, help="Do nothing when a model is already published.")
@click.option("--seed", default=0, show_default=True, help="Random seed of the folds.")
def train(
    paths: tuple[Path, ...],
    extra_paths: tuple[Path, ...],
    min_new_labels: int | None,
    tolerance: float | None,
    force: bool,
    out: Path | None,
    if_missing: bool,
    seed: int,
) -> None:
    """Train on the base corpus plus every label; publish the model if the gate passes it.

    Exits 0 when it published or had nothing to do, 3 when the gate refused the candidate.
    """
    cfg = _cfg()
    store = _store(cfg)
    if if_missing and out is None and store.current_version() is not None:
        _say(f"model {store.current_version()} is published; not training")
        return
    with _one_run_at_a_time(store):
        the_plan = _plan_to_run(cfg, store, min_new_labels, force, out)
        if the_plan is None:
            return
        base_files = files_of(list(paths) or [SHIPPED])
        base = examples_of(list(paths)) if paths else shipped_examples()
        extra = examples_of(extra_paths) if extra_paths else []
        outcome = retrain(
            store,
            the_plan,
            base,
            extra,
            _config(cfg, tolerance, force, seed),
            _say,
            [f.name for f in base_files],
            out,
        )
    click.echo(outcome.directory)
    if out is None and not outcome.published:
        _say(f"not published: the gate refused {outcome.version}; see {outcome.report}")
        sys.exit(EXIT_REFUSED)


def _plan_to_run(
    cfg: dict[str, Any],
    store: ModelStore,
    min_new_labels: int | None,
    force: bool,
    out: Path | None,
) -> Plan | None:
    """Plan a run from the labels; None (and say why) when too few new labels arrived."""
    with _redis(cfg) as client:
        try:
            the_plan = plan(store, LabelLog(client, Keys(cfg["REDIS_PREFIX"])), force)
        except RetrainError as e:
            raise click.ClickException(str(e)) from None
    needed = cfg["MIN_NEW_LABELS"] if min_new_labels is None else min_new_labels
    if out is None and the_plan.current is not None and the_plan.new < needed:
        _say(
            f"{the_plan.new} new labels since model {the_plan.current.version}"
            f" (needs {needed}); not training"
        )
        return None
    return the_plan


@click.group()
def models() -> None:
    """List, promote and roll back model versions."""


def _gate_state(manifest: dict[str, Any]) -> str:
    gate = manifest.get("gate")
    if not gate:
        return "-"
    return "forced" if gate.get("forced") else "passed" if gate.get("passed") else "refused"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


@models.command("list")
def models_list() -> None:
    """List stored versions, oldest first; `*` marks the current one."""
    store = _store(_cfg())
    current = store.current_version()
    click.echo(
        f"  {'version':<24} {'created':<20} {'gate':<8} {'AUC labels':>10} {'AUC base':>8} labels"
    )
    for version, manifest in store.versions():
        gate = manifest.get("metrics", {}).get("gate") or {}
        aucs = [(gate.get(p) or {}).get("roc_auc") for p in ("newest labels", "base slice")]
        click.echo(
            f"{'*' if version == current else ' '} {version:<24}"
            f" {str(manifest.get('created_at', ''))[:19]:<20} {_gate_state(manifest):<8}"
            f" {_number(aucs[0]):>10} {_number(aucs[1]):>8}"
            f" {manifest.get('labels', {}).get('trained', '-')}"
        )


@models.command("promote")
@click.argument("version")
def models_promote(version: str) -> None:
    """Make VERSION current (after checking its artifact loads)."""
    store = _store(_cfg())
    try:
        load(store.path_for(version))
        store.promote(version)
    except ArtifactError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"current is now {version}")


@models.command("rollback")
def models_rollback() -> None:
    """Make the previously current version current again."""
    try:
        version = _store(_cfg()).rollback()
    except ArtifactError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"current is now {version}")


@click.command()
@click.option("--apply", is_flag=True, help="Resolve the items now clearly ham or spam.")
def recheck(apply: bool) -> None:
    """Re-score every pending review item with the current model (a dry run by default)."""
    cfg = _cfg()
    try:
        artifact = _store(cfg).load_current()
    except ArtifactError as e:
        raise click.ClickException(str(e)) from None
    scorer = configured_scorer(cfg, artifact, reasons=0)
    with _redis(cfg) as client:
        checker = Recheck(ReviewQueue.from_settings(client, Keys(cfg["REDIS_PREFIX"]), cfg))
        rescored = checker.rescore(scorer)
        c = counts(rescored)
        click.echo(
            f"model {artifact.version}: {c['pending']} pending, now ham {c['ham']},"
            f" spam {c['spam']}, still unsure {c['unsure']}"
        )
        if apply:
            resolved = checker.apply(rescored, artifact.version)
            click.echo(f"resolved {resolved} items (audit: moderator model:{artifact.version})")
        elif c["ham"] + c["spam"]:
            click.echo("dry run: nothing changed; run with --apply to resolve them")


def base_without(site_files: list[Path]) -> list[Example]:
    """Return the default training mix without the shipped files given as the new site."""
    given = {f.name for f in site_files} | {f.parent.name for f in site_files}
    return [e for e in shipped_examples() if e.source.split("#")[0] not in given]


@click.command()
@paths_option(
    "--data",
    "paths",
    "The new site's labelled comments, replayed in file order (repeatable).",
    required=True,
)
@paths_option(
    "--base",
    "base_paths",
    "Corpus of the initial model (default: the default training mix, without the files"
    " given as --data).",
)
@click.option("--every", default=50, show_default=True, help="Retrain after this many labels.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("var/simulate"),
    show_default=True,
    help="Where to write learning_curve.json and learning_curve.png.",
)
def simulate(paths: tuple[Path, ...], base_paths: tuple[Path, ...], every: int, out: Path) -> None:
    """Replay labelled comments as a new site and print the learning curve per block."""
    cfg = _cfg()
    stream = examples_of(paths)
    base = examples_of(base_paths) if base_paths else base_without(files_of(paths))
    with tempfile.TemporaryDirectory(prefix="commentguard-simulate-") as tmp:
        rows = run_simulation(stream, base, every, _config(cfg, None, False, 0), Path(tmp), _say)
    header = f"{'block':>5} {'labels used':>11} {'comments':>8} {'unsure':>7} {'auto err':>8}"
    click.echo(
        header + f" {'ham removed':>11} {'spam approved':>13} {'labels so far':>13}"
        f" {'unsure w/o retrain':>18} {'auto err w/o retrain':>20}"
    )
    for n, row in enumerate(rows):
        click.echo(
            f"{n:>5} {row['labels_used']:>11} {row['comments']:>8} {row['unsure_rate']:>7.1%}"
            f" {row['auto_error_rate']:>8.1%} {row['ham_auto_removed']:>11}"
            f" {row['spam_auto_approved_rate']:>13.1%} {row['labels_collected']:>13}"
            f" {row['baseline_unsure_rate']:>18.1%}"
            f" {row['baseline_auto_error_rate']:>20.1%}"
        )
    click.echo(f"plot: {write_curve(out, rows)}")
