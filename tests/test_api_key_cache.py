"""The API key cache: a known key's site is remembered for a while, an unknown key never."""

from __future__ import annotations

import redis

from service.api.auth import ApiKeys, digest
from service.keys import Keys


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_without_a_cache_a_deleted_key_stops_at_once(redis_client: redis.Redis) -> None:
    keys = ApiKeys(redis_client, Keys())
    token = keys.create("blog")
    assert keys.site_for(token) == "blog"
    redis_client.delete(*redis_client.keys("{cg}:apikey:*"))
    assert keys.site_for(token) is None


def test_a_cached_key_works_until_its_time_is_up(redis_client: redis.Redis) -> None:
    clock = Clock()
    keys = ApiKeys(redis_client, Keys(), cache_seconds=5.0, clock=clock)
    token = keys.create("blog")
    assert keys.site_for(token) == "blog"
    redis_client.delete(*redis_client.keys("{cg}:apikey:*"))
    clock.now += 4.9
    assert keys.site_for(token) == "blog"
    clock.now += 0.2
    assert keys.site_for(token) is None


def test_an_unknown_key_is_not_remembered(redis_client: redis.Redis) -> None:
    keys = ApiKeys(redis_client, Keys(), cache_seconds=60.0, clock=Clock())
    assert keys.site_for("cg_not-yet") is None
    redis_client.hset(Keys().api_key(digest("cg_not-yet")), "site", "b")
    assert keys.site_for("cg_not-yet") == "b"


def test_a_revoked_key_is_refused_at_once_where_it_was_revoked(redis_client: redis.Redis) -> None:
    clock = Clock()
    keys = ApiKeys(redis_client, Keys(), cache_seconds=5.0, clock=clock)
    other_worker = ApiKeys(redis_client, Keys(), cache_seconds=5.0, clock=clock)
    token = keys.create("blog")
    assert keys.site_for(token) == other_worker.site_for(token) == "blog"
    assert keys.revoke(token) is True
    assert keys.site_for(token) is None
    assert other_worker.site_for(token) == "blog"  # cached, until its time is up
    clock.now += 5.1
    assert other_worker.site_for(token) is None
    assert keys.revoke(token) is False
    assert keys.count() == 0
