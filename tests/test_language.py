"""Language, script and coverage on every verdict, and the rule that holds what is unread."""

from __future__ import annotations

import pytest

from model.artifact import Cutoffs
from model.coverage import Coverage
from model.language import UNDETERMINED, Language, identify, prose_of, scripts
from model.reading import UNREAD_COVERAGE, UNREAD_LANGUAGE, ReadingRule
from model.scorer import Scorer, Verdict
from model.store import ModelStore
from model.text import normalise


def test_russian_in_cyrillic_is_russian() -> None:
    found = identify("пишите в личку, расскажу как зарабатывать каждый день")
    assert (found.code, found.script) == ("ru", "Cyrillic")
    assert found.confidence >= 0.8


def test_text_without_letters_has_no_language() -> None:
    for text in ("👍👍👍", "12345 !!!", "https://example.com/buy @someone"):
        assert identify(text) == Language(UNDETERMINED, "Common", 0.0)


def test_serbian_croatian_and_bosnian_are_one_language() -> None:
    assert identify("Zdravo, kako si? Vidimo se sutra kod tebe u gradu.").code == "sh"
    cyrillic = identify("Здраво, како си? Видимо се сутра код тебе у граду, брате.")
    assert cyrillic.script == "Cyrillic"


def test_one_short_word_is_never_sure() -> None:
    assert identify("Спасибо").confidence < 0.5


def test_links_and_handles_are_not_prose() -> None:
    assert prose_of("see t.me/deals and www.x.ru or @bob: hi there") == "see and or hi there"


def test_scripts_count_letters_of_each_alphabet() -> None:
    # a Cyrillic "Р" and "е" inside a Latin word: the homoglyph evasion
    assert scripts("Рrivеt") == {"Cyrillic": 2, "Latin": 4}


def test_normalisation_and_lowercasing_work_on_cyrillic() -> None:
    # NFKC folds the fullwidth and compatibility forms; str.lower() lowercases Cyrillic
    assert normalise("ＰＲＩＶＥＴ Ｐривет\u200b мир").lower() == "privet pривет мир"
    assert "ПИШИ В ЛС".lower() == "пиши в лс"


def test_char_ngrams_of_cyrillic_text_are_found() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)).fit(["привет мир"])
    assert {" п", "при", "ир "} <= set(vec.vocabulary_)


def _coverage() -> Coverage:
    return Coverage(frozenset({"great", "post", "thanks"}), lambda t: t.split())


def test_coverage_is_the_share_of_distinct_known_words() -> None:
    assert _coverage().measure("great great post about cats") == (0.5, 4)
    assert _coverage().measure("") == (1.0, 0)


RU = Language("ru", "Cyrillic", 0.95)
EN = Language("en", "Latin", 0.9)


def test_a_language_without_labels_is_held_with_a_reason_naming_it() -> None:
    hold = ReadingRule(min_labels=100).hold(RU, (0.0, 6), {"en": 3000})
    assert hold is not None and hold.code == UNREAD_LANGUAGE
    assert "written in Russian; the model has 0 labelled Russian comments" in hold.message


def test_a_labelled_language_is_not_held() -> None:
    assert ReadingRule(min_labels=100).hold(RU, (0.9, 6), {"ru": 500}) is None


def test_low_coverage_is_held_even_in_a_known_language() -> None:
    hold = ReadingRule(min_coverage=0.35).hold(EN, (0.2, 5), {"en": 3000})
    assert hold is not None and hold.code == UNREAD_COVERAGE


@pytest.mark.parametrize(
    ("language", "coverage"),
    [
        (EN, (0.0, 2)),  # two names: too short to judge coverage
        (Language("de", "Latin", 0.85), (0.9, 5)),  # the detector says German, words known
        (Language("ru", "Cyrillic", 0.5), (0.5, 5)),  # the detector is not sure
    ],
)
def test_what_the_model_can_read_is_not_held(language: Language, coverage) -> None:
    assert ReadingRule().hold(language, coverage, {"en": 3000}) is None


def test_a_held_ham_is_unsure_and_held_spam_stays_spam() -> None:
    hold = ReadingRule().hold(RU, (0.0, 6), {"en": 3000})
    ham = Verdict(0.1, "ham", [], RU, 0.0, hold).settled()
    assert ham.verdict == "unsure" and ham.reasons[0] == hold
    assert Verdict(0.99, "spam", [], RU, 0.0, hold).settled().verdict == "spam"


