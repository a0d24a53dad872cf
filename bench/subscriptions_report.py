"""The subscriptions bench's report, as printed and written beside `bench/results/`."""

from __future__ import annotations

from typing import Any

from common import (
    finish_report,
    fmt,
)
from cpu_profile import report_lines as profile_lines
from databases import kind
from load import (
    PLATE_SITE,
)
from targets import lifecycle_targets


def load_row(name: str, r: dict[str, Any]) -> str:
    lat = r["latency"]
    return (
        f"  {name:<30}{r['requests_per_s']:>10}{fmt(lat['p50_ms']):>9}{fmt(lat['p99_ms']):>9}"
        f"{fmt(lat['max_ms']):>9}{r['errors']:>8}"
    )


def report(results: dict[str, Any]) -> str:
    lines = ["", "Subscriptions bench (embedded stack, loopback)", "=" * 72]
    m = results["machine"]
    lines.append(f"machine: {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}")
    setup = results.get("setup")
    if setup:
        lines.append(
            f"setup: {setup['accounts_opened']} accounts opened via the emailed link, "
            f"{len(setup['bench_offerings'])} bench DAS offerings, "
            f"{setup['active_plate_subscriptions']} active subscriptions at plate site "
            f"#{PLATE_SITE} ({setup['authorised_plates']} plates), in {setup['seconds']} s"
        )
    pc = results.get("plate_check")
    if pc:
        lines.append("")
        lines.append(
            f"Plate check at {pc['concurrency']} concurrent, {pc['window_s']} s window "
            f"after {pc['warmup_s']} s warm-up (uvicorn {pc['uvicorn']})"
        )
        lines.append(
            f"  {'generator / endpoint':<30}{'req/s':>10}{'p50':>9}{'p99':>9}{'max':>9}"
            f"{'errors':>8}"
        )
        for name, r in pc["runs"].items():
            lines.append(load_row(name, r) + "  ms")
        best = pc["headline_generator"]
        runs = pc["runs"]
        used = pc.get("generators", [best])
        lines.append(
            "  load generator(s): "
            + ", ".join(
                f"{g} (bare endpoint {runs[f'{g}/bare_fastapi']['requests_per_s']} req/s)"
                for g in used
            )
            + ("" if "wrk" in used else "; wrk not installed: raw asyncio fallback")
        )
        plate = pc["runs"][f"{best}/plate_check"]
        why = "C, leaves the CPUs to the servers" if best == "wrk" else "drives the bare faster"
        lines.append(
            f"  headline ({best}, {why}): "
            f"plate check at {fmt(pc['throughput_ratio'] and round(pc['throughput_ratio'] * 100))}"
            f"% of the bare endpoint's req/s, p99 {plate['latency']['p99_ms']} ms "
            f"(target: p99 < 10 ms, >= 70%)"
        )
    lc = results.get("lifecycle")
    if lc:
        lines.append("")
        lines.append(
            f"Lifecycle: {lc['subscriptions']} requests by {lc['users']} users on "
            f"{lc['offerings']} DAS offerings, approved by the operator, {lc['in_flight']} in "
            f"flight"
        )
        lines.append(f"  statuses {lc['statuses']}")
        lines.append(
            f"  {lc['active_with_contract']} active with contract in {lc['wall_s']} s: "
            f"{lc['subscriptions_per_s']} subscriptions/s"
        )
        lines.append(f"  {'':<34}{'p50':>9}{'p99':>9}{'max':>9}")
        for key, label in (
            ("submit_201", "POST /v1/subscriptions (201)"),
            ("decision_200", "operator decision (200)"),
            ("decision_to_contract", "decision -> contract issued"),
            ("request_to_active_with_contract", "request -> active with contract"),
        ):
            s = lc[key]
            lines.append(
                f"  {label:<34}{fmt(s['p50_ms']):>9}{fmt(s['p99_ms']):>9}{fmt(s['max_ms']):>9}  ms"
            )
        lines.append(f"  (status polled every {lc['poll_period_ms']:.0f} ms)")
    mw = results.get("minimal_workflows")
    if mw:
        s = mw["start_to_result"]
        lines.append(
            f"Minimal workflows (one no-op activity): {mw['completed']}/{mw['workflows']} in "
            f"{mw['wall_s']} s, {mw['workflows_per_s']} workflows/s, {mw['in_flight']} in "
            f"flight; start -> result p50 {fmt(s['p50_ms'])} ms, p99 {fmt(s['p99_ms'])} ms"
            + (f"; failures {mw['failures']}" if mw["failures"] else "")
        )
        if lc and mw["workflows_per_s"] and lc["subscriptions_per_s"] is not None:
            ratio = lc["subscriptions_per_s"] / mw["workflows_per_s"]
            lines.append(
                f"  lifecycle at {round(ratio * 100)}% of the minimal workflows' rate"
                "   target >= 25% (issue 14)   " + ("met" if ratio >= 0.25 else "NOT MET")
            )
            per = results.get("cpu_profile", {}).get("per_lifecycle")
            if per and per["activities"]:
                lines.append(
                    f"  per activity: {lc['subscriptions_per_s']} lifecycles/s x "
                    f"{per['activities']} activities = "
                    f"{round(lc['subscriptions_per_s'] * per['activities'], 1)} activities/s, "
                    f"{round(ratio * per['activities'] * 100)}% of the minimal rate "
                    "(1 activity each)"
                )
    if results.get("cpu_profile"):
        lines += profile_lines(results["cpu_profile"])
    if lc:
        lines += lifecycle_targets(lc, kind(results["parameters"].get("database_url")))
    return finish_report(lines, results, "subscriptions")
