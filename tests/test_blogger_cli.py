"""`commentguard connect blogger` as a process: SIGKILLed mid-batch, then run again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner

from commentguard.cli import main
from tests.platforms.blogger.scenario import STATUS_OF, add_all, blogger_settings, write_credentials
from tests.platforms.blogger.server import FakeBlogger, serve

COMMAND = Path(sys.executable).parent / "commentguard"


@pytest.fixture
def blogger() -> Iterator[tuple[FakeBlogger, str]]:
    """Return the stand-in's state and base URL."""
    state = FakeBlogger()
    with serve(state) as url:
        yield state, url


@pytest.fixture
def redis_url(embedded_redis: str) -> Iterator[str]:
    """Return the flushed embedded Redis: these start processes, once is enough.

    The connector's behaviour on every Redis target is in test_blogger.py.
    """
    client = redis.Redis.from_url(embedded_redis)
    client.flushdb()
    yield embedded_redis
    client.flushdb()
    client.close()


@pytest.fixture
def credentials(tmp_path: Path) -> Path:
    """Return an authorized-user file as an OAuth consent flow writes it."""
    return write_credentials(tmp_path / "blogger-credentials.json")


def environment(redis_url: str, data_dir: Path, url: str) -> dict[str, str]:
    """Return the environment of a connector process pointed at the stand-in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTGUARD_")}
    env |= {"COMMENTGUARD_REDIS_URL": redis_url, "COMMENTGUARD_DATA_DIR": str(data_dir)}
    env |= {f"COMMENTGUARD_{k}": str(v) for k, v in blogger_settings(url).items()}
    return env


@pytest.mark.slow
def test_a_connector_killed_mid_batch_then_rerun_applies_each_verdict_once(
    redis_url: str, data_dir: Path, blogger: tuple[FakeBlogger, str], credentials: Path
) -> None:
    state, url = blogger
    ids = add_all(state)
    state.hold_after = 2  # the third approve/spam is applied, then its answer is held
    args = [str(COMMAND), "connect", "blogger", "--blog", state.blog_id]
    args += ["--credentials", str(credentials), "--site", "my-blog"]
    env = environment(redis_url, data_dir, url)
    process = subprocess.Popen(
        [*args, "--interval", "0.2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        assert state.held.wait(120), "the connector never reached its third moderation"
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert sum(state.applied.values()) == 3  # Blogger applied it; the connector never knew
    state.hold_after = None
    state.release.set()
    rerun = subprocess.run([*args, "--once"], env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    report = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert report["complete"] is True
    assert report["approved"] + report["spammed"] == 2
    for name, group in ids.items():
        assert [state.status(c) for c in group] == [STATUS_OF[name]] * len(group)
    assert len(state.applied) == 5
    assert all(n == 1 for n in state.applied.values())


def test_a_credentials_file_of_another_kind_is_refused(
    redis_url: str, data_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "client_secret.json"
    path.write_text(json.dumps({"installed": {"client_id": "x"}}))
    env = {"COMMENTGUARD_REDIS_URL": redis_url, "COMMENTGUARD_DATA_DIR": str(data_dir)}
    args = ["connect", "blogger", "--blog", "1", "--credentials", str(path), "--once"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 1
    assert "neither an authorized-user file nor a service-account key" in result.output


def test_credentials_are_required(redis_url: str, data_dir: Path) -> None:
    env = {"COMMENTGUARD_REDIS_URL": redis_url, "COMMENTGUARD_DATA_DIR": str(data_dir)}
    result = CliRunner().invoke(main, ["connect", "blogger", "--blog", "1", "--once"], env=env)
    assert result.exit_code == 2
    assert "COMMENTGUARD_BLOGGER_CREDENTIALS" in result.output
