"""The check path scores first and lets the save-once script keep the first answer."""

from __future__ import annotations

from pathlib import Path

import redis

from service.app import create_app
from service.keys import Keys


def _app(redis_url: str, data_dir: Path, **overrides: object):
    """Return an app on the test Redis with settings overridden."""
    return create_app({"REDIS_URL": redis_url, "DATA_DIR": str(data_dir)} | overrides)


def test_a_retry_gets_the_first_answer_and_queues_nothing_more(
    redis_url: str, data_dir: Path, redis_client: redis.Redis
) -> None:
    # With these cutoffs every score is unsure, so every new comment enters the queue.
    app = _app(redis_url, data_dir, HAM_CUTOFF=0.0, SPAM_CUTOFF=1.0)
    auth = {"Authorization": "Bearer " + app.extensions["commentguard.api_keys"].create("s")}
    client = app.test_client()
    first = client.post("/v1/comments/check", json={"id": "c1", "content": "hi"}, headers=auth)
    again = client.post(
        "/v1/comments/check",
        json={"id": "c1", "content": "subscribe to my channel http://x.ru"},
        headers=auth,
    )
    assert first.status_code == again.status_code == 200
    assert first.get_json()["verdict"] == "unsure"
    assert again.get_json() == first.get_json()
    batch = client.post(
        "/v1/comments/check-batch",
        json={"comments": [{"id": "c1", "content": "x"}, {"id": "c2", "content": "y"}]},
        headers=auth,
    )
    assert batch.status_code == 200
    assert batch.get_json()["results"][0] == first.get_json()
    assert redis_client.xlen(Keys().review_stream()) == 2


def test_without_a_model_retries_are_answered_and_new_comments_get_503(
    redis_url: str, data_dir: Path, tmp_path: Path
) -> None:
    with_model = _app(redis_url, data_dir)
    token = with_model.extensions["commentguard.api_keys"].create("s")
    auth = {"Authorization": f"Bearer {token}"}
    stored = with_model.test_client().post(
        "/v1/comments/check", json={"id": "c1", "content": "hello"}, headers=auth
    )
    client = _app(redis_url, tmp_path).test_client()
    retry = client.post("/v1/comments/check", json={"id": "c1", "content": "hello"}, headers=auth)
    new = client.post("/v1/comments/check", json={"id": "c2", "content": "hello"}, headers=auth)
    assert retry.status_code == 200
    assert retry.get_json() == stored.get_json()
    assert new.status_code == 503
    assert new.get_json()["error"]["code"] == "model_unavailable"


def test_a_link_to_the_post_itself_is_not_scored(redis_url: str, data_dir: Path) -> None:
    app = _app(redis_url, data_dir)
    auth = {"Authorization": "Bearer " + app.extensions["commentguard.api_keys"].create("s")}
    client = app.test_client()
    text = "PSY - GANGNAM STYLE M/V: http://youtu.be/9bZkp7q19f0"
    post = {"id": "psy", "url": "https://www.youtube.com/watch?v=9bZkp7q19f0"}

    def score(n: int, content: str, **fields: object) -> float:
        body = {"id": f"p{n}", "content": content} | fields
        response = client.post("/v1/comments/check", json=body, headers=auth)
        assert response.status_code == 200, response.get_json()
        return float(response.get_json()["score"])

    under_the_post = score(1, text, post=post)
    assert under_the_post == score(2, "PSY - GANGNAM STYLE M/V: ", post=post)
    assert under_the_post != score(3, text, post={"id": "another"})
