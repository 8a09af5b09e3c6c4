"""Reasons from the hand-made features read as sentences a moderator understands."""

from __future__ import annotations

from pathlib import Path

from model.classifier import _describe
from model.store import ModelStore


def test_signal_features_are_described_in_words() -> None:
    assert _describe("contact__gives a phone number", "spam") == (
        "spam_contact",
        "gives a phone number",
    )
    assert _describe("word__check out", "spam") == ("spam_words", 'uses the words "check out"')


def test_signal_features_show_as_reasons(data_dir: Path) -> None:
    classifier = ModelStore(data_dir / "models").load_current().classifier
    text = "URGENT! You won a $900 prize. Call +44 906 170 1461 now or visit bit.ly/claim-now"
    reasons = classifier.explain(text, limit=30)
    blocks = {r.code.split("_", 1)[1] for r in reasons}
    assert {"contact", "money", "links"} & blocks
    assert all(r.code.startswith("spam_") for r in reasons)
