"""The moderator login's rate limit, over HTTP through the Flask test client and in Redis."""

from __future__ import annotations

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from service.keys import Keys
from service.web.limits import LoginLimiter
from tests.test_moderate import csrf

ATTACKER = "203.0.113.66"
MODERATOR = "198.51.100.7"


@pytest.fixture
def ann(app: Flask) -> None:
    app.extensions["commentguard.moderators"].add("ann", "correct horse")


def _client(app: Flask, ip: str) -> tuple[FlaskClient, str]:
    """Return a client whose requests come from ``ip``, with its login form's CSRF token."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client, csrf(client.get("/moderate/login").get_data(as_text=True))


def _try(client: FlaskClient, token: str, password: str, name: str = "ann", **kw):
    return client.post(
        "/moderate/login",
        data={"name": name, "password": password, "csrf_token": token},
        **kw,
    )


def test_fifty_wrong_passwords_are_slowed_and_audited(app: Flask, ann: None) -> None:
    client, token = _client(app, ATTACKER)
    statuses = [_try(client, token, f"guess {i}").status_code for i in range(50)]
    burst = app.config["COMMENTGUARD"]["LOGIN_ACCOUNT_BURST"]
    assert statuses == [401] * burst + [429] * (50 - burst)
    r = _try(client, token, "correct horse")
    assert r.status_code == 429, "the right password does not get past the limit either"
    assert int(r.headers["Retry-After"]) >= 1
    assert "Too many login attempts" in r.get_data(as_text=True)
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
    audit = app.extensions["commentguard.redis"].xrange(
        app.extensions["commentguard.keys"].auth_audit()
    )
    assert len(audit) == 50 - burst + 1
    entry = audit[0][1]
    assert (entry["event"], entry["name"], entry["ip"]) == ("login_limited", "ann", ATTACKER)
    assert entry["bucket"] == "account"


def test_the_attacker_does_not_lock_the_moderator_out(app: Flask, ann: None) -> None:
    attacker, token = _client(app, ATTACKER)
    for i in range(20):
        _try(attacker, token, f"guess {i}")
    assert _try(attacker, token, "guess").status_code == 429
    moderator, token = _client(app, MODERATOR)
    assert _try(moderator, token, "correct horse").status_code == 303
    assert moderator.get("/moderate").status_code == 200


def test_one_address_trying_many_names_meets_the_ip_bucket(app: Flask, ann: None) -> None:
    client, token = _client(app, ATTACKER)
    burst = app.config["COMMENTGUARD"]["LOGIN_IP_BURST"]
    statuses = [_try(client, token, "x", name=f"user{i}").status_code for i in range(burst + 3)]
    assert statuses == [401] * burst + [429] * 3
    audit = app.extensions["commentguard.redis"].xrange(
        app.extensions["commentguard.keys"].auth_audit()
    )
    assert {e["bucket"] for _, e in audit} == {"ip"}


def test_a_json_client_gets_the_envelope(app: Flask, ann: None) -> None:
    client, token = _client(app, ATTACKER)
    json_accept = {"Accept": "application/json"}
    first = _try(client, token, "wrong", headers=json_accept)
    assert first.status_code == 401
    assert first.get_json()["error"]["code"] == "unauthorized"
    for _ in range(10):
        r = _try(client, token, "wrong", headers=json_accept)
    assert r.status_code == 429
    error = r.get_json()["error"]
    assert error["code"] == "too_many_login_attempts"
    assert "wait" in error["message"]
    assert r.headers["Retry-After"].isdigit()


def test_a_bucket_refills_with_time(redis_client: redis.Redis) -> None:
    keys = Keys()
    limiter = LoginLimiter(redis_client, keys, 10, 10.0, 2, 2.0)
    assert [limiter.attempt("ann", ATTACKER).allowed for _ in range(3)] == [True, True, False]
    refused = limiter.attempt("ann", ATTACKER)
    assert 0 < refused.retry_after <= 30
    # Thirty seconds back in the bucket's past is one token at two a minute.
    bucket = keys.login_account("ann", ATTACKER)
    redis_client.hset(bucket, "at", float(redis_client.hget(bucket, "at")) - 30.5)
    assert limiter.attempt("ann", ATTACKER).allowed
    assert not limiter.attempt("ann", ATTACKER).allowed
    # Every bucket expires once it would be full again: an idle address keeps no key.
    assert 0 < redis_client.ttl(bucket) <= 61


def test_bad_limit_settings_are_refused(redis_client: redis.Redis) -> None:
    with pytest.raises(ValueError, match="burst"):
        LoginLimiter(redis_client, Keys(), 0, 10.0, 5, 2.0)
