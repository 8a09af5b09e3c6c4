"""The Markdown summary of a benchmark run."""

from __future__ import annotations

from typing import Any

TARGETS = {
    "check / floor req/s, 16 connections": (">=", 0.5),
    "the same, from CPU per request": (">=", 0.5),
    "check p99 at 16 connections (ms)": ("<=", 15.0),
    "one-comment check, median (ms)": ("<=", 0.2),
    "batch of 1,000 (comments/s)": (">=", 25_000.0),
    "language id of one comment, uncached, median (ms)": ("<=", 0.05),
}


def _met(value: float, rule: tuple[str, float]) -> str:
    """Return ``met`` or ``NOT met`` for a value against a target."""
    op, bound = rule
    ok = value >= bound if op == ">=" else value <= bound
    return "met" if ok else "NOT met"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    """Return a Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines + [""]


def render(r: dict[str, Any]) -> str:
    """Return the Markdown summary of a results dict."""
    ip, http = r["in_process"], r["http"]
    one = ip["scoring"]["one_comment"]
    batch = ip["scoring"]["batch_comments_per_s"]
    at16 = http["configured"]["16"]
    reached = {
        "check / floor req/s, 16 connections": at16["check_ratio"],
        "the same, from CPU per request": at16["check_cpu_ratio"],
        "check p99 at 16 connections (ms)": at16["check"]["p99_ms"],
        "one-comment check, median (ms)": one["fast_check"]["median_ms"],
        "batch of 1,000 (comments/s)": batch["1000"]["fast_predict_proba"],
        "language id of one comment, uncached, median (ms)": one["language_id_uncached"][
            "median_ms"
        ],
    }
    m = r["machine"]
    out = [
        "# Benchmark results",
        "",
        f"Run {r['started_at']}, {r['duration_s']} s, {m['cpus']} CPUs, Python {m['python']},"
        f" scikit-learn {m['sklearn']}; load average at start {m['load_average_at_start']},"
        f" at end {m['load_average_at_end']}. Absolute numbers depend on the machine and on"
        " whatever else runs on it; ratios are measured in the same run.",
        "",
        "Phases: " + "; ".join(f"{k} {v} s" for k, v in r.get("phases_s", {}).items()) + ".",
        "",
        "## Targets",
        "",
    ]
    out += _table(
        ["target", "bound", "reached", ""],
        [
            [k, f"{op} {b:g}", reached[k], _met(reached[k], (op, b))]
            for k, (op, b) in TARGETS.items()
        ],
    )
    out += [
        "## HTTP (gunicorn as configured, wrk on loopback)",
        "",
        "Each variant ran in rounds, taking turns with the others. req/s is over all rounds;"
        " x floor is the median of the rounds' ratios; p50 and p99 are the medians of the"
        " rounds'. CPU ms per request is what wrk, gunicorn (master and workers) and Redis"
        " used, and x floor (CPU) the ratio of those totals: what x floor would be with both"
        " CPUs free for this benchmark.",
        "",
    ]
    rows = []
    for conns, row in http["configured"].items():
        for variant in ("floor", "check", "check_unsure"):
            x = row[variant]
            cpu = x["cpu_ms_per_request"]
            rows.append(
                [
                    conns,
                    variant,
                    x["req_per_s"],
                    row.get(f"{variant}_ratio", 1.0),
                    x["p50_ms"],
                    x["p99_ms"],
                    x["p99_ms_worst"],
                    f"{cpu['gunicorn']:.3f} / {cpu['redis']:.3f} / {cpu['wrk']:.3f}",
                    row.get(f"{variant}_cpu_ratio", 1.0),
                    x["non_2xx"] + x["socket_errors"],
                ]
            )
    out += _table(
        [
            "connections",
            "endpoint",
            "req/s",
            "x floor",
            "p50 ms",
            "p99 ms",
            "worst p99 ms",
            "CPU ms/req gunicorn / Redis / wrk",
            "x floor (CPU)",
            "errors",
        ],
        rows,
    )
    out += [
        "Worker classes and counts, 16 connections (the configured server's row is its run"
        " above; each other server ran its own rounds):",
        "",
    ]
    out += _table(
        ["config", "floor req/s", "check req/s", "x floor", "x floor (CPU)", "check p99 ms"],
        [
            [
                name,
                c["floor"]["req_per_s"],
                c["check"]["req_per_s"],
                c["check_ratio"],
                c["check_cpu_ratio"],
                c["check"]["p99_ms"],
            ]
            for name, c in http["configs_at_16"].items()
        ],
    )
    out += [f"Resident memory (KiB): {http['rss_kib']}", ""]
    out += ["## In-process scoring", ""]
    out += _table(
        ["one comment", "median ms", "p99 ms"],
        [[k, v["median_ms"], v["p99_ms"]] for k, v in one.items() if isinstance(v, dict)],
    )
    out += _table(
        ["batch size", "sklearn predict_proba /s", "fast predict_proba /s", "fast check /s"],
        [
            [size, v["sklearn_predict_proba"], v["fast_predict_proba"], v["fast_check"]]
            for size, v in batch.items()
        ],
    )
    t = ip["training"]
    out += [f"Training recipe on the shipped corpus: {t['recipe_on_shipped_s']} s.", ""]
    out += _table(
        ["rows (resampled)", "one fit, s"], [[x["rows"], x["fit_s"]] for x in t["fit_by_rows"]]
    )
    model = ip["model"]
    out += [
        f"Model: {model['joblib_bytes']} bytes on disk (joblib, compressed), {model['columns']}"
        f" columns; the compiled fast path takes {model['compiled_kib']} KiB.",
        "",
    ]
    profile = http.get("profile_check_16")
    if profile:
        out += [
            "## Profile of /v1/comments/check at 16 connections",
            "",
            f"py-spy, gunicorn workers: {profile['busy_samples']} busy samples; waiting"
            f" samples by innermost frame: {profile['waiting_samples']}. Shares below are of"
            " the busy samples; frames in over 90% of them are left out.",
            "",
        ]
        out += _table(
            ["function (inclusive)", "% of samples"], list(profile["inclusive_pct"].items())
        )
        out += _table(["function (self)", "% of samples"], list(profile["self_pct"].items()))
    return "\n".join(out)
