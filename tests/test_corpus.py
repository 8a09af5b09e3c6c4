"""The default training mix and the probes' held-out parts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.artifact import COMMENT_TYPE
from training.corpus import CORPORA, corpus, shipped_examples, youtube_examples
from training.datasets import HAM, SPAM, DatasetError, read_jsonl, read_sms
from training.probes import NEWS_HELD, TARGETS, Target, split_off, verdicts


def test_every_shipped_corpus_keeps_its_readme_and_licence() -> None:
    for c in CORPORA:
        folder = Path(__file__).parents[1] / "training" / "data" / c.name
        assert (folder / "README.md").is_file()
        assert (folder / "LICENSE").is_file()


def test_shipped_mix_holds_every_corpus_weighted_and_sampled() -> None:
    examples = shipped_examples()
    youtube = youtube_examples()
    assert len(youtube) == 1586
    assert all(e.weight == 1.0 for e in youtube)
    for c in CORPORA:
        part = [e for e in examples if e.source.startswith(f"{c.name}#")]
        assert len(part) == c.limit
        assert {e.weight for e in part} <= {c.weight}
    labels = {e.source.split("#")[0]: set() for e in examples}
    for e in examples:
        labels[e.source.split("#")[0]].add(e.label)
    assert labels["civil-comments-ham"] == {HAM}
    assert labels["stackexchange-spam"] == {SPAM}
    assert "sms-spam-collection" not in labels
    assert {e.label for e in corpus("sms-spam-collection").examples()} == {HAM, SPAM}
    assert "thai-sms" not in labels
    thai = corpus("thai-sms").examples()
    assert (sum(e.label == SPAM for e in thai), sum(e.label == HAM for e in thai)) == (1436, 2020)


def test_sample_is_the_same_on_every_run() -> None:
    c = corpus("civil-comments-ham")
    assert c.sample(c.examples()) == c.sample(c.examples())


def test_split_off_is_fixed_and_disjoint() -> None:
    news = corpus("civil-comments-ham").examples()
    kept, held = split_off(news, NEWS_HELD)
    assert len(held) == NEWS_HELD
    assert len(kept) + len(held) == len(news)
    assert not {e.text for e in kept} & {e.text for e in held}
    assert split_off(news, NEWS_HELD)[1] == held


def test_read_sms_keeps_quotes_literal(tmp_path: Path) -> None:
    path = tmp_path / "sms"
    path.write_text('ham\t"Sorry, I\'ll call later\nspam\tWIN a "prize" now\n', encoding="utf-8")
    examples = list(read_sms(path))
    assert [(e.label, e.text) for e in examples] == [
        (HAM, "\"Sorry, I'll call later"),
        (SPAM, 'WIN a "prize" now'),
    ]


def test_read_sms_refuses_a_line_without_a_tab(tmp_path: Path) -> None:
    path = tmp_path / "sms"
    path.write_text("ham no tab here\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="label<TAB>text"):
        list(read_sms(path))


def test_read_jsonl_takes_the_class_of_a_one_class_corpus(tmp_path: Path) -> None:
    path = tmp_path / "spam.jsonl"
    path.write_text('{"text": "buy pills"}\n', encoding="utf-8")
    assert [e.label for e in read_jsonl(path, label=SPAM)] == [SPAM]
    with pytest.raises(DatasetError, match="label"):
        list(read_jsonl(path))


def test_read_jsonl_takes_type_post_url_and_title_as_the_check_api_does(tmp_path: Path) -> None:
    path = tmp_path / "site.jsonl"
    rows = [
        {
            "content": "nice, see https://blog.example/p/7 and http://pills.example",
            "label": "ham",
            "type": "trackback",
            "post": {"url": "https://blog.example/p/7", "title": "Harbour zoning"},
        },
        {"text": "plain", "label": 1, "post": "not an object", "type": 3},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    titled, plain = read_jsonl(path)
    assert "blog.example" not in titled.text and "pills.example" in titled.text
    assert (titled.kind, titled.title) == ("trackback", "Harbour zoning")
    assert (plain.text, plain.kind, plain.title) == ("plain", COMMENT_TYPE, None)


def test_targets_are_checked_in_the_right_direction() -> None:
    assert Target("mcc", ">=", 0.92).met(0.93)
    assert not Target("mcc", ">=", 0.92).met(0.91)
    assert Target("unsure_rate", "<=", 0.12).met(0.12)
    results = {
        "sms-ham": {"ham_auto_removed": 1},
        "se-spam": {"spam_auto_approved_rate": 0.05},
    }
    checked = verdicts(results)
    assert set(checked) == {"sms-ham", "se-spam"}
    assert checked["sms-ham"][0][2] is False
    assert checked["se-spam"][0][2] is True
    assert set(TARGETS) == {
        "lovo",
        "news-ham",
        "sms-spam",
        "sms-ham",
        "se-spam",
        "thai-unlabelled",
        "thai-labelled",
    }
