"""Issue 14's latency targets, printed beside the figures of the same run (never asserted).

Each line: the figure, its target, met or not, and the machine's 1-minute load average before
and after the measurement (the machine is shared: compare runs made in the same conditions).
"""

from __future__ import annotations

from typing import Any

from common import fmt, target_line


def _load(part: dict[str, Any]) -> str:
    before, after = part.get("load_average") or (None, None)
    return f"load {fmt(before)} -> {fmt(after)}"


def _waits(part: dict[str, Any], key: str) -> list[str]:
    lines = []
    for mode, w in (part.get(key) or {}).items():
        if w["begins"]:
            lines.append(
                f"      {key.split('_')[0]} {mode} BEGINs: {w['begins']}, mean wait "
                f"{fmt(w['mean_ms'])} ms, {w['over_100ms']} over 100 ms"
            )
    return lines


def accounts_targets(results: dict[str, Any], database: str) -> list[str]:
    lines = ["", f"Targets (issue 14), databases: {database}"]
    signups = results.get("signups")
    if signups:
        r = signups["response"]
        p50, p99 = r["p50_ms"], r["p99_ms"]
        ratio = round(p99 / p50, 1) if p50 and p99 else None
        lines.append(
            target_line(
                f"signup 202 p99 / p50, {signups['concurrency']} concurrent",
                f"{fmt(p99)} / {fmt(p50)} ms = {fmt(ratio)}x",
                "<= 3x",
                None if ratio is None else ratio <= 3,
            )
        )
        lines.append(f"      {_load(signups)}")
        lines += _waits(signups, "identity_begin_waits")
    logins = results.get("logins")
    if logins:
        p99 = logins["latency"]["p99_ms"]
        lines.append(
            target_line(
                f"login p99, {logins['concurrent_users']} concurrent",
                f"{fmt(p99)} ms (p50 {fmt(logins['latency']['p50_ms'])})",
                "<= 1000 ms",
                None if p99 is None else p99 <= 1000,
            )
        )
        lines.append(f"      {_load(logins)}")
        lines += _waits(logins, "identity_begin_waits")
    return lines


def lifecycle_targets(lifecycle: dict[str, Any], database: str) -> list[str]:
    n = lifecycle["in_flight"]
    submit, decision = lifecycle["submit_201"], lifecycle["decision_200"]
    lines = ["", f"Targets (issue 14), databases: {database}"]
    lines.append(
        target_line(
            f"POST /v1/subscriptions p99, {n} in flight",
            f"{fmt(submit['p99_ms'])} ms (p50 {fmt(submit['p50_ms'])})",
            "<= 1000 ms",
            None if submit["p99_ms"] is None else submit["p99_ms"] <= 1000,
        )
    )
    lines.append(
        target_line(
            f"operator decision p50, {n} in flight",
            f"{fmt(decision['p50_ms'])} ms",
            "<= 300 ms",
            None if decision["p50_ms"] is None else decision["p50_ms"] <= 300,
        )
    )
    lines.append(
        target_line(
            f"operator decision p99, {n} in flight",
            f"{fmt(decision['p99_ms'])} ms",
            "<= 1000 ms",
            None if decision["p99_ms"] is None else decision["p99_ms"] <= 1000,
        )
    )
    lines.append(f"      {_load(lifecycle)}")
    lines += _waits(lifecycle, "subscriptions_begin_waits")
    return lines
