"""What the Blogger tests share: the comments, the settings and the credentials file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.platforms.blogger.server import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeBlogger

SITE = "my-blog"
# With the test model, these land far from the cutoffs set in `blogger_app`.
# A comment in a language the model has no labels for is never published on the model alone
# (docs/model.md), so the ham is English.
HAM = ["I love this song", "Best song ever, still listening in 2015"]
SPAM = [
    "Great post! Check out my channel and subscribe: http://bit.ly/free-prizes",
    "Cheap viagra and casino bonus, click here www.best-pills-online.biz",
    "EARN $5000 A WEEK FROM HOME!!! Visit my profile to learn how",
]
UNSURE = [
    "Thanks for the recipe, I made it with less sugar and it was still lovely.",
    "Ce billet est très intéressant, merci pour les informations sur le pont.",
]
STATUS_OF = {"ham": "LIVE", "spam": "SPAM", "unsure": "PENDING"}


def write_credentials(path: Path) -> Path:
    """Write an authorized-user file as an OAuth consent flow writes it; return its path."""
    info = {
        "type": "authorized_user",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN,
    }
    path.write_text(json.dumps(info))
    return path


def blogger_settings(url: str) -> dict[str, Any]:
    """Return the overrides that point the connector at the stand-in, with wide cutoffs."""
    return {
        "BLOGGER_API_URL": url + "/blogger/v3",
        "BLOGGER_TOKEN_URI": url + "/token",
        "BLOGGER_PAGE_SIZE": 3,
        "HAM_CUTOFF": 0.005,
        "SPAM_CUTOFF": 0.9999,
    }


def add_all(state: FakeBlogger) -> dict[str, list[str]]:
    """Add the HAM, SPAM and UNSURE comments, oldest first; return their ids by group."""
    groups = {"ham": HAM, "spam": SPAM, "unsure": UNSURE}
    ids: dict[str, list[str]] = {k: [] for k in groups}
    age = 60.0
    for name, texts in groups.items():
        for text in texts:
            ids[name].append(state.add(text, post_id=f"post-{len(text) % 3}", minutes_ago=age))
            age -= 1
    return ids
