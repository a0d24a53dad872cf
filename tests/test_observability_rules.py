"""The alerting rules, the Prometheus config and the Grafana dashboard (issue 13).

promtool (Debian package `prometheus`) checks and unit-tests the rules; this module runs it,
checks that every alert has a firing and a quiet test and a runbook section, tests the
1st-of-month window against Montréal's clock, and keeps the dashboard and the rules on the
metric names of the contract (docs/operations.md, "Metrics the rules read").
"""

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
OBSERVABILITY = ROOT / "deploy" / "observability"
ALERTS = OBSERVABILITY / "alerts.yml"
ALERT_TESTS = OBSERVABILITY / "alerts_test.yml"
CONFIG = OBSERVABILITY / "prometheus.yml"
DASHBOARD = OBSERVABILITY / "grafana-dashboard.json"
OPERATIONS = ROOT / "docs" / "operations.md"

# The metric contract of issue 13; histograms also expose _bucket, _sum and _count.
CONTRACT_METRICS = {
    "http_requests_total",
    "parking_subscriptions",
    "parking_pending_requests",
    "parking_oldest_pending_request_age_seconds",
    "parking_oldest_pending_request_business_days",
    "parking_billable_subscriptions",
    "parking_charges_total",
    "parking_invoices_current_month",
    "parking_claim_notices_paid_total",
    "parking_emails_total",
}
CONTRACT_HISTOGRAMS = {"http_request_duration_seconds"}
PROMQL_WORDS = {
    "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
    "group_left", "group_right", "inf", "nan",
}  # fmt: skip


def promtool() -> str:
    """The promtool binary, or a failure saying how to install it (never a skip)."""
    found = shutil.which("promtool")
    if found is None:
        pytest.fail(
            "promtool not found: it comes with Debian's `prometheus` package "
            "(`make debian-deps`, or `apt-get install prometheus`)"
        )
    return found


