"""The billing bench's report, as printed and written beside `bench/results/`."""

from __future__ import annotations

from typing import Any

from common import (
    finish_report,
    fmt,
)
from cpu_profile import report_lines as profile_lines


def report(results: dict[str, Any]) -> str:
    lines = ["", "Billing bench: the first-of-the-month run (embedded stack, loopback)", "=" * 78]
    m = results["machine"]
    lines.append(f"machine: {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}")
    b, mw = results.get("billing"), results.get("minimal")
    if b:
        d = b["dates"]
        lines.append(
            f"each subscription: active since {d['start_date']}, billed through "
            f"{d['billed_through']}; period {d['period_start']}..{d['period_end']} due, "
            f"{b['monthly_cents'] / 100:.2f} $ on the sandbox card"
        )
        lines.append("")
        w = 36
        lines.append(f"  {'':<{w}}{'billing':>18}{'minimal (1 act.)':>20}")

        def row(label: str, bv: Any, mv: Any = None) -> None:
            lines.append(f"  {label:<{w}}{fmt(bv):>18}{fmt(mv):>20}")

        def get(r: dict[str, Any] | None, *path: str) -> Any:
            for key in path:
                if r is None:
                    return None
                r = r.get(key)
            return r

        row("workflows", b["workflows"], get(mw, "workflows"))
        row(
            "started (failures)",
            f"{b['started']} ({sum(b['start_failures'].values())})",
            mw and f"{mw['started']} ({sum(mw['start_failures'].values())})",
        )
        row("starts submitted in, s", b["starts_submitted_s"], get(mw, "starts_submitted_s"))
        row("starts/s", b["starts_per_s"], get(mw, "starts_per_s"))
        row("done (charged | activity done)", b["charged"], get(mw, "completed"))
        row("wall: first start -> all done, s", b["wall_s"], get(mw, "wall_s"))
        row("done per second", b["rate"]["per_s"], get(mw, "rate", "per_s"))
        row(
            "done per second, 10 % -> 90 %",
            b["rate"]["per_s_10_to_90"],
            get(mw, "rate", "per_s_10_to_90"),
        )
        row(
            "all closed (visibility), s",
            b["all_continued_as_new_seen_s"],
            get(mw, "all_completed_seen_s"),
        )
        row("first done after, s", b["rate"]["first_done_s"], get(mw, "rate", "first_done_s"))
        row("50 % done after, s", b["rate"]["t50_s"], get(mw, "rate", "t50_s"))
        row(
            "worker RSS before, MiB",
            b["rss_mib"]["at_rest_before"].get("worker"),
            get(mw, "rss_mib", "at_rest_before", "minimal_worker"),
        )
        row(
            "worker peak RSS (0.5 s samples), MiB",
            b["rss_mib"]["peak_sampled"].get("worker"),
            get(mw, "rss_mib", "peak_sampled", "minimal_worker"),
        )
        row(
            "worker VmHWM after, MiB",
            b["rss_mib"]["worker_vmhwm_after"],
            get(mw, "rss_mib", "worker_vmhwm_after"),
        )
        row(
            "worker RSS after, MiB",
            b["rss_mib"]["after"].get("worker"),
            get(mw, "rss_mib", "after", "minimal_worker"),
        )
        row(
            "Temporal server peak RSS, MiB",
            b["rss_mib"]["peak_sampled"].get("temporal"),
            get(mw, "rss_mib", "peak_sampled", "temporal"),
        )
        row("apps (payments...) peak RSS, MiB", b["rss_mib"]["peak_sampled"].get("payments"))
        row("CPU s: worker", b["cpu_s"].get("worker"), get(mw, "cpu_s", "minimal_worker"))
        row("CPU s: Temporal server", b["cpu_s"].get("temporal"), get(mw, "cpu_s", "temporal"))
        row("CPU s: apps (payments...)", b["cpu_s"].get("payments"))
        row("CPU s: bench (client)", b["cpu_s"].get("bench"), get(mw, "cpu_s", "bench"))
        if b["rate"]["per_s"] and mw and get(mw, "rate", "per_s"):
            ratio = b["rate"]["per_s"] / mw["rate"]["per_s"]
            lines.append(
                f"  billing at {round(ratio * 100)} % of the minimal workflows' rate"
                "   target >= 60 % (issue 14)   " + ("met" if ratio >= 0.6 else "NOT MET")
            )
        g = b.get("gateway")
        if g:
            rate = g["rate_per_s"]
            bound = f"target <= {rate:g} a second" if rate else "no rate set (0: no limit)"
            verdict = "" if g["bounded"] is None else ("met" if g["bounded"] else "NOT MET")
            lines.append(
                f"  gateway calls: {g['gateway_calls']} over {g['seconds_with_calls']} s, busiest "
                f"second {g['busiest_second']}   {bound}   {verdict}"
            )
        hwm = b["rss_mib"]["worker_vmhwm_after"]
        cached = results["parameters"].get("max_cached_workflows") or "default"
        lines.append(
            f"  worker peak RSS {fmt(hwm)} MiB with WORKFLOWS_MAX_CACHED_WORKFLOWS {cached}"
        )
        c = b["charges"]
        lines.append("")
        lines.append(
            f"checks: charges {c['by_status']}, {c['distinct_subscriptions']} subscriptions, "
            f"amounts {c['amount_cents_min_max']} cents, invoices {c['invoices_by_status']}"
        )
        lines.append(
            f"  SubscriptionWorkflow runs: {fmt(b['workflows_continued_as_new'])} continued-as-new,"
            f" {fmt(b['workflows_running'])} running (waiting for next month)"
        )
        lines.append(
            f"  activities scheduled by {b['sample_checked']} sampled first runs: "
            f"{b['sample_activity_types']}; their latest runs: {b['sample_latest_runs']}"
        )
        wl = b["worker_log"]
        lines.append(
            f"  worker log during the run: {wl['problems']} problem line(s) of "
            f"{wl['lines_checked']}"
        )
        lines.extend(f"    {example[:160]}" for example in wl["examples"])
        if b["start_failures"]:
            lines.append(f"  start failures: {b['start_failures']}")
    if b and b.get("cpu_profile"):
        lines += profile_lines(b["cpu_profile"])
    if mw and mw["start_failures"]:
        lines.append(f"  minimal start failures: {mw['start_failures']}")
    return finish_report(lines, results, "billing")
