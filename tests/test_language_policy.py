"""A site's language policy: comments outside its languages go to review or are rejected."""

from __future__ import annotations

import pytest

from model.language import Language
from model.scorer import Verdict
from service.api.languages import OUTSIDE_LANGUAGE, REJECT, LanguagePolicy

RUSSIAN = "Спасибо за статью, очень интересно было читать про историю нашего города"
ENGLISH = "Thank you for the article, it was very interesting to read about our city"


def _check(client, auth, cid: str, text: str) -> dict:
    body = {"id": cid, "site": "blog.example.com", "content": text}
    return client.post("/v1/comments/check", json=body, headers=auth).get_json()


def test_a_comment_outside_the_sites_languages_goes_to_review(app, client, auth) -> None:
    app.extensions["commentguard.languages"].set("blog.example.com", ["en", "mk"])
    answer = _check(client, auth, "p-1", RUSSIAN)
    assert answer["verdict"] == "unsure"
    assert answer["reasons"][0]["code"] == OUTSIDE_LANGUAGE
    assert answer["reasons"][0]["message"] == (
        "written in Russian; this site expects English, Macedonian"
    )
    assert _check(client, auth, "p-2", ENGLISH)["verdict"] == "ham"


def test_a_site_may_reject_comments_outside_its_languages(app, client, auth) -> None:
    app.extensions["commentguard.languages"].set("blog.example.com", ["en"], REJECT)
    assert _check(client, auth, "p-3", RUSSIAN)["verdict"] == "spam"


def test_without_a_policy_every_language_is_welcome(app, client, auth) -> None:
    policies = app.extensions["commentguard.languages"]
    policies.set("blog.example.com", ["en"])
    assert policies.clear("blog.example.com")
    assert policies.get("blog.example.com") is None
    answer = _check(client, auth, "p-4", RUSSIAN)
    assert all(r["code"] != OUTSIDE_LANGUAGE for r in answer["reasons"])


def test_an_unsure_language_is_not_judged_by_the_policy() -> None:
    policy = LanguagePolicy(frozenset({"en"}), REJECT)
    verdict = Verdict(0.1, "ham", [], Language("de", "Latin", 0.4), 0.9)
    assert policy.apply(verdict, 0.8) == verdict


def test_a_policy_names_languages(app) -> None:
    with pytest.raises(ValueError, match="at least one language"):
        app.extensions["commentguard.languages"].set("blog.example.com", [" "])
