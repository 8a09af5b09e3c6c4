"""HTTP benchmarks: gunicorn serving the app on loopback, loaded by wrk."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
LUA = Path(__file__).with_name("post.lua")
READY_TIMEOUT_S = 90
# Innermost frames where a thread blocks rather than computes.
WAITS = {
    "EpollSelector.select",
    "SocketBuffer._read_from_socket",
    "_HiredisParser.read_from_socket",
    "Condition.wait",
    "_worker",
    "Thread._wait_for_tstate_lock",
    "Arbiter.sleep",
}


def free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn with the project's configuration on a free loopback port, stopped by pid."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        options: list[str] | None = None,
        profile_to: Path | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            str(BIN / "gunicorn"),
            "--config",
            "python:service.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{self.port}",
            *(options or []),
            "service.app:create_app()",
        ]
        if profile_to is not None:
            # py-spy starts gunicorn and samples every process it forks.
            command = [
                str(BIN / "py-spy"),
                *("record", "--subprocesses", "--rate", "250", "--format", "raw"),
                *("--output", str(profile_to), "--"),
                *command,
            ]
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            command, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.profiled = profile_to is not None
        self.pids: set[int] = {self.process.pid}
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Wait until /readyz answers 200, or fail with the server's log."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as response:
                    if response.status == 200:
                        self.pids |= set(self.descendants())
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not become ready; see {self.log.name}")

    def descendants(self) -> list[int]:
        """Return the pids of every process below the one started."""
        found, todo = [], [self.process.pid]
        while todo:
            out = subprocess.run(
                ["ps", "-o", "pid=", "--ppid", str(todo.pop())], capture_output=True, text=True
            ).stdout
            children = [int(p) for p in out.split()]
            found += children
            todo += children
        return found

    def master_pid(self) -> int:
        """Return the pid of the gunicorn master."""
        if not self.profiled:
            return self.process.pid
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return int(out.split()[0])

    def cpu_s(self) -> float:
        """Return the CPU seconds gunicorn's master and workers have used."""
        return cpu_s(self.pids)

    def worker_rss_kib(self) -> dict[str, int]:
        """Return the resident memory of the master and of each worker, in KiB."""
        master = self.master_pid()
        workers = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
        ).stdout.split()
        return {"master": _rss(master)} | {
            f"worker_{i}": _rss(int(p)) for i, p in enumerate(workers)
        }

    def stop(self) -> None:
        """Stop gunicorn gracefully, then kill by pid whatever is still running."""
        self.pids |= set(self.descendants())
        try:
            os.kill(self.master_pid(), signal.SIGTERM)
        except (ProcessLookupError, IndexError):
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        for pid in sorted(self.pids):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
        self.process.wait(timeout=10)
        self.log.close()
        deadline = time.monotonic() + 10
        running = [pid for pid in self.pids if _running(pid)]
        while running and time.monotonic() < deadline:
            time.sleep(0.1)
            running = [pid for pid in running if _running(pid)]
        if running:
            raise RuntimeError(f"processes {running} outlived SIGKILL")


def _running(pid: int) -> bool:
    """Return whether a process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return not any(line.startswith("State:\tZ") for line in f)
    except FileNotFoundError:
        return False


def cpu_s(pids: set[int] | list[int]) -> float:
    """Return the CPU seconds (user + system) the running processes among pids have used."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _rss(pid: int) -> int:
    """Return a process's resident set size in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wrk(
    url: str, connections: int, seconds: int, bodies: Path, key: str, run: str
) -> dict[str, Any]:
    """Load ``url`` with wrk for ``seconds``; return req/s, latency percentiles and errors."""
    env = os.environ | {"BENCH_BODIES": str(bodies), "BENCH_API_KEY": key, "BENCH_RUN": run}
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(LUA), url]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    summary = json.loads(line.removeprefix("BENCH "))
    seconds_run = summary["duration_us"] / 1e6
    return {
        "connections": connections,
        "seconds": seconds_run,
        "req_per_s": round(summary["requests"] / seconds_run, 1),
        "p50_ms": summary["p50_us"] / 1e3,
        "p90_ms": summary["p90_us"] / 1e3,
        "p99_ms": summary["p99_us"] / 1e3,
        "requests": summary["requests"],
        "non_2xx": summary["non_2xx"],
        "socket_errors": summary["socket_errors"],
        "cpu_s": {"wrk": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime},
    }


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Combine runs of one variant: overall req/s, median and worst of the percentiles.

    ``cpu_ms_per_request`` is the CPU each process group used per request: unlike req/s,
    it hardly changes with what else the machine runs.
    """
    requests = sum(r["requests"] for r in runs)
    cpu = {name: sum(r["cpu_s"][name] for r in runs) for name in runs[0]["cpu_s"]}
    return {
        "connections": runs[0]["connections"],
        "runs": len(runs),
        "req_per_s": round(requests / sum(r["seconds"] for r in runs), 1),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 3),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 3),
        "p99_ms_worst": max(r["p99_ms"] for r in runs),
        "requests": requests,
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
        "cpu_ms_per_request": {k: round(v * 1e3 / max(requests, 1), 4) for k, v in cpu.items()},
    }


def write_bodies(path: Path, texts: list[str]) -> Path:
    """Write one JSON comment per line, each with the id placeholder of post.lua."""
    with path.open("w", encoding="utf-8") as f:
        for text in texts:
            comment = {
                "id": "@ID@",
                "content": text,
                "author": {"name": "bench reader"},
                "post": {"id": "post-1", "title": "Benchmarks"},
            }
            f.write(json.dumps(comment) + "\n")
    return path


def summarise_profile(raw: Path, top: int = 40) -> dict[str, Any]:
    """Return where gunicorn workers spent their time in a py-spy raw profile.

    A worker sample passes through ``init_process`` (its main thread) or starts a thread
    (gthread's request threads); its boot (``load_wsgi``) is left out. A sample whose
    innermost frame blocks (epoll, a socket read, a queue) is waiting; the others are busy.
    For busy samples, ``inclusive`` counts each function on the stack (leaving out frames
    in over 90% of them) and ``self`` only the innermost.
    """
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    waiting: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [_frame(f) for f in stack.split(";") if f and not f.startswith("process ")]
        names = {f.partition(" ")[0] for f in frames}
        worker = "Worker.init_process" in names or (frames and frames[0].startswith("Thread."))
        if not worker or "Worker.load_wsgi" in names:
            continue
        if frames[-1].partition(" ")[0] in WAITS:
            waiting[frames[-1]] += int(count)
            continue
        for name in set(frames):
            inclusive[name] += int(count)
        own[frames[-1]] += int(count)
    busy = sum(own.values())
    share = lambda n: round(100 * n / max(busy, 1), 1)  # noqa: E731
    return {
        "busy_samples": busy,
        "waiting_samples": dict(waiting.most_common(top)),
        "inclusive_pct": {
            k: share(v) for k, v in [x for x in inclusive.most_common() if x[1] < 0.9 * busy][:top]
        },
        "self_pct": {k: share(v) for k, v in own.most_common(top)},
    }


def _frame(frame: str) -> str:
    """Turn ``func (path/to/file.py:12)`` into ``func (file.py)``."""
    name, _, where = frame.partition(" (")
    return f"{name} ({Path(where.rstrip(')').rpartition(':')[0]).name})"


def have_wrk() -> bool:
    """Return whether wrk is installed."""
    return shutil.which("wrk") is not None
