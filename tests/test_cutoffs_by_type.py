"""Cutoffs per comment type: chosen once a type has enough labels, used where it applies."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from model.artifact import save
from model.store import ModelStore
from service.app import configured_scorer, create_app
from training.datasets import SHIPPED, Example, read_file
from training.recipe import TYPE_MIN_EXAMPLES, train

SPAMMY = "trackback: cheap replica watches and pills at discount-meds{n}.example, best prices"
HAMMY = "pingback: a reader's blog quotes part {n} of this post on harbour history"


def _trackbacks(n: int) -> list[Example]:
    return [
        Example(
            (SPAMMY if i % 2 else HAMMY).format(n=i), i % 2, f"site:blog#{i % 5}", kind="trackback"
        )
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def comments() -> list[Example]:
    names = ("Youtube01-Psy", "Youtube03-LMFAO")
    return [e for name in names for e in read_file(SHIPPED / f"{name}.csv")]


@pytest.mark.slow
def test_a_type_gets_its_own_cutoffs_only_with_enough_labels(comments: list[Example]) -> None:
    enough = train(comments + _trackbacks(TYPE_MIN_EXAMPLES))
    assert set(enough.cutoffs_by_type) == {"trackback"}
    few = train(comments + _trackbacks(TYPE_MIN_EXAMPLES - 20))
    assert few.cutoffs_by_type == {}


@pytest.fixture
def typed_model(data_dir: Path, tmp_path: Path) -> Path:
    """Return a data directory whose model holds everything for review except trackbacks."""
    artifact = ModelStore(data_dir / "models").load_current()
    store = ModelStore(tmp_path / "models")
    save(
        artifact.classifier,
        store.path_for("typed"),
        {
            "version": "typed",
            "cutoffs": {"ham": 0.0, "spam": 1.0},
            "cutoffs_by_type": {"trackback": {"ham": 0.999999, "spam": 1.0}},
        },
    )
    store.promote("typed")
    return tmp_path


def test_each_type_is_judged_at_its_own_cutoffs(
    typed_model: Path, redis_url: str, redis_client: redis.Redis
) -> None:
    app = create_app({"REDIS_URL": redis_url, "DATA_DIR": str(typed_model)})
    auth = {"Authorization": "Bearer " + app.extensions["commentguard.api_keys"].create("s")}
    client = app.test_client()

    def verdict(n: int, **fields: str) -> str:
        body = {"id": f"t{n}", "content": "Thanks, this helped me fix my bike."} | fields
        response = client.post("/v1/comments/check", json=body, headers=auth)
        assert response.status_code == 200, response.get_json()
        return str(response.get_json()["verdict"])

    assert verdict(1) == "unsure"
    assert verdict(2, type="comment") == "unsure"
    assert verdict(3, type="trackback") == "ham"
    assert verdict(4, type="contact-form") == "unsure"


def test_configured_cutoffs_apply_to_every_type(typed_model: Path) -> None:
    artifact = ModelStore(typed_model / "models").load_current()
    cfg = {"HAM_CUTOFF": 0.0, "SPAM_CUTOFF": 1.0}
    scorer = configured_scorer(cfg, artifact, reasons=0)
    assert scorer.cutoffs_for("trackback") == scorer.cutoffs_for("comment")
    default = configured_scorer({"HAM_CUTOFF": None, "SPAM_CUTOFF": None}, artifact, reasons=0)
    assert default.cutoffs_for("trackback").ham == 0.999999
    [typed, plain] = default.check(["great post"] * 2, kinds=["trackback", None])
    assert (typed.verdict, plain.verdict) == ("ham", "unsure")
