"""Run the suite at other dates: `python -m tests.support.dates [pytest args]` (`make test-dates`).

For each of the next 1st, 15th and 31st, the whole suite runs under Debian's libfaketime, so the
services, the worker, the browser and the time-skipping server all see that day, and with
`TEST_START_DATE` set to it, so the time-skipping tests without a pinned instant start on it too
(`tests/support/clock.py`). The clock starts at 06:00 UTC, 01:00 or 02:00 in Montréal, and runs.
Exits non-zero if any date fails; prints one verdict line per date.
"""

import calendar
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta


def next_days(after: date, days: tuple[int, ...] = (1, 15, 31)) -> list[date]:
    """The first date after `after` that falls on each day of the month in `days`."""
    found = []
    for day in days:
        current = after + timedelta(days=1)
        while current.day != day:
            current += timedelta(days=1)
        found.append(current)
    return found


def run_at(day: date, pytest_args: list[str]) -> int:
    environment = dict(os.environ, TEST_START_DATE=day.isoformat())
    command = ["faketime", f"{day.isoformat()} 06:00:00", sys.executable, "-m", "pytest"]
    return subprocess.run([*command, *pytest_args], env=environment, check=False).returncode


def main() -> int:
    if not shutil.which("faketime"):
        print("faketime is missing: make debian-deps (as root) installs it", file=sys.stderr)
        return 2
    verdicts = []
    for day in next_days(date.today()):
        weekday = calendar.day_name[day.weekday()]
        print(f"\n=== the suite on {day.isoformat()} ({weekday}) ===", flush=True)
        verdicts.append((day, run_at(day, sys.argv[1:])))
    for day, code in verdicts:
        print(f"{day.isoformat()}: {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return max(code for _, code in verdicts)


if __name__ == "__main__":
    sys.exit(main())
