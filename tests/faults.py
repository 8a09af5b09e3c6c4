"""Fault-test figures: each test's counts go to a JSON file and the table of docs/reliability.md."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "faults.json"
DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- faults:begin -->", "<!-- faults:end -->"
ORDER = ("redis", "worker", "lease", "race")


def record(name: str, **row: Any) -> None:
    """Store one fault's figures from this run and rewrite the table in docs/reliability.md."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[name] = row | {"run_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    lines = [
        "| fault | what was sent | sent | 2xx | 503 | lost | also | run |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for key in sorted(results, key=lambda k: ORDER.index(k) if k in ORDER else len(ORDER)):
        r = results[key]
        lines.append(
            f"| {r['fault']} | {r['sent_what']} | {r['sent']:,} | {r['ok']:,} | "
            f"{r['unavailable']:,} | {r['lost']:,} | {r['also']} | {r['run_at']} |"
        )
    text = DOC.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOC.write_text(text[:start] + "\n" + "\n".join(lines) + "\n" + text[end:])


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process this test started, by its pid, and reap it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(10)


def wait_for(condition: Any, timeout: float, what: str) -> None:
    """Poll ``condition`` until it is true, or fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout} s")