def test_every_answer_has_language_and_coverage(client, auth) -> None:
    body = {"id": "lang-1", "content": "Great post, thank you for writing it so clearly"}
    answer = client.post("/v1/comments/check", json=body, headers=auth).get_json()
    assert answer["language"]["code"] == "en" and answer["language"]["script"] == "Latin"
    assert 0.5 < answer["coverage"] <= 1.0


def test_russian_ham_is_not_published_by_an_english_model(client, auth) -> None:
    text = "Спасибо за статью, очень интересно было читать про историю нашего города"
    answer = client.post(
        "/v1/comments/check", json={"id": "lang-2", "content": text}, headers=auth
    ).get_json()
    assert answer["verdict"] == "unsure"
    assert answer["reasons"][0]["code"] == UNREAD_LANGUAGE
    assert "written in Russian" in answer["reasons"][0]["message"]


def test_evaluate_reports_figures_per_language(data_dir) -> None:
    import json
    from pathlib import Path

    from click.testing import CliRunner

    from training.commands import evaluate

    probe = Path(__file__).parent / "fixtures" / "synthetic-multilingual-probe.jsonl"
    model = str(data_dir / "models" / "test-model")
    result = CliRunner().invoke(evaluate, ["--model", model, "--data", str(probe), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert {"ru", "es"} <= set(figures["languages"])
    russian = figures["languages"]["ru"]
    # an English model publishes no Russian: every ham held, no spam approved
    assert russian["spam_auto_approved"] == 0 and russian["ham_auto_removed"] == 0
    assert figures["metrics"]["held_rate"] > 0.5


def test_a_lone_surrogate_does_not_stop_the_detector() -> None:
    found = identify("this is plainly an english sentence about the weather \ud800 today")
    assert found.code == "en"


def test_an_unread_comment_is_removed_only_on_what_reads_in_any_script(data_dir) -> None:
    scorer = Scorer(ModelStore(data_dir / "models").load_current(), Cutoffs(ham=0.2, spam=0.5))
    # a Thai operator's bill: a phone number and a short link, which English spam shares
    bill = "บริการแจ้งเตือนค่าบริการ ทรูมูฟ เอช หมายเลข 0840758860 ยอดรวม 82.30 บาท https://bit.ly/abc"
    (verdict,) = scorer.check([bill])
    assert verdict.score >= 0.5 and verdict.verdict == "unsure"
    assert verdict.reasons[0].code == UNREAD_LANGUAGE
    assert "Thai" in verdict.reasons[0].message
    # the same signals with many more: clear spam in any script
    spam = (
        "заработок от 500$ в день без вложений!!! пиши в телеграм @money_boss24 "
        "переходи по ссылке t.me/easymoney24 🔥🔥🔥💰💰💰"
    )
    (verdict,) = scorer.check([spam])
    assert verdict.verdict == "spam", verdict


def test_the_check_api_keeps_an_unread_comment_unsure_above_the_spam_cutoff(
    client, auth, data_dir
) -> None:
    # The behaviour signals re-derive a verdict from the score only when one of them fired:
    # with none, the model's reading rule (and restraint) stand.
    cutoff = ModelStore(data_dir / "models").load_current().cutoffs.spam
    bill = "บริการแจ้งเตือนค่าบริการ ทรูมูฟ เอช หมายเลข 0840758860 ยอดรวม 82.30 บาท https://bit.ly/abc"
    body = {"id": "thai-bill", "content": bill}
    answer = client.post("/v1/comments/check", json=body, headers=auth).get_json()
    assert answer["score"] >= cutoff
    assert answer["verdict"] == "unsure", answer["reasons"]
    assert answer["reasons"][0]["code"] == UNREAD_LANGUAGE


def test_thai_vowel_signs_count_as_letters() -> None:
    # 16 characters, 5 of them vowel signs (marks, not letters to str.isalpha)
    code = "รหัสยืนยันของคุณ"
    assert scripts(code) == {"Thai": 16}
    found = identify(code + " xxx@email.com: 1367")
    assert (found.code, found.script) == ("th", "Thai") and found.confidence >= 0.8
