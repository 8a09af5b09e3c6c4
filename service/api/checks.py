"""Checking comments: score the new ones, store each once, and return the answers that stand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app

from model.scorer import Verdict
from service.api.validation import Comment
from service.errors import APIError

RULES_VERSION = "rules"
"""The ``model_version`` of an answer a rule gave without asking the model."""


def check_comments(
    site: str,
    comments: Sequence[Comment],
    ruled: Sequence[Verdict | None] | None = None,
    save: bool = True,
) -> list[dict[str, Any]]:
    """Answer each comment: its stored answer, a rule's verdict, or the model's.

    When saving, a retried comment is scored again rather than looked up first: that costs
    less than a Redis round trip, and the save-once script answers with the stored answer.
    The model's verdicts go through the behaviour signals (service/review/signals.py); in shadow
    mode the answer is the configured verdict and the computed one is reported beside it.

    Args:
        ruled: per comment, a verdict reached by a rule (the model is not asked), or None.
        save: store new answers (and queue unsure ones); False answers without a trace.
    """
    store = current_app.extensions["commentguard.records"]
    signals = current_app.extensions["commentguard.signals"]
    scorer = current_app.extensions.get("commentguard.scorer")
    shadow = current_app.config["COMMENTGUARD"]["SHADOW_VERDICT"]
    rulings = list(ruled) if ruled is not None else [None] * len(comments)
    stored: list[dict[str, Any] | None] = [None] * len(comments)
    if not save or (scorer is None and any(r is None for r in rulings)):
        stored = [store.stored_answer(site, c.id) for c in comments]
    todo = [i for i, a in enumerate(stored) if a is None]
    to_score = [comments[i] for i in todo if rulings[i] is None]
    scored: list[Verdict] = []
    version = RULES_VERSION
    if to_score:
        if scorer is None:
            raise APIError(
                503, "model_unavailable", "no model is loaded yet: run `commentguard train`"
            )
        scored = scorer.check(
            [c.content for c in to_score],
            [c.post.get("url") for c in to_score],
            [c.type for c in to_score],
            [c.post.get("title") for c in to_score],
        )
        # A signal may lower a score below the ham cutoff; an unread comment stays unsure.
        scored = [v.settled() for v in signals.apply(site, to_score, scored, scorer.cutoffs_for)]
        policy = current_app.extensions["commentguard.languages"].get(site)
        if policy is not None:
            confident = current_app.config["COMMENTGUARD"]["MIN_LANGUAGE_CONFIDENCE"]
            scored = [policy.apply(v, confident) for v in scored]
        version = scorer.version
    by_model = iter(scored)
    items = []
    tallies = []
    for i in todo:
        rule = rulings[i]
        v = rule if rule is not None else next(by_model)
        answer = {
            "id": comments[i].id,
            "verdict": shadow or v.verdict,
            "score": round(v.score, 6),
            "reasons": [r.to_dict() for r in v.reasons],
            **v.fields(),
            "model_version": RULES_VERSION if rule is not None else version,
        } | ({"shadow": {"verdict": v.verdict}} if shadow else {})
        items.append((comments[i].to_dict() | {"site": site}, answer))
        tallies.append(signals.tally(site, comments[i], v.verdict))
    if not save:
        fresh = iter(answer for _, answer in items)
        answers = [a if a is not None else next(fresh) for a in stored]
    else:
        fresh = iter(store.save_many(site, items, tallies))
        answers = [a if a is not None else next(fresh) for a in stored]
    current_app.extensions["commentguard.metrics"].checked(site, [a["verdict"] for a in answers])
    return answers
