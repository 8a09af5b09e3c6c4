"""Moderator accounts and their CLI commands."""

from __future__ import annotations

import pytest
import redis
from click.testing import CliRunner

from commentguard.cli import main
from service.keys import Keys
from service.web.moderators import Moderators

# The queue's scripts and pipelines must also work on a Redis Cluster.
pytestmark = pytest.mark.cluster

KEYS = Keys()


@pytest.fixture
def moderators(redis_client: redis.Redis) -> Moderators:
    return Moderators(redis_client, KEYS)


def test_passwords_are_stored_hashed_and_checked(
    moderators: Moderators, redis_client: redis.Redis
) -> None:
    moderators.add("ann", "correct horse")
    stored = redis_client.hget(KEYS.moderator("ann"), "password_hash")
    assert stored and "correct horse" not in stored
    assert moderators.authenticate("ann", "correct horse")
    assert not moderators.authenticate("ann", "wrong horse")
    assert not moderators.authenticate("bob", "correct horse")
    assert not moderators.authenticate("", "")
    moderators.add("ann", "battery staple")
    assert moderators.authenticate("ann", "battery staple")
    assert moderators.names() == ["ann"]


@pytest.mark.parametrize("name", ["", "Ann", "a b", "-ann", "x" * 65, "ann:1"])
def test_bad_names_are_refused(moderators: Moderators, name: str) -> None:
    with pytest.raises(ValueError):
        moderators.add(name, "long enough")


def test_short_passwords_are_refused(moderators: Moderators) -> None:
    with pytest.raises(ValueError, match="at least 8"):
        moderators.add("ann", "short")


def test_a_new_token_replaces_the_old_one(
    moderators: Moderators, redis_client: redis.Redis
) -> None:
    moderators.add("ann", "correct horse")
    first = moderators.new_token("ann")
    assert moderators.name_for_token(first) == "ann"
    second = moderators.new_token("ann")
    assert moderators.name_for_token(second) == "ann"
    assert moderators.name_for_token(first) is None
    # Only the digest is stored: the token itself appears in no key and no value.
    assert all(second not in k for k in redis_client.keys("*"))
    assert second not in str(redis_client.hgetall(KEYS.moderator("ann")))
    with pytest.raises(KeyError):
        moderators.new_token("nobody")


def test_cli_adds_a_moderator_and_prints_a_token(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, moderators: Moderators
) -> None:
    monkeypatch.setenv("COMMENTGUARD_REDIS_URL", redis_url)
    runner = CliRunner()
    added = runner.invoke(
        main, ["moderators", "add", "ann", "--password-stdin"], input="s3cret pass\n"
    )
    assert added.exit_code == 0, added.output
    assert moderators.authenticate("ann", "s3cret pass")
    prompted = runner.invoke(main, ["moderators", "add", "bob"], input="bob's pass\nbob's pass\n")
    assert prompted.exit_code == 0, prompted.output
    assert moderators.authenticate("bob", "bob's pass")
    token = runner.invoke(main, ["moderators", "token", "ann"])
    assert token.exit_code == 0
    assert moderators.name_for_token(token.output.strip()) == "ann"


def test_cli_explains_its_refusals(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMENTGUARD_REDIS_URL", redis_url)
    runner = CliRunner()
    unknown = runner.invoke(main, ["moderators", "token", "nobody"])
    assert unknown.exit_code == 1
    assert "moderators add nobody" in unknown.output
    bad = runner.invoke(main, ["moderators", "add", "Bad Name", "--password-stdin"], input="x" * 9)
    assert bad.exit_code == 2
    short = runner.invoke(main, ["moderators", "add", "ann", "--password-stdin"], input="short\n")
    assert short.exit_code == 1
    assert "at least 8" in short.output
