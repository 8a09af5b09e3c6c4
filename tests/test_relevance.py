"""Relevance to the post's title: on topic or not, its log-odds, its reason, end to end."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from model.artifact import Artifact, Cutoffs
from model.classifier import Platt
from model.relevance import content_words, on_topic, shared_words, titled
from model.scorer import Scorer
from model.store import ModelStore
from service.app import create_app
from training.datasets import POST_TITLES, SHIPPED, read_csv, read_jsonl
from training.recipe import _calibrate

PSY = "PSY – Gangnam Style"
EMINEM = "Eminem – Love the Way You Lie"
ON_TOPIC = "gangnam style forever"


def test_a_comment_sharing_a_content_word_with_the_title_is_on_topic() -> None:
    texts = [ON_TOPIC, "who is still watching PSY in 2015?", "&lt;b&gt;ＧＡＮＧＮＡＭ&lt;/b&gt;!!"]
    assert on_topic(texts, [PSY] * 3).tolist() == [1.0, 1.0, 1.0]
    assert shared_words("Gangnam STYLE, psy", PSY) == ["gangnam", "psy", "style"]
    assert on_topic(["Tom and Jerry"], ["Tom &amp; Jerry"]).tolist() == [1.0]


def test_stop_words_and_look_alikes_are_not_on_topic() -> None:
    # "the", "you" are in the title too, but carry no content.
    assert on_topic(["you are the best, check out my channel"], [EMINEM]).tolist() == [0.0]
    # A word that contains a title word is another word.
    assert on_topic(["so stylish", "gangnamstyle"], [PSY, PSY]).tolist() == [0.0, 0.0]
    assert content_words("All of us, out there") == frozenset()


def test_without_a_title_nothing_is_on_topic() -> None:
    assert on_topic([ON_TOPIC, ON_TOPIC], [None, ""]).tolist() == [0.0, 0.0]
    assert on_topic([ON_TOPIC], None).tolist() == [0.0]
    # A title of stop words names nothing.
    assert on_topic(["all of us"], ["All of Us"]).tolist() == [0.0]
    assert titled([PSY, None, "", "All of Us"]).tolist() == [True, False, False, False]


def test_the_shipped_youtube_comments_carry_their_video_title() -> None:
    psy = list(read_csv(SHIPPED / "Youtube01-Psy.csv"))
    assert {e.title for e in psy} == {PSY}
    assert len(POST_TITLES) == 4
    news = SHIPPED / "civil-comments-ham" / "civil-comments-ham.jsonl"
    assert next(iter(read_jsonl(news, label=0))).title is None


def test_relevance_log_odds_are_neutral_without_a_title() -> None:
    platt = Platt(1.5, -0.2, on_topic=-0.9)
    decisions = np.array([-2.0, 0.0, 3.0])
    assert np.array_equal(platt(decisions), platt(decisions, np.zeros(3)))
    assert np.array_equal(platt(decisions), Platt(1.5, -0.2)(decisions))
    moved = platt(decisions, np.array([0.0, 1.0, 0.0]))
    assert moved[1] == pytest.approx(1 / (1 + np.exp(0.2 + 0.9)))
    assert (moved[0], moved[2]) == (platt(decisions)[0], platt(decisions)[2])


def test_a_model_saved_before_relevance_reads_it_as_zero() -> None:
    # A pickle of the old Platt holds a and b only.
    old = Platt.__new__(Platt)
    old.__dict__.update({"a": 1.5, "b": -0.2})
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.on_topic == 0.0
    assert loaded(np.array([0.5]), np.array([1.0]))[0] == Platt(1.5, -0.2)(np.array([0.5]))[0]


def _synthetic(on_topic_effect: float, titled_effect: float) -> tuple[np.ndarray, ...]:
    """Return decisions, labels, weights, on-topic and titled flags of a drawn sample."""
    rng = np.random.default_rng(7)
    n = 6000
    decisions = rng.normal(0.0, 2.0, n)
    has_title = np.arange(n) < n // 2
    related = (has_title & (rng.random(n) < 0.4)).astype(float)
    logit = decisions + titled_effect * has_title + on_topic_effect * related
    labels = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return decisions, labels, np.ones(n), related, has_title


def test_calibration_learns_the_on_topic_log_odds() -> None:
    platt = _calibrate(*_synthetic(on_topic_effect=-1.5, titled_effect=0.0))
    assert platt.on_topic == pytest.approx(-1.5, abs=0.3)


def test_calibration_does_not_take_the_titled_corpus_for_relevance() -> None:
    # Titled comments are spammier than their text says, whether on topic or not.
    platt = _calibrate(*_synthetic(on_topic_effect=0.0, titled_effect=1.0))
    assert abs(platt.on_topic) < 0.3


def test_calibration_without_titles_is_platt_alone() -> None:
    decisions, labels, weights, _, _ = _synthetic(0.0, 0.0)
    none = np.zeros(len(labels))
    platt = _calibrate(decisions, labels, weights, none, none.astype(bool))
    assert platt.on_topic == 0.0
    assert platt.a == pytest.approx(1.0, abs=0.15)


@pytest.fixture(scope="module")
def artifact(data_dir: Path) -> Artifact:
    return ModelStore(data_dir / "models").load_current()


def test_the_default_model_counts_an_on_topic_comment_towards_ham(artifact: Artifact) -> None:
    assert artifact.classifier.calibration.on_topic < 0
    scorer = Scorer(artifact)
    (untitled,) = scorer.check([ON_TOPIC])
    (titled_one,) = scorer.check([ON_TOPIC], titles=[PSY])
    (other_post,) = scorer.check([ON_TOPIC], titles=[EMINEM])
    assert titled_one.score < untitled.score
    assert other_post.score == untitled.score


def _cutoffs_between(artifact: Artifact) -> Cutoffs:
    """Return cutoffs that call ON_TOPIC unsure without its title and ham with it."""
    scorer = Scorer(artifact)
    (without,) = scorer.check([ON_TOPIC])
    (with_title,) = scorer.check([ON_TOPIC], titles=[PSY])
    return Cutoffs(ham=(without.score + with_title.score) / 2, spam=0.999)


def test_relevance_is_a_reason_where_it_moves_the_verdict(artifact: Artifact) -> None:
    scorer = Scorer(artifact, cutoffs=_cutoffs_between(artifact))
    (moved,) = scorer.check([ON_TOPIC], titles=[PSY])
    (untitled,) = scorer.check([ON_TOPIC])
    assert (moved.verdict, untitled.verdict) == ("ham", "unsure")
    first = moved.reasons[0]
    assert first.code == "relevance_on_topic"
    assert first.message == 'shares the words "gangnam, style" with the post title'
    assert first.weight == artifact.classifier.calibration.on_topic
    assert moved.reasons[1:] == untitled.reasons


def test_relevance_is_no_reason_where_the_verdict_stands(artifact: Artifact) -> None:
    scorer = Scorer(artifact, cutoffs=Cutoffs(ham=0.999, spam=0.9999))
    (unmoved,) = scorer.check([ON_TOPIC], titles=[PSY])
    assert unmoved.verdict == "ham"
    assert not any(r.code.startswith("relevance") for r in unmoved.reasons)


def test_the_sklearn_path_scores_relevance_as_the_fast_path(artifact: Artifact) -> None:
    fast = Scorer(artifact, cutoffs=_cutoffs_between(artifact))
    slow = Scorer(artifact, cutoffs=fast.cutoffs)
    slow.compiled = None
    texts = [ON_TOPIC, "check out my channel", "psy rocks"] * 30  # a batch, then one by one
    titles = [PSY, EMINEM, None] * 30
    for n in (len(texts), 1):
        for f, s in zip(
            fast.check(texts[:n], titles=titles[:n]),
            slow.check(texts[:n], titles=titles[:n]),
            strict=True,
        ):
            assert f.score == pytest.approx(s.score, abs=1e-9)
            assert f.verdict == s.verdict
            assert f.reasons[0].code == s.reasons[0].code


def test_check_api_scores_the_post_title(
    redis_url: str, data_dir: Path, artifact: Artifact
) -> None:
    cutoffs = _cutoffs_between(artifact)
    app = create_app(
        {
            "REDIS_URL": redis_url,
            "DATA_DIR": str(data_dir),
            "SECRET_KEY": "test",
            "HAM_CUTOFF": cutoffs.ham,
            "SPAM_CUTOFF": cutoffs.spam,
        }
    )
    client = app.test_client()
    auth = {
        "Authorization": "Bearer " + app.extensions["commentguard.api_keys"].create("b.example")
    }
    post = {"id": "p-1", "url": "https://b.example/psy", "title": PSY}
    on = client.post(
        "/v1/comments/check", json={"id": "c-1", "content": ON_TOPIC, "post": post}, headers=auth
    ).get_json()
    untitled = client.post(
        "/v1/comments/check",
        json={"id": "c-2", "content": ON_TOPIC, "post": {"id": "p-2"}},
        headers=auth,
    ).get_json()
    assert (on["verdict"], untitled["verdict"]) == ("ham", "unsure")
    assert on["reasons"][0]["code"] == "relevance_on_topic"
    assert "gangnam, style" in on["reasons"][0]["message"]
    assert not any(r["code"].startswith("relevance") for r in untitled["reasons"])
