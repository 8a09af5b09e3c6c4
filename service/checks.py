"""Checking comments: score the new ones, store each once, and return the answers that stand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app

from model.scorer import Verdict
from service.errors import APIError
from service.validation import Comment

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

    Args:
        ruled: per comment, a verdict reached by a rule (the model is not asked), or None.
        save: store new answers (and queue unsure ones); False answers without a trace.
    """
    store = current_app.extensions["commentguard.records"]
    scorer = current_app.extensions.get("commentguard.scorer")
    rulings = list(ruled) if ruled is not None else [None] * len(comments)
    stored: list[dict[str, Any] | None] = [None] * len(comments)
    if not save or (scorer is None and any(r is None for r in rulings)):
        stored = [store.stored_answer(site, c.id) for c in comments]
    todo = [i for i, a in enumerate(stored) if a is None]
    to_score = [comments[i] for i in todo if rulings[i] is None]
    verdicts: list[Verdict] = []
    version = RULES_VERSION
    if to_score:
        if scorer is None:
            raise APIError(
                503, "model_unavailable", "no model is loaded yet: run `commentguard train`"
            )
        verdicts = scorer.check([c.content for c in to_score])
        version = scorer.version
    by_model = iter(verdicts)
    items = []
    for i in todo:
        rule = rulings[i]
        v = rule if rule is not None else next(by_model)
        answer = {
            "id": comments[i].id,
            "verdict": v.verdict,
            "score": round(v.score, 6),
            "reasons": [r.to_dict() for r in v.reasons],
            "model_version": RULES_VERSION if rule is not None else version,
        }
        items.append((comments[i].to_dict() | {"site": site}, answer))
    fresh = iter(store.save_many(site, items) if save else [a for _, a in items])
    return [a if a is not None else next(fresh) for a in stored]
