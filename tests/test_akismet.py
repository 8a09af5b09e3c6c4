"""The Akismet API, driven in-process by the real `akismet` client and by raw requests."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import akismet
import httpx
import pytest
import redis
from click.testing import CliRunner
from flask import Flask

from commentguard.cli import main
from service.api.auth import ApiKeys
from service.app import create_app
from service.keys import Keys
from service.review.labels import LabelLog
from service.settings import SettingsError

BLOG = "https://blog.example.com/"
HAM = "I love this song so much, it reminds me of summer"
SPAM = "Check out my channel http://bit.ly/xyz subscribe please!!! free money"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def make_app(redis_url: str, data_dir: Path) -> Callable[..., Flask]:
    """Return a factory of apps on the test Redis and model, with settings overridden."""

    def make(**overrides: Any) -> Flask:
        base = {"REDIS_URL": redis_url, "DATA_DIR": str(data_dir), "SECRET_KEY": "test"}
        return create_app(base | overrides)

    return make


@pytest.fixture
def akismet_key(app: Flask) -> str:
    """Return a 12-character Akismet-style key for the site ``blog.example.com``."""
    return app.extensions["commentguard.api_keys"].create("blog.example.com", akismet=True)


@pytest.fixture
def akismet_env(monkeypatch: pytest.MonkeyPatch, akismet_key: str) -> None:
    """Configure the client the way its documentation says: two environment variables."""
    monkeypatch.setenv("PYTHON_AKISMET_API_KEY", akismet_key)
    monkeypatch.setenv("PYTHON_AKISMET_BLOG_URL", BLOG)


def wsgi_client(app: Flask) -> httpx.Client:
    """Return an httpx client that sends every request to ``app`` in-process."""
    return httpx.Client(transport=httpx.WSGITransport(app=app))


@pytest.fixture
def ak(app: Flask, akismet_env: None) -> Iterator[akismet.SyncClient]:
    """Return a validated `akismet.SyncClient` talking to the app."""
    with akismet.SyncClient(http_client=wsgi_client(app)) as client:
        yield client


def labels(redis_client: redis.Redis) -> dict[str, str]:
    """Return the latest label per comment id."""
    return {x.comment_id: x.label for x in LabelLog(redis_client, Keys()).latest()}


def test_cli_creates_akismet_keys(redis_url: str, redis_client, data_dir: Path) -> None:
    env = {"COMMENTGUARD_REDIS_URL": redis_url, "COMMENTGUARD_DATA_DIR": str(data_dir)}
    result = CliRunner().invoke(main, ["keys", "create", "--site", "s1", "--akismet"], env=env)
    key = result.output.strip()
    # WordPress's settings page keeps only hex digits of a typed key.
    assert result.exit_code == 0 and re.fullmatch(r"[0-9a-f]{12}", key), key
    assert ApiKeys(redis_client, Keys()).site_for(key) == "s1"


def test_verify_key_valid_and_invalid(ak: akismet.SyncClient, akismet_key: str) -> None:
    assert ak.verify_key() is True
    assert ak.verify_key(akismet_key, BLOG) is True
    assert ak.verify_key("wrongwrong12", BLOG) is False


def test_bad_key_raises_the_clients_api_key_error(app: Flask, akismet_env: None) -> None:
    config = akismet.Config(key="wrongwrong12", url=BLOG)
    with pytest.raises(akismet.APIKeyError):
        akismet.SyncClient.validated_client(config=config, http_client=wsgi_client(app))
    unchecked = akismet.SyncClient(config=config, http_client=wsgi_client(app))
    with pytest.raises(akismet.APIKeyError):
        unchecked.comment_check("203.0.113.5", comment_content=HAM)


def test_ham_is_false_and_stored_once(ak: akismet.SyncClient, app: Flask, redis_client) -> None:
    fields = {"comment_content": HAM, "comment_author": "Ana", "comment_type": "comment"}
    assert ak.comment_check("203.0.113.5", **fields) == akismet.CheckResponse.HAM
    assert ak.comment_check("203.0.113.5", **fields) == akismet.CheckResponse.HAM
    comments = list(redis_client.scan_iter("{cg}:comment:blog.example.com:akismet-*"))
    assert len(comments) == 1
    assert redis_client.hget(comments[0], "verdict") == "ham"


def test_blatant_spam_is_discard(ak: akismet.SyncClient) -> None:
    assert ak.comment_check("198.51.100.9", comment_content=SPAM) == akismet.CheckResponse.DISCARD


def test_spam_below_the_discard_cutoff_is_spam(make_app, akismet_env: None) -> None:
    app = make_app(AKISMET_DISCARD_CUTOFF=1.0)
    with akismet.SyncClient(http_client=wsgi_client(app)) as ak:
        assert ak.comment_check("198.51.100.9", comment_content=SPAM) == akismet.CheckResponse.SPAM


@pytest.mark.parametrize(("answer", "expected"), [("true", 1), ("false", 0)])
def test_unsure_answer_is_configurable_and_queues_for_review(
    make_app, akismet_env: None, redis_client, answer: str, expected: int
) -> None:
    app = make_app(HAM_CUTOFF=0.0, SPAM_CUTOFF=1.0, AKISMET_UNSURE_ANSWER=answer)
    with akismet.SyncClient(http_client=wsgi_client(app)) as ak:
        for _ in range(2):
            assert ak.comment_check("203.0.113.5", comment_content=HAM) == expected
    assert redis_client.xlen("{cg}:review") == 1


def test_submit_spam_and_ham_create_labels_latest_wins(ak: akismet.SyncClient, redis_client):
    fields = {"comment_content": HAM, "comment_author": "Ana", "permalink": BLOG + "p/1"}
    assert ak.submit_spam("203.0.113.5", **fields) is True
    other = {"comment_content": "nice video, thanks for sharing"}
    assert ak.submit_ham("203.0.113.6", **other) is True
    assert sorted(labels(redis_client).values()) == ["ham", "spam"]
    assert ak.submit_ham("203.0.113.5", **fields) is True
    assert sorted(labels(redis_client).values()) == ["ham", "ham"]
    sources = {e[1]["source"] for e in redis_client.xrange("{cg}:labels")}
    assert sources == {"platform:akismet"}


def test_submit_labels_the_comment_that_was_checked(ak: akismet.SyncClient, redis_client):
    fields = {"comment_content": SPAM, "comment_author": "Bob", "permalink": BLOG + "p/2"}
    ak.comment_check("198.51.100.9", **fields)
    ak.submit_ham("198.51.100.9", **fields)
    [record] = redis_client.scan_iter("{cg}:comment:blog.example.com:*")
    assert labels(redis_client) == {record.rsplit(":", 1)[1]: "ham"}


def test_is_test_is_never_learned_from(ak: akismet.SyncClient, redis_client) -> None:
    assert ak.submit_spam("203.0.113.5", comment_content=SPAM, is_test=True) is True
    assert ak.submit_ham("203.0.113.5", comment_content=HAM, is_test=True) is True
    assert ak.comment_check("203.0.113.5", comment_content=SPAM, is_test=True) >= 1
    assert redis_client.xlen("{cg}:labels") == 0
    assert list(redis_client.scan_iter("{cg}:comment:*")) == []


def test_akismet_test_values(ak: akismet.SyncClient) -> None:
    admin = ak.comment_check("203.0.113.5", comment_content=SPAM, user_role="administrator")
    assert admin == akismet.CheckResponse.HAM
    guaranteed = ak.comment_check(
        "203.0.113.5", comment_content=HAM, comment_author="akismet-guaranteed-spam"
    )
    assert guaranteed >= akismet.CheckResponse.SPAM


def test_usage_limit(ak: akismet.SyncClient) -> None:
    ak.comment_check("203.0.113.5", comment_content=HAM)
    usage = ak.usage_limit()
    assert usage == {"limit": "none", "usage": 1, "percentage": "0.00", "throttled": False}


def post(client, path: str, **form: str):
    return client.post(path, data=form)


def test_missing_required_fields_are_invalid_with_debug_help(client, akismet_key: str) -> None:
    for missing in ("blog", "user_ip"):
        form = {"api_key": akismet_key, "blog": BLOG, "user_ip": "203.0.113.5"}
        del form[missing]
        r = post(client, "/1.1/comment-check", comment_content=HAM, **form)
        assert (r.status_code, r.text) == (200, "invalid")
        assert r.headers["X-akismet-debug-help"] == f"Missing required field: {missing}."
        assert r.mimetype == "text/plain"


def test_key_as_host_label_and_unknown_fields(client, akismet_key: str) -> None:
    form = {"blog": BLOG, "user_ip": "203.0.113.5", "comment_content": HAM, "made_up": "x"}
    r = client.post("/1.1/comment-check", data=form, headers={"Host": "rest.example.com"})
    assert r.text == "invalid"
    host = f"{akismet_key.upper()}.rest.example.com"
    r = client.post("/1.1/comment-check", data=form, headers={"Host": host})
    assert (r.status_code, r.text) == (200, "false")
    assert r.headers["X-CommentGuard-Verdict"] == "ham"


def test_bearer_style_keys_work_in_the_body_too(client, api_key: str) -> None:
    r = post(client, "/1.1/verify-key", key=api_key, blog=BLOG)
    assert r.text == "valid"


def test_honeypot_fields(client, akismet_key: str) -> None:
    base = {"api_key": akismet_key, "blog": BLOG, "comment_content": HAM}
    cases = [
        ({"honeypot_field_name": "hp", "hp": ""}, "false"),
        ({"honeypot_field_name": "hp", "hp": "bot"}, "true"),
        ({"POST_ak_hp_textarea": ""}, "false"),
        ({"POST_ak_hp_textarea": "bot"}, "true"),
    ]
    for i, (fields, answer) in enumerate(cases):
        # A distinct IP per case: the same comment sent again gets its stored answer.
        r = post(client, "/1.1/comment-check", user_ip=f"203.0.113.{i}", **base, **fields)
        assert r.text == answer, fields


def test_errors_stay_plain_text_never_500(make_app, client, akismet_key: str, tmp_path) -> None:
    big = {
        "api_key": akismet_key,
        "blog": BLOG,
        "user_ip": "1.2.3.4",
        "comment_content": "x" * 70_000,
    }
    r = post(client, "/1.1/comment-check", **big)
    assert r.status_code == 413 and r.mimetype == "text/plain"
    assert r.headers["X-akismet-debug-help"]
    no_model = make_app(DATA_DIR=str(tmp_path))
    key = no_model.extensions["commentguard.api_keys"].create("blog.example.com", akismet=True)
    form = {"api_key": key, "blog": BLOG, "user_ip": "1.2.3.4", "comment_content": HAM}
    r = post(no_model.test_client(), "/1.1/comment-check", **form)
    assert r.status_code == 503 and r.mimetype == "text/plain"
    admin = post(no_model.test_client(), "/1.1/comment-check", user_role="administrator", **form)
    assert admin.text == "false"


def test_a_script_missing_mid_failover_is_a_plain_text_503(
    app: Flask, client, akismet_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(*args: Any, **kwargs: Any) -> None:
        raise redis.exceptions.NoScriptError("No matching script. Please use EVAL.")

    monkeypatch.setattr(app.extensions["commentguard.records"], "_save_once", missing)
    form = {"api_key": akismet_key, "blog": BLOG, "user_ip": "1.2.3.4", "comment_content": HAM}
    r = post(client, "/1.1/comment-check", **form)
    assert (r.status_code, r.mimetype, r.headers["Retry-After"]) == (503, "text/plain", "5")


def test_redis_down_is_a_plain_text_503(data_dir: Path) -> None:
    app = create_app({"REDIS_URL": "redis://127.0.0.1:1/0", "DATA_DIR": str(data_dir)})
    form = {"api_key": "abcdefabcdef", "blog": BLOG, "user_ip": "1.2.3.4"}
    r = post(app.test_client(), "/1.1/comment-check", **form)
    assert (r.status_code, r.mimetype, r.headers["Retry-After"]) == (503, "text/plain", "5")


@pytest.mark.parametrize(
    "overrides",
    [
        {"AKISMET_UNSURE_ANSWER": "maybe"},
        {"AKISMET_DISCARD_CUTOFF": 1.5},
        {"AKISMET_DISCARD_CUTOFF": None},
    ],
)
def test_bad_settings_stop_the_app(make_app, overrides: dict[str, Any]) -> None:
    with pytest.raises(SettingsError):
        make_app(**overrides)


def read_request(path: Path, **values: str) -> tuple[str, dict[str, str], bytes]:
    """Return the path, headers and body of a recorded HTTP request, placeholders filled."""
    head, _, body = path.read_text().format(**values).partition("\n\n")
    request_line, *header_lines = head.splitlines()
    headers = dict(line.split(": ", 1) for line in header_lines)
    return request_line.split()[1], headers, body.strip().encode()


def test_recorded_wordpress_request(client, akismet_key: str, redis_client) -> None:
    path, headers, body = read_request(
        FIXTURES / "wordpress-comment-check.http", API_KEY=akismet_key
    )
    r = client.post(path, data=body, headers=headers)
    assert (r.status_code, r.text) == (200, "true")
    record = redis_client.hgetall(
        f"{{cg}}:comment:blog.example.com:{r.headers['X-CommentGuard-Id']}"
    )
    assert record["verdict"] == "spam"
    comment = json.loads(record["comment"])
    assert comment["author"]["name"] == "Jenny Rich"
    assert comment["author"]["ip"] == "203.0.113.77"
    assert comment["post"] == {
        "url": "https://blog.example.com/2026/11/redis-streams-explained/",
        "id": "42",
    }
    assert comment["created_at"] == "2026-11-28 12:02:11"


def test_openapi_documents_every_akismet_route(app: Flask, client) -> None:
    spec = client.get("/openapi.json").json
    routes = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("akismet.")}
    assert routes and routes <= set(spec["paths"])
