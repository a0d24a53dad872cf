"""The embedded stack's memory at rest (issue 14): RSS and PSS per process and in total, beside
the 600 MiB RSS target; printed, never asserted.

    .venv/bin/python bench/memory.py                      # as `make run` runs it today
    .venv/bin/python bench/memory.py --runner honcho      # the Procfile under honcho, to compare

Starts the Procfile on free ports and a temporary data folder (bench/embedded.py), waits until
every component answers, lets it rest `--idle` seconds, reads every process of the tree
(/proc/<pid>/smaps_rollup through psutil: RSS counts a shared page in each process that maps it,
PSS divides it among them, USS is what the process alone holds), stops it with SIGINT as Ctrl-C
does, prints a table and writes bench/results/memory-<runner>.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import Any

import psutil
from common import machine, save_results
from embedded import RUNNERS, embedded

TARGET_RSS_MIB = 600
# Which Procfile entry a process belongs to, from its command line (first match wins).
ROLES = (
    ("temporal", ("temporal_dev", "start-dev")),
    ("mail", ("mailcatcher",)),
    ("identity", ("services.identity",)),
    ("subscriptions", ("services.subscriptions",)),
    ("payments", ("services.payments",)),
    ("apps", ("deploy/embedded/apps.py",)),
    ("worker", ("workflows.worker",)),
    ("web", ("web.main",)),
    ("runner", ("supervisor.py", "honcho")),
)


def role(cmdline: str) -> str:
    for name, keys in ROLES:
        if any(k in cmdline for k in keys):
            return name
    return "other"


def describe(proc: psutil.Process) -> dict[str, Any] | None:
    """One process: its role, what it runs, and its memory in MiB."""
    try:
        cmdline = " ".join(proc.cmdline())
        info = proc.memory_full_info()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    name = role(cmdline)
    shell = cmdline.startswith(("/bin/sh", "sh "))
    return {
        "pid": proc.pid,
        "role": name,
        "what": "shell" if shell else proc.name(),
        "rss_mib": round(info.rss / 2**20, 1),
        "pss_mib": round(getattr(info, "pss", 0) / 2**20, 1),
        "uss_mib": round(info.uss / 2**20, 1),
    }


def measure(runner: str, idle: float) -> dict[str, Any]:
    with embedded(runner) as stack:
        time.sleep(idle)
        rows = [row for p in stack.processes() if (row := describe(p)) is not None]
    rows.sort(key=lambda r: (r["role"], -r["rss_mib"]))
    total = {k: round(sum(r[k] for r in rows), 1) for k in ("rss_mib", "pss_mib", "uss_mib")}
    return {"processes": rows, "count": len(rows), "total": total}


def report(results: dict[str, Any]) -> str:
    lines = [
        "",
        f"Embedded stack at rest ({results['runner']}, {results['idle_s']} s idle after ready)",
        "=" * 72,
        f"{'process':<16}{'pid':>8}  {'what':<12}{'RSS MiB':>10}{'PSS MiB':>10}{'USS MiB':>10}",
    ]
    for row in results["processes"]:
        lines.append(
            f"{row['role']:<16}{row['pid']:>8}  {row['what'][:12]:<12}"
            f"{row['rss_mib']:>10}{row['pss_mib']:>10}{row['uss_mib']:>10}"
        )
    total = results["total"]
    lines.append("-" * 72)
    lines.append(
        f"{'total':<16}{results['count']:>8}  {'processes':<12}"
        f"{total['rss_mib']:>10}{total['pss_mib']:>10}{total['uss_mib']:>10}"
    )
    verdict = "met" if total["rss_mib"] <= TARGET_RSS_MIB else "NOT met"
    lines.append(
        f"target: RSS <= {TARGET_RSS_MIB} MiB at rest -> {total['rss_mib']} MiB, {verdict}"
    )
    load = results["load_average"]
    lines.append(f"machine load average at the start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runner", choices=RUNNERS, default="supervisor")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds at rest before reading")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {
        "bench": "memory",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average": list(psutil.getloadavg()),
        "runner": args.runner,
        "idle_s": args.idle,
        "target_rss_mib": TARGET_RSS_MIB,
    }
    results.update(measure(args.runner, args.idle))
    print(report(results))
    save_results(results, f"memory-{args.runner}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