def run_promtool(*args: str, cwd: Path = OBSERVABILITY) -> None:
    """Run promtool and fail with its output unless it succeeds."""
    done = subprocess.run(
        [promtool(), *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"promtool {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


def alert_rules() -> list[dict[str, Any]]:
    """Every alerting rule of alerts.yml."""
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def heading_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown document."""
    anchors = set()
    for line in markdown.splitlines():
        if match := re.match(r"#{1,6}\s+(.*)", line):
            text = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower())
            anchors.add(text.replace(" ", "-"))
    return anchors


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (functions, labels and keywords removed)."""
    text = re.sub(r"#[^\n]*", "", expr)
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", text)
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    text = re.sub(r"\$\{?\w+\}?", "", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])[A-Za-z_:][\w:]*", text):
        followed_by_call = re.match(r"\s*\(", text[match.end() :])
        if not followed_by_call and match.group(0).lower() not in PROMQL_WORDS:
            names.add(match.group(0))
    return names


def is_allowed_metric(name: str) -> bool:
    """A contract metric, `up`, or one of the Temporal SDK's (`temporal_*`)."""
    if name in CONTRACT_METRICS or name == "up" or name.startswith("temporal_"):
        return True
    base = re.sub(r"_(bucket|sum|count)$", "", name)
    return base in CONTRACT_HISTOGRAMS


def test_rules_pass_promtool_check() -> None:
    run_promtool("check", "rules", str(ALERTS))


def test_prometheus_config_passes_promtool_check() -> None:
    run_promtool("check", "config", str(CONFIG))


def test_prometheus_config_scrapes_every_process_of_the_contract() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    targets = {
        job["job_name"]: [t for sc in job["static_configs"] for t in sc["targets"]]
        for job in config["scrape_configs"]
    }
    assert targets == {
        "web": ["127.0.0.1:8000"],
        "identity": ["127.0.0.1:8001"],
        "subscriptions": ["127.0.0.1:8002"],
        "payments": ["127.0.0.1:8003"],
        "worker": ["127.0.0.1:9464"],
        "mail": ["127.0.0.1:8025"],
    }
    assert config["rule_files"] == ["alerts.yml"]


def test_rule_unit_tests_pass() -> None:
    run_promtool("test", "rules", str(ALERT_TESTS))


def test_every_alert_has_a_firing_and_a_quiet_test_case() -> None:
    cases: dict[str, list[bool]] = {}
    for group in yaml.safe_load(ALERT_TESTS.read_text())["tests"]:
        for case in group.get("alert_rule_test", []):
            cases.setdefault(case["alertname"], []).append(bool(case["exp_alerts"]))
    for rule in alert_rules():
        outcomes = cases.get(rule["alert"], [])
        assert True in outcomes, f"{rule['alert']} has no test where it fires"
        assert False in outcomes, f"{rule['alert']} has no test where it stays quiet"


def test_every_alert_has_severity_summary_description_and_a_runbook_section() -> None:
    anchors = heading_anchors(OPERATIONS.read_text())
    for rule in alert_rules():
        name, annotations = rule["alert"], rule["annotations"]
        assert rule["labels"]["severity"] in {"critical", "warning"}, name
        assert annotations["summary"] and annotations["description"], name
        page, _, anchor = annotations["runbook"].partition("#")
        assert page == "docs/operations.md", name
        assert anchor == name.lower() and anchor in anchors, f"no runbook section for {name}"


def test_rules_read_only_contract_metrics() -> None:
    for rule in alert_rules():
        unknown = {n for n in metric_names(rule["expr"]) if not is_allowed_metric(n)}
        assert not unknown, f"{rule['alert']} reads metrics outside the contract: {unknown}"


def test_metric_name_extraction_sees_names_and_skips_functions_and_labels() -> None:
    expr = (
        "histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket"
        '{service=~"$service"}[$__rate_interval]))) > on () made_up_total offset 5m'
    )
    assert metric_names(expr) == {"http_request_duration_seconds_bucket", "made_up_total"}
    assert not is_allowed_metric("made_up_total")


def dashboard_exprs(panels: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(panel title, PromQL) of every target, rows' nested panels included."""
    found = []
    for panel in panels:
        found += dashboard_exprs(panel.get("panels", []))
        found += [(panel.get("title", ""), t["expr"]) for t in panel.get("targets", [])]
    return found


def test_dashboard_parses_and_reads_only_contract_metrics() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["schemaVersion"] >= 36
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    exprs = dashboard_exprs(dashboard["panels"])
    assert len(exprs) >= 12
    read = set()
    for title, expr in exprs:
        names = metric_names(expr)
        unknown = {n for n in names if not is_allowed_metric(n)}
        assert names and not unknown, f"panel {title!r} reads {unknown or 'no metric'}"
        read |= names
    # Every business metric of the contract is on the dashboard.
    assert CONTRACT_METRICS - {"http_requests_total"} <= read


# --- The 1st-of-month window on Montréal's clock -------------------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MONTREAL = ZoneInfo("America/Montreal")
FIRSTS = [(1970, month) for month in range(1, 13)] + [(1971, 11)]


def montreal_offset_on_the_first(year: int, month: int) -> timedelta:
    """Montréal's UTC offset at noon on the 1st under today's rules (in force since 2007).

    The tests run near 1970, when other rules applied, so the offset is read on the same 1st
    of a recent year falling on the same weekday (November's depends on it).
    """
    weekday = datetime(year, month, 1).weekday()
    recent = next(y for y in range(2010, 2040) if datetime(y, month, 1).weekday() == weekday)
    offset = datetime(recent, month, 1, 12, tzinfo=MONTREAL).utcoffset()
    assert offset is not None
    return offset


def minutes(instant: datetime) -> int:
    """Minutes since time 0 (promtool's test clock)."""
    return int((instant - EPOCH).total_seconds() // 60)


def window_cases() -> list[tuple[datetime, bool]]:
    """UTC instants around 06:00 and midnight of each 1st in Montréal, and whether it is on."""
    cases = []
    for year, month in FIRSTS:
        offset = montreal_offset_on_the_first(year, month)
        local_first = datetime(year, month, 1, tzinfo=UTC)
        for local_time, on in [
            (timedelta(hours=5, minutes=55), False),
            (timedelta(hours=6), True),
            (timedelta(hours=23, minutes=55), True),
            (timedelta(days=1), False),
        ]:
            cases.append((local_first + local_time - offset, on))
    return cases


def test_first_of_month_window_follows_montreal_summer_and_winter_time(tmp_path: Path) -> None:
    rule = next(r for r in alert_rules() if r["alert"] == "FirstOfMonthRunNotFinished")
    cases = window_cases()
    last = max(instant for instant, _ in cases)
    # promtool evaluates the rules at every evaluation_interval from time 0: one a day keeps
    # two years fast; the expression itself is evaluated at each instant. promtool does not
    # see the samples after its last evaluation step: a last query two days later keeps the
    # instants before it.
    padding = last + timedelta(days=2)
    steps = int((padding - EPOCH) / timedelta(minutes=5)) + 12
    test_file = {
        "rule_files": [str(ALERTS)],
        "evaluation_interval": "1d",
        "tests": [
            {
                "interval": "5m",
                "input_series": [
                    {"series": "parking_billable_subscriptions", "values": f"120x{steps}"},
                    {"series": "parking_invoices_current_month", "values": f"117x{steps}"},
                ],
                "promql_expr_test": [
                    {
                        "expr": rule["expr"],
                        "eval_time": f"{minutes(instant)}m",
                        "exp_samples": [{"labels": "{}", "value": 120}] if on else [],
                    }
                    for instant, on in cases
                ]
                + [
                    {
                        "expr": "vector(1)",
                        "eval_time": f"{minutes(padding)}m",
                        "exp_samples": [{"labels": "{}", "value": 1}],
                    }
                ],
            }
        ],
    }
    path = tmp_path / "first_of_month_window_test.yml"
    path.write_text(yaml.safe_dump(test_file, sort_keys=False))
    run_promtool("test", "rules", str(path), cwd=tmp_path)


def test_window_cases_cover_both_clocks_and_a_sunday_first_of_november() -> None:
    offsets = {montreal_offset_on_the_first(y, m) for y, m in FIRSTS}
    assert offsets == {timedelta(hours=-4), timedelta(hours=-5)}
    assert datetime(1970, 11, 1).weekday() == 6  # Sunday: EST from 02:00
    assert montreal_offset_on_the_first(1970, 11) == timedelta(hours=-5)
    assert montreal_offset_on_the_first(1971, 11) == timedelta(hours=-4)
