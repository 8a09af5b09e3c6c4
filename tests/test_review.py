"""The JSON review API, and the review state the comments API reports."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.review_data import enqueue


@pytest.fixture
def keys(app: Flask) -> Any:
    return app.extensions["commentguard.keys"]


@pytest.fixture
def mod(app: Flask) -> dict[str, str]:
    """Return the Authorization header of moderator ann."""
    moderators = app.extensions["commentguard.moderators"]
    moderators.add("ann", "correct horse")
    return {"Authorization": f"Bearer {moderators.new_token('ann')}"}


@pytest.fixture
def bob(app: Flask) -> dict[str, str]:
    moderators = app.extensions["commentguard.moderators"]
    moderators.add("bob", "correct horse")
    return {"Authorization": f"Bearer {moderators.new_token('bob')}"}


@pytest.fixture
def ids(app: Flask, keys: Any) -> list[str]:
    return enqueue(app.extensions["commentguard.redis"], keys, [0.3, 0.5, 0.7])


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/v1/review/items"),
        ("get", "/v1/review/stats"),
        ("post", "/v1/review/claim"),
        ("post", "/v1/review/items/1-0/decision"),
        ("post", "/v1/review/items/1-0/release"),
        ("post", "/v1/review/items/1-0/undo"),
        ("post", "/v1/review/decisions"),
    ],
)
def test_every_endpoint_needs_a_moderator_token(
    client: FlaskClient, auth: dict[str, str], method: str, path: str
) -> None:
    missing = getattr(client, method)(path)
    assert missing.status_code == 401
    assert missing.get_json()["error"]["code"] == "unauthorized"
    # A site's API key is not a moderator token.
    wrong = getattr(client, method)(path, headers=auth)
    assert wrong.status_code == 401
    assert wrong.get_json()["error"]["code"] == "invalid_token"


def test_list_claim_decide_and_stats(
    client: FlaskClient, mod: dict[str, str], ids: list[str]
) -> None:
    listed = client.get("/v1/review/items", headers=mod).get_json()
    assert [i["review_id"] for i in listed["items"]] == ids
    assert listed["counts"] == {"pending": 3, "claimed": 0}
    uncertain = client.get("/v1/review/items?order=uncertain&limit=1", headers=mod).get_json()
    assert [i["score"] for i in uncertain["items"]] == [0.5]
    claimed = client.post("/v1/review/claim", json={"count": 2}, headers=mod).get_json()
    assert [i["review_id"] for i in claimed["items"]] == ids[:2]
    assert claimed["items"][0]["claim"]["moderator"] == "ann"
    assert claimed["lease_seconds"] == 600
    r = client.post(
        f"/v1/review/items/{ids[0]}/decision", json={"label": "spam", "note": "x"}, headers=mod
    )
    assert r.status_code == 200
    body = r.get_json()
    assert (body["review_id"], body["label"], body["decided_by"]) == (ids[0], "spam", "ann")
    assert body["undo_until"] > body["decided_at"]
    stats = client.get("/v1/review/stats", headers=mod).get_json()
    assert (stats["pending"], stats["claimed"], stats["decided_24h"]) == (1, 1, 1)


# The review API's decisions also on a Redis Cluster (test_queue.py covers the rest).
@pytest.mark.cluster
def test_a_second_decision_is_409_naming_who_and_when(
    client: FlaskClient, mod: dict[str, str], bob: dict[str, str], ids: list[str]
) -> None:
    first = client.post(f"/v1/review/items/{ids[0]}/decision", json={"label": "ham"}, headers=mod)
    second = client.post(f"/v1/review/items/{ids[0]}/decision", json={"label": "spam"}, headers=bob)
    assert second.status_code == 409
    error = second.get_json()["error"]
    assert error["code"] == "already_decided"
    assert "ann" in error["message"]
    assert first.get_json()["decided_at"] in error["message"]


# The review API's decisions also on a Redis Cluster (test_queue.py covers the rest).
@pytest.mark.cluster
def test_a_claim_held_by_another_is_409(
    client: FlaskClient, mod: dict[str, str], bob: dict[str, str], ids: list[str]
) -> None:
    client.post("/v1/review/claim", json={"count": 1}, headers=mod)
    r = client.post(f"/v1/review/items/{ids[0]}/decision", json={"label": "ham"}, headers=bob)
    assert r.status_code == 409
    assert r.get_json()["error"]["code"] == "claimed"
    assert client.post(f"/v1/review/items/{ids[0]}/release", headers=bob).status_code == 409
    released = client.post(f"/v1/review/items/{ids[0]}/release", headers=mod)
    assert released.get_json() == {"review_id": ids[0], "state": "pending"}
    again = client.post(f"/v1/review/items/{ids[0]}/decision", json={"label": "ham"}, headers=bob)
    assert again.status_code == 200


# The review API's decisions also on a Redis Cluster (test_queue.py covers the rest).
@pytest.mark.cluster
def test_undo_requeues(client: FlaskClient, mod: dict[str, str], ids: list[str]) -> None:
    client.post(f"/v1/review/items/{ids[1]}/decision", json={"label": "spam"}, headers=mod)
    r = client.post(f"/v1/review/items/{ids[1]}/undo", headers=mod)
    assert r.status_code == 200
    new_id = r.get_json()["requeued_as"]
    listed = client.get("/v1/review/items", headers=mod).get_json()
    assert [i["review_id"] for i in listed["items"]] == [ids[0], ids[2], new_id]
    assert client.post(f"/v1/review/items/{ids[1]}/undo", headers=mod).status_code == 409


def test_bulk_decisions(client: FlaskClient, mod: dict[str, str], ids: list[str]) -> None:
    r = client.post(
        "/v1/review/decisions",
        json={
            "decisions": [
                {"review_id": ids[0], "label": "spam"},
                {"review_id": ids[0], "label": "ham"},
                {"review_id": "5-5", "label": "ham"},
            ]
        },
        headers=mod,
    )
    assert r.status_code == 200
    assert [x["status"] for x in r.get_json()["results"]] == [200, 409, 404]
    assert r.get_json()["results"][1]["error"]["code"] == "already_decided"


@pytest.mark.parametrize(
    "path,body,field",
    [
        ("/v1/review/claim", {"count": 0}, "count"),
        ("/v1/review/claim", {"count": 101}, "count"),
        ("/v1/review/claim", {"count": "3"}, "count"),
        ("/v1/review/claim", {"count": True}, "count"),
        ("/v1/review/claim", [1], "count"),
        ("/v1/review/items/1-0/decision", {"label": "maybe"}, "label"),
        ("/v1/review/items/1-0/decision", {"label": "spam", "note": 5}, "note"),
        ("/v1/review/items/1-0/decision", "spam", None),
        ("/v1/review/decisions", {"decisions": ["x"]}, "decisions[0]."),
        ("/v1/review/decisions", {"decisions": []}, "decisions"),
        ("/v1/review/decisions", {"decisions": [{"label": "spam"}]}, "decisions[0].review_id"),
        ("/v1/review/decisions", {"decisions": [{"review_id": "1-0"}]}, "decisions[0].label"),
    ],
)
def test_bad_requests_are_422_naming_the_field(
    client: FlaskClient, mod: dict[str, str], path: str, body: Any, field: str | None
) -> None:
    r = client.post(path, json=body, headers=mod)
    assert r.status_code == 422
    assert r.get_json()["error"].get("field") == field


def test_bad_list_parameters_and_unknown_items(client: FlaskClient, mod: dict[str, str]) -> None:
    assert client.get("/v1/review/items?order=newest", headers=mod).status_code == 422
    assert client.get("/v1/review/items?limit=0", headers=mod).status_code == 422
    assert client.get("/v1/review/items?limit=x", headers=mod).status_code == 422
    r = client.post("/v1/review/items/nope/decision", json={"label": "spam"}, headers=mod)
    assert r.status_code == 404
    assert client.post("/v1/review/items/nope/undo", headers=mod).status_code == 404
    assert client.post("/v1/review/items/nope/release", headers=mod).status_code == 404
    too_big = "99999999999999999999999-0"
    assert client.post(f"/v1/review/items/{too_big}/undo", headers=mod).status_code == 404
    assert client.post("/v1/review/claim", data="x", headers=mod).status_code == 415


def test_the_comment_api_reports_the_review_state(
    app: Flask, client: FlaskClient, auth: dict[str, str], mod: dict[str, str], ids: list[str]
) -> None:
    def review() -> dict[str, Any]:
        r = client.get("/v1/comments/c-0", headers=auth)
        assert r.status_code == 200
        return dict(r.get_json()["review"])

    assert review() == {"state": "pending", "review_id": ids[0]}
    client.post("/v1/review/claim", json={"count": 1}, headers=mod)
    claimed = review()
    assert claimed["state"] == "claimed"
    assert "claim_expires_at" in claimed
    client.post(
        f"/v1/review/items/{ids[0]}/decision", json={"label": "spam", "note": "n"}, headers=mod
    )
    decided = review()
    assert decided["state"] == "decided"
    assert decided["decision"]["label"] == "spam"
    assert decided["decision"]["decided_by"] == "ann"
    assert decided["decision"]["note"] == "n"


@pytest.mark.parametrize("limit", ["\u00b2", "9" * 5000, "-1", "1.5"])
def test_odd_limits_are_422(client: FlaskClient, mod: dict[str, str], limit: str) -> None:
    r = client.get("/v1/review/items", query_string={"limit": limit}, headers=mod)
    assert r.status_code == 422
    assert r.get_json()["error"]["field"] == "limit"
