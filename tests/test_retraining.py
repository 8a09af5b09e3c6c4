"""`commentguard train` from labels, the gate, the report, and `commentguard models`."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner, Result

from commentguard.cli import main
from commentguard.lifecycle import EXIT_REFUSED
from model.store import ModelStore
from service.keys import Keys
from service.review.labels import LabelLog
from training.datasets import SHIPPED, read_file

pytestmark = pytest.mark.slow


def _run(args: list[str], redis_url: str, data_dir: Path) -> Result:
    env = {
        "COMMENTGUARD_REDIS_URL": redis_url,
        "COMMENTGUARD_DATA_DIR": str(data_dir),
        # A larger fixed slice of the small base corpus makes its half of the gate steadier.
        "COMMENTGUARD_GATE_BASE_SHARE": "0.3",
    }
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def _add_labels(client: redis.Redis, n: int, flip: bool) -> None:
    """Label the first ``n`` Eminem comments for site `blog`, with the wrong label if ``flip``."""
    log = LabelLog(client, Keys())
    for i, e in enumerate(read_file(SHIPPED / "Youtube04-Eminem.csv")[:n]):
        log.add("blog", f"c{i}", "spam" if bool(e.label) != flip else "ham", e.text, "test")


def test_train_publishes_gates_reports_and_rolls_back(
    redis_client: redis.Redis, redis_url: str, small_corpus: Path, tmp_path: Path
) -> None:
    base = ["--data", str(small_corpus)]
    first = _run(["train", *base], redis_url, tmp_path)
    assert first.exit_code == 0, first.output
    assert "fit done in" in first.output and "gate: no current model" in first.output
    store = ModelStore(tmp_path / "models")
    v1 = store.current_version()
    assert v1 is not None
    report = store.path_for(v1) / "report"
    assert {p.name for p in report.iterdir()} == {
        "index.md",
        "metrics.json",
        "roc_pr.png",
        "histograms.png",
        "tradeoff.png",
    }
    assert json.loads((report / "metrics.json").read_text())["version"] == v1

    _add_labels(redis_client, 20, flip=True)
    few = _run(["train", *base], redis_url, tmp_path)
    assert few.exit_code == 0 and "20 new labels since model" in few.output
    assert "(needs 200); not training" in few.output

    _add_labels(redis_client, 150, flip=True)
    refused = _run(["train", *base, "--min-new-labels", "100"], redis_url, tmp_path)
    assert refused.exit_code == EXIT_REFUSED, refused.output
    assert "gate: base slice: " in refused.output and "gate: refused" in refused.output
    assert store.current_version() == v1
    listing = _run(["models", "list"], redis_url, tmp_path).output
    assert f"* {v1}" in listing and "refused" in listing

    forced = _run(["train", *base, "--min-new-labels", "0", "--force"], redis_url, tmp_path)
    assert forced.exit_code == 0 and "publishing anyway (--force)" in forced.output
    v3 = store.current_version()
    manifest = json.loads((store.path_for(str(v3)) / "manifest.json").read_text())
    assert manifest["gate"]["forced"] and manifest["labels"]["total"] == 150

    back = _run(["models", "rollback"], redis_url, tmp_path)
    assert back.output.strip() == f"current is now {v1}"
    again = _run(["models", "promote", str(v3)], redis_url, tmp_path)
    assert again.exit_code == 0 and store.current_version() == v3


def test_promote_refuses_a_tampered_version(redis_url: str, data_dir: Path, tmp_path: Path) -> None:
    with (data_dir / "models" / "test-model" / "model.joblib").open("rb") as f:
        original = f.read()
    target = tmp_path
    (target / "models" / "bad").mkdir(parents=True)
    (target / "models" / "bad" / "model.joblib").write_bytes(original + b"\0")
    manifest = (data_dir / "models" / "test-model" / "manifest.json").read_text()
    (target / "models" / "bad" / "manifest.json").write_text(manifest)
    result = _run(["models", "promote", "bad"], redis_url, target)
    assert result.exit_code == 1 and "sha256" in result.output
    assert ModelStore(target / "models").current_version() is None


def test_a_second_training_run_fails_while_one_holds_the_lock(
    redis_url: str, tmp_path: Path
) -> None:
    (tmp_path / "models").mkdir()
    with (tmp_path / "models" / ".train.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = _run(["train"], redis_url, tmp_path)
    assert result.exit_code == 1 and "another training run is in progress" in result.output
