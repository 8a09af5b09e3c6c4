"""API key rotation: the new key works at once, the old one until its overlap ends."""

from __future__ import annotations

import pytest
import redis
from click.testing import CliRunner
from flask import Flask

from commentguard.cli import main
from service.api.auth import ApiKeys, digest
from service.keys import Keys

BODY = {"id": "c-1", "content": "thanks, this helped me fix my build"}


def test_the_old_key_works_for_the_overlap_then_is_refused(redis_client: redis.Redis) -> None:
    wall, mono = [1_000_000.0], [0.0]
    keys = ApiKeys(
        redis_client, Keys(), cache_seconds=5, clock=lambda: mono[0], wall=lambda: wall[0]
    )
    old = keys.create("blog.example.com", name="wordpress")
    assert keys.site_for(old) == "blog.example.com"  # now cached for 5 s
    new = keys.rotate(old, overlap_seconds=60)
    assert new != old and new.startswith("cg_")
    assert keys.site_for(new) == "blog.example.com"
    assert keys.site_for(old) == "blog.example.com"
    assert redis_client.hget(Keys().api_key(digest(new)), "name") == "wordpress"
    assert 0 < redis_client.pttl(Keys().api_key(digest(old))) <= 60_000
    assert keys.count() == 1, "a key being rotated out no longer counts"
    wall[0] += 58
    mono[0] += 58
    assert keys.site_for(old) == "blog.example.com"
    # Cached at 58 s for at most the 2 s left, so refused at 61 s in this very process.
    wall[0] += 3
    mono[0] += 3
    assert keys.site_for(old) is None
    assert keys.site_for(new) == "blog.example.com"


def test_rotating_twice_or_an_unknown_key_is_refused(redis_client: redis.Redis) -> None:
    keys = ApiKeys(redis_client, Keys())
    old = keys.create("blog.example.com")
    keys.rotate(old, 60)
    with pytest.raises(ValueError, match="already being rotated"):
        keys.rotate(old, 60)
    with pytest.raises(KeyError):
        keys.rotate("cg_unknown", 60)


def test_an_akismet_key_is_rotated_into_an_akismet_key(redis_client: redis.Redis) -> None:
    keys = ApiKeys(redis_client, Keys())
    new = keys.rotate(keys.create("blog.example.com", akismet=True), 0)
    assert len(new) == 12 and new.islower()


def test_keys_rotate_over_http(
    app: Flask, api_key: str, redis_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    app.extensions["commentguard.api_keys"].cache_seconds = 0
    monkeypatch.setenv("COMMENTGUARD_REDIS_URL", redis_url)
    monkeypatch.setenv("COMMENTGUARD_DATA_DIR", str(tmp_path / "var"))
    client = app.test_client()

    def check(key: str) -> int:
        r = client.post("/v1/comments/check", json=BODY, headers={"Authorization": f"Bearer {key}"})
        return r.status_code

    def rotate(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(main, ["keys", "rotate", *args], catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output.strip()

    second = rotate(api_key, "--overlap", "3600")
    assert (check(api_key), check(second)) == (200, 200)
    third = rotate(second, "--overlap", "0")
    assert (check(api_key), check(second), check(third)) == (200, 401, 200)
    assert "no such API key" in rotate("cg_never-made", code=1)
    assert "already being rotated" in rotate(api_key, code=1)
