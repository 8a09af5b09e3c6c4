"""The `commentguard` command, run in-process with click's runner."""

from __future__ import annotations

import json
from unittest.mock import ANY

import pytest
from click.testing import CliRunner

from commentguard.cli import main
from model.artifact import load
from service.api.auth import ApiKeys
from service.keys import Keys
from training.corpus import shipped_examples
from training.datasets import SHIPPED


@pytest.fixture
def run(monkeypatch, tmp_path):
    monkeypatch.setenv("COMMENTGUARD_DATA_DIR", str(tmp_path / "var"))

    def invoke(*args, input=None, code=0):
        result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return invoke


def test_help_lists_every_command(run):
    output = run("--help").output
    for command in ("serve", "keys", "train", "evaluate", "score"):
        assert command in output


@pytest.mark.slow
def test_train_publishes_then_if_missing_skips(run, tmp_path):
    first = run("train").output
    assert "published" in first
    store = tmp_path / "var" / "models"
    version = (store / "current").readlink().name
    manifest = load(store / version).manifest
    # every shipped comment is read; a fixed slice is kept out of training for the gate
    shipped = len(shipped_examples())
    assert manifest["base"]["comments"] == shipped
    assert manifest["gate"]["set"]["base"] + manifest["training_counts"]["examples"] == shipped
    assert "not training" in run("train", "--if-missing").output
    assert (store / "current").readlink().name == version


def test_train_out_writes_an_artifact_without_publishing(run, tmp_path):
    run("train", "--out", str(tmp_path / "out"), "--data", str(SHIPPED / "Youtube01-Psy.csv"))
    assert load(tmp_path / "out").manifest["base"]["comments"] == 350
    assert not (tmp_path / "var" / "models" / "current").exists()


def test_evaluate_holdout_prints_every_figure_as_json(run, data_dir):
    model = str(data_dir / "models" / "test-model")
    data = str(SHIPPED / "Youtube02-KatyPerry.csv")
    result = json.loads(run("evaluate", "--model", model, "--data", data, "--json").stdout)
    metrics = result["metrics"]
    for key in (
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
    ):
        assert key in metrics
    assert metrics["n"] == 350
    assert metrics["roc_auc"] > 0.95  # seen in training: a sanity check, not a quality claim


@pytest.mark.slow
def test_evaluate_lovo_meets_the_baseline(run):
    result = json.loads(
        run("evaluate", "--protocol", "lovo", "--data", str(SHIPPED), "--json").stdout
    )
    assert set(result["files"]) == {
        "Youtube01-Psy.csv",
        "Youtube02-KatyPerry.csv",
        "Youtube03-LMFAO.csv",
        "Youtube04-Eminem.csv",
    }
    assert result["mean"]["mcc"] >= 0.88
    assert result["mean"]["ham_auto_removed"] == 0


def test_evaluate_explains_bad_input(run, tmp_path, data_dir):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": "maybe"}\n')
    model = str(data_dir / "models" / "test-model")
    output = run("evaluate", "--model", model, "--data", str(bad), code=1).output
    assert "spam/ham" in output
    assert "no model published" in run("evaluate", "--data", str(SHIPPED), code=1).output


def test_score_reads_and_writes_json_lines(run, data_dir):
    lines = (
        '{"id": 1, "content": "subscribe to my channel"}\n\n{"id": 2, "text": "lovely song"}\n'
        '{"id": 3, "text": "Министерот изјави дека реформите ќе започнат следната година"}\n'
    )
    out = run("score", "--model", str(data_dir / "models" / "test-model"), input=lines).stdout
    verdicts = [json.loads(line) for line in out.splitlines()]
    assert [v["id"] for v in verdicts] == [1, 2, 3]
    assert verdicts[0]["verdict"] == "spam"
    assert verdicts[1]["verdict"] == "ham"
    assert verdicts[0]["reasons"]
    # The language and coverage of every verdict, as the check API answers them.
    assert verdicts[0]["language"]["code"] == "en"
    assert 0 < verdicts[0]["coverage"] <= 1
    assert verdicts[2]["language"] == {"code": "mk", "script": "Cyrillic", "confidence": ANY}
    assert verdicts[2]["coverage"] == 0
    assert verdicts[2]["verdict"] == "unsure"
    assert verdicts[2]["reasons"][0]["code"] == "unread_language"


def test_score_leaves_a_link_to_the_post_unscored(run, data_dir):
    text = "PSY - GANGNAM STYLE M/V: http://youtu.be/9bZkp7q19f0"
    post = {"url": "https://www.youtube.com/watch?v=9bZkp7q19f0"}
    lines = [
        {"id": "linked", "content": text, "post": post, "type": "comment"},
        {"id": "bare", "content": "PSY - GANGNAM STYLE M/V:"},
        {"id": "elsewhere", "content": text},
    ]
    stdin = "".join(json.dumps(line) + "\n" for line in lines)
    out = run("score", "--model", str(data_dir / "models" / "test-model"), input=stdin).stdout
    scores = {v["id"]: v["score"] for v in map(json.loads, out.splitlines())}
    assert scores["linked"] == scores["bare"] != scores["elsewhere"]


def test_score_names_a_bad_line(run, data_dir):
    model = str(data_dir / "models" / "test-model")
    assert "line 1" in run("score", "--model", model, input="[1]\n", code=1).output


def test_keys_create_prints_a_working_key(run, monkeypatch, redis_url, redis_client):
    monkeypatch.setenv("COMMENTGUARD_REDIS_URL", redis_url)
    key = run("keys", "create", "--site", "blog.example.com").output.strip()
    assert ApiKeys(redis_client, Keys()).site_for(key) == "blog.example.com"


def test_keys_revoke_refuses_the_key_and_names_an_unknown_one(
    run, monkeypatch, redis_url, redis_client
):
    monkeypatch.setenv("COMMENTGUARD_REDIS_URL", redis_url)
    key = run("keys", "create", "--site", "blog.example.com").output.strip()
    assert run("keys", "revoke", key).output.strip() == "revoked"
    assert ApiKeys(redis_client, Keys()).site_for(key) is None
    assert "no such API key" in run("keys", "revoke", key, code=1).output
