"""Reasons a moderator can use, and restraint: repetition alone never removes a comment."""

from __future__ import annotations

from pathlib import Path

from model.artifact import Cutoffs
from model.classifier import telling
from model.restraint import RESTRAINED
from model.scorer import Scorer
from model.store import ModelStore


def test_stop_words_and_punctuation_fragments_are_no_reasons() -> None:
    assert not telling("word__is")
    assert not telling("word__of the")
    assert not telling("char__, ")
    assert not telling("char__ d")
    assert telling("word__subscribe")
    assert telling("word__check out")
    assert telling("char__subs")
    assert telling("contact__gives a phone number")


def _scorer(data_dir: Path, **cutoffs: float) -> Scorer:
    artifact = ModelStore(data_dir / "models").load_current()
    return Scorer(artifact, Cutoffs(**cutoffs) if cutoffs else None, reasons=10)


def test_no_reason_is_a_stop_word_or_a_punctuation_fragment(data_dir: Path) -> None:
    texts = [
        "I think that the point of the article is that it is a good idea, isn't it?",
        "Check out my channel and subscribe, it is the best!!!",
        "Спасибо за статью, очень интересно",
    ]
    for verdict in _scorer(data_dir).check(texts):
        for reason in verdict.reasons:
            assert reason.message not in ('uses the words "is"', 'contains the text fragment ","')
            if reason.code.endswith(("_words", "_fragment")):
                term = reason.message.split('"')[1]
                kind = "word" if reason.code.endswith("_words") else "char"
                assert telling(f"{kind}__{term}"), reason


def test_repetition_alone_does_not_remove_a_comment_without_link_contact_or_money(
    data_dir: Path,
) -> None:
    text = "ha ha ha ha ha ha!!!! no way no way no way!!!! lol lol lol!!!!"
    scorer = _scorer(data_dir)
    score = scorer.check([text])[0].score
    # at a spam cutoff just below its score, only repetition can be what put it there
    strict = _scorer(data_dir, ham=0.0, spam=score - 1e-9)
    (verdict,) = strict.check([text])
    assert verdict.verdict == "unsure"
    assert verdict.reasons[0].code == RESTRAINED


def test_repetition_with_a_link_is_still_removed(data_dir: Path) -> None:
    text = "win win win win win win!!!! go to http://bit.ly/win-win now!!!!"
    scorer = _scorer(data_dir)
    score = scorer.check([text])[0].score
    strict = _scorer(data_dir, ham=0.0, spam=score - 1e-9)
    assert strict.check([text])[0].verdict == "spam"
