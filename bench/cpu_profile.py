"""Where a lifecycle's CPU goes, per process (`bench/subscriptions.py --profile`, issue 14).

While the lifecycle runs, each Python process of the stack is sampled by py-spy (`py-spy record
--nonblocking --gil --format raw`, 100 Hz: a sample is the stack of the thread holding the GIL,
so 100 samples are about one CPU second of Python); every process's CPU time comes from the kernel
(psutil). A process's samples are sorted into parts by the files on their stacks (the table's
rows), and a part's milliseconds are its share of the samples applied to the process's CPU time
(so native code without the GIL, such as the Temporal SDK's Rust core or SQLite's C in
aiosqlite's threads, is spread over the parts; the Go dev server is not sampled at all).

The figures are per lifecycle: the process's CPU seconds over the run divided by the
lifecycles completed, and each part's share of that process's samples. Printed, never asserted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import psutil
from billing_probes import cpu_seconds
from common import executable
from stack import classify, tree

RATE_HZ = 100

# (part, path fragments): the first part any frame of a stack matches takes the sample, so the
# more specific parts come first.
WORKER_PARTS: list[tuple[str, tuple[str, ...]]] = [
    (
        "activities: PDF (fpdf2, pypdf, servicekit/pdf)",
        ("fpdf/", "pypdf/", "fontTools/", "servicekit/pdf"),
    ),
    ("activities: SMTP (aiosmtplib, servicekit/mail)", ("aiosmtplib/", "servicekit/mail")),
    ("activities: HTTP to the services (httpx)", ("httpx/", "httpcore/")),
    (
        "activities: other",
        ("temporalio/worker/_activity.py", "workflows/registration/activities", "activities.py"),
    ),
    (
        "workflow tasks (sandbox, workflow code)",
        ("_workflow_instance.py", "workflow_sandbox/", "workflows/subscription/workflows.py"),
    ),
    (
        "workflow tasks: SDK bridge (activations, payloads)",
        ("temporalio/worker/_workflow.py", "temporalio/converter.py", "temporalio/bridge/"),
    ),
]
APPS_PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("subscriptions service", ("services/subscriptions/",)),
    ("identity service", ("services/identity/",)),
    ("payments service (PDF included)", ("services/payments/",)),
    ("web portal", ("/web/",)),
    # SQLAlchemy's async API runs the ORM in greenlets, whose stacks do not show the caller.
    (
        "SQLAlchemy ORM (in its greenlets: the calling service is not on the stack)",
        ("sqlalchemy/",),
    ),
    (
        "HTTP server, middleware (uvicorn, starlette, servicekit)",
        ("uvicorn/", "starlette/", "servicekit/observability"),
    ),
]
PARTS = {
    "worker": WORKER_PARTS,
    "apps": APPS_PARTS,
    "mail": [("mail catcher", ("mailcatcher/", "aiosmtpd/"))],
}


def part_of(stack: str, parts: list[tuple[str, tuple[str, ...]]]) -> str:
    for name, fragments in parts:
        if any(f in stack for f in fragments):
            return name
    return "other Python (event loop, SDK, SQLAlchemy outside a request)"


class CpuProfile:
    """py-spy on each Python process of the stack, and every process's CPU time."""

    def __init__(self, stack_pid: int) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-pyspy-"))  # removed by stop()
        self.procs: dict[str, list[psutil.Process]] = {}
        for proc in tree(stack_pid):
            self.procs.setdefault(classify(proc), []).append(proc)
        self.cpu_before = {name: self._cpu(name) for name in self.procs}
        self.spies: dict[str, subprocess.Popen[bytes]] = {}
        self.errors: list[str] = []

    def _cpu(self, name: str) -> float:
        return sum(cpu_seconds(p) or 0.0 for p in self.procs[name])

    def start(self) -> None:
        for name in PARTS:
            for proc in self.procs.get(name, []):
                out = self.folder / f"{name}-{proc.pid}.txt"
                command = [executable("py-spy"), "record", "--pid", str(proc.pid), "--rate"]
                command += [
                    str(RATE_HZ),
                    "--nonblocking",
                    "--gil",
                    "--full-filenames",
                    "--format",
                    "raw",
                ]
                command += ["--output", str(out)]
                self.spies[f"{name}-{proc.pid}"] = subprocess.Popen(
                    command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
                )

    def stop(self, lifecycles: int, unit: str = "lifecycle") -> dict[str, Any]:
        """Stop the samplers we started (SIGINT: py-spy writes its file), and sum up."""
        cpu = {name: round(self._cpu(name) - self.cpu_before[name], 1) for name in self.procs}
        for key, spy in self.spies.items():
            if spy.poll() is None:
                spy.send_signal(signal.SIGINT)
            try:
                _, err = spy.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                spy.kill()
                _, err = spy.communicate()
            if spy.returncode not in (0, -signal.SIGINT):
                self.errors.append(f"{key}: {err.decode(errors='replace').strip()[-200:]}")
        per = max(lifecycles, 1)
        result: dict[str, Any] = {"rate_hz": RATE_HZ, "lifecycles": lifecycles, "unit": unit}
        result["processes"] = {}
        for name, seconds in sorted(cpu.items(), key=lambda kv: -kv[1]):
            entry: dict[str, Any] = {
                "cpu_s": seconds,
                "cpu_ms_per_lifecycle": round(seconds * 1000 / per, 1),
            }
            if name in PARTS:
                counts = self._samples(name)
                total = sum(counts.values())
                entry["python_samples"] = total
                entry["python_cpu_s"] = round(total / RATE_HZ, 1)
                # Each part: its share of the samples, applied to the kernel's CPU time.
                entry["parts"] = {
                    part: {
                        "share": round(n / total, 3),
                        "ms_per_lifecycle": round(seconds * 1000 / per * n / total, 1),
                    }
                    for part, n in counts.most_common()
                }
            result["processes"][name] = entry
        if self.errors:
            result["errors"] = self.errors
        if os.environ.get("BENCH_KEEP_PROFILES"):
            result["raw_profiles"] = str(self.folder)
        else:
            shutil.rmtree(self.folder, ignore_errors=True)
        return result

    def _samples(self, name: str) -> Counter[str]:
        counts: Counter[str] = Counter()
        for path in self.folder.glob(f"{name}-*.txt"):
            with contextlib.suppress(OSError):
                for line in path.read_text().splitlines():
                    stack, _, count = line.rpartition(" ")
                    if count.isdigit():
                        counts[part_of(stack, PARTS[name])] += int(count)
        return counts


