"""Real Redis deployments on 127.0.0.1 for tests: a 3-master cluster, and Sentinel.

Every server runs in a temporary directory on free ports and is stopped by its pid.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")
MISSING = "redis-server and redis-cli are not installed: no cluster or Sentinel to test against"


def available() -> bool:
    """Return True when redis-server and redis-cli can be started here."""
    return REDIS_SERVER is not None and REDIS_CLI is not None


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int, bus: bool = False) -> list[int]:
    """Return ``count`` free loopback ports (with ``bus``, port + 10000 is free too)."""
    found: list[int] = []
    while len(found) < count:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port in found or (bus and (port + 10000 > 65535 or not _is_free(port + 10000))):
            continue
        found.append(port)
    return found


def _ping(port: int) -> bool:
    assert REDIS_CLI is not None
    result = subprocess.run(
        [REDIS_CLI, "-p", str(port), "ping"], capture_output=True, text=True, timeout=5
    )
    return result.stdout.strip() == "PONG"


class Servers:
    """A group of redis-server processes started in ``root``; ``stop`` kills each by pid."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    def start(self, port: int, *args: str, sentinel: bool = False) -> None:
        """Start a server (or a sentinel, from a config file) on ``port`` and wait for it."""
        assert REDIS_SERVER is not None
        directory = self.root / str(port)
        directory.mkdir(parents=True, exist_ok=True)
        command = [REDIS_SERVER]
        if sentinel:
            config = directory / "sentinel.conf"
            config.write_text("\n".join(args) + "\n")
            command += [str(config), "--sentinel"]
            args = ()
        command += ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)]
        # No snapshots, and a replica's full sync starts at once (Redis waits 5 s by default).
        command += ["--save", "", "--protected-mode", "no", "--repl-diskless-sync-delay", "0"]
        command += list(args)
        with (directory / "log").open("ab") as log:
            self.processes[port] = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 10
        while not _ping(port):
            if self.processes[port].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis on {port} did not start: {self.log(port)}")
            time.sleep(0.05)

    def log(self, port: int) -> str:
        """Return a server's log."""
        return (self.root / str(port) / "log").read_text(errors="replace")

    def kill(self, port: int) -> None:
        """Kill one server with SIGKILL, as a crash would."""
        process = self.processes.pop(port)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop(self) -> None:
        """Kill every server still running, each by its pid."""
        for port in list(self.processes):
            self.kill(port)


def start_cluster(root: Path) -> tuple[Servers, list[int]]:
    """Start three masters and join them into one cluster; return the servers and ports."""
    assert REDIS_CLI is not None
    servers = Servers(root)
    ports = free_ports(3, bus=True)
    try:
        for port in ports:
            servers.start(
                port,
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                str(root / f"nodes-{port}.conf"),
                "--cluster-node-timeout",
                "2000",
                "--appendonly",
                "no",
            )
        subprocess.run(
            [REDIS_CLI, "--cluster", "create", *[f"127.0.0.1:{p}" for p in ports]]
            + ["--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        deadline = time.monotonic() + 20
        while True:
            info = subprocess.run(
                [REDIS_CLI, "-p", str(ports[0]), "cluster", "info"],
                capture_output=True,
                text=True,
                timeout=5,
            ).stdout
            if "cluster_state:ok" in info:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"cluster not ok in 20 s: {info}")
            time.sleep(0.1)
    except BaseException:
        servers.stop()
        raise
    return servers, ports


MASTER_NAME = "mymaster"


def wait_for_replica(port: int, timeout: float = 20.0) -> None:
    """Wait until the replica on ``port`` has synced with its master."""
    assert REDIS_CLI is not None
    deadline = time.monotonic() + timeout
    while True:
        info = subprocess.run(
            [REDIS_CLI, "-p", str(port), "info", "replication"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout
        if "master_link_status:up" in info:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"replica on {port} not in sync in {timeout} s: {info}")
        time.sleep(0.05)


def start_sentinel(root: Path) -> tuple[Servers, int, int, list[int]]:
    """Start a master, a replica and three sentinels; return the servers and their ports."""
    servers = Servers(root)
    master, replica, *sentinels = free_ports(5)
    try:
        servers.start(master, "--appendonly", "yes", "--appendfsync", "everysec")
        servers.start(
            replica,
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--replicaof",
            "127.0.0.1",
            str(master),
        )
        wait_for_replica(replica)
        for port in sentinels:
            servers.start(
                port,
                f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master} 2",
                f"sentinel down-after-milliseconds {MASTER_NAME} 1000",
                f"sentinel failover-timeout {MASTER_NAME} 5000",
                f"sentinel parallel-syncs {MASTER_NAME} 1",
                sentinel=True,
            )
    except BaseException:
        servers.stop()
        raise
    return servers, master, replica, sentinels