async def history_counts(client: Any, workflow_type: str, sample: int) -> dict[str, float]:
    """Mean activities and workflow tasks per run of `workflow_type`, over a sample of runs."""
    from temporalio.api.enums.v1 import EventType

    runs = []
    async for info in client.list_workflows(f"WorkflowType='{workflow_type}'"):
        runs.append(info)
        if len(runs) >= sample:
            break
    activities = tasks = events = 0
    for info in runs:
        history = await client.get_workflow_handle(info.id, run_id=info.run_id).fetch_history()
        for event in history.events:
            events += 1
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                activities += 1
            elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                tasks += 1
    n = max(len(runs), 1)
    return {
        "runs_sampled": len(runs),
        "activities": round(activities / n, 1),
        "workflow_tasks": round(tasks / n, 1),
        "history_events": round(events / n, 1),
    }


async def profiled(profile: CpuProfile, lifecycle: dict[str, Any]) -> dict[str, Any]:
    """Stop the profile after the lifecycle run; count a sample of the lifecycles' histories."""
    from servicekit.settings import PlatformSettings
    from servicekit.temporal import connect
    from workflows.subscription.models import WORKFLOW_NAME

    result = profile.stop(lifecycle["active_with_contract"])
    client = await connect(PlatformSettings(), wait_seconds=30)
    result["per_lifecycle"] = await history_counts(client, WORKFLOW_NAME, 20)
    return result


def report_lines(profile: dict[str, Any]) -> list[str]:
    unit = profile.get("unit", "lifecycle")
    lines = [
        "",
        f"CPU per {unit}, per process ({profile['lifecycles']} done; py-spy at "
        f"{profile['rate_hz']} Hz: a part's ms is its share of the process's Python samples "
        "applied to the process's CPU time)",
        f"  {'process / part':<66}{'share':>7}{'ms':>9}",
    ]
    for name, entry in profile["processes"].items():
        sampled = entry.get("python_cpu_s")
        label = f"{name}: kernel CPU time" + (f" ({sampled} s sampled)" if sampled else "")
        lines.append(f"  {label:<66}{'':>7}{entry['cpu_ms_per_lifecycle']:>9}")
        for part, figures in entry.get("parts", {}).items():
            share = f"{figures['share'] * 100:.0f}%"
            lines.append(f"    {part:<64}{share:>7}{figures['ms_per_lifecycle']:>9}")
    for error in profile.get("errors", []):
        lines.append(f"  py-spy error: {error}")
    counts = profile.get("per_lifecycle")
    if counts:
        lines.append(
            f"  per {unit}: {counts['activities']} activities, {counts['workflow_tasks']} "
            f"workflow tasks, {counts['history_events']} history events "
            f"({counts['runs_sampled']} runs sampled; minimal: 1 activity, 2 workflow tasks)"
        )
    return lines
