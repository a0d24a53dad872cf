"""The Temporal Schedules of the exports (TEMPORAL.md §10), created by the worker at start.

Creating a schedule that exists already is harmless: its id is fixed and the existing one is
kept (an operator may have paused it in the Web UI).
"""

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)

from workflows.exports.models import ExportRequest
from workflows.exports.workflows import ExportWorkflow

TIME_ZONE = "America/Montreal"
CPA005_SCHEDULE = "export-cpa005-nightly"
PAYROLL_SCHEDULE = "export-payroll-monthly"
PAD_RETURNS_SCHEDULE = "pad-returns-pickup"


def _schedule(request: ExportRequest, calendar: ScheduleCalendarSpec, queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ExportWorkflow.run,
            request,
            id=f"export-{request.kind}",  # the schedule appends the run's time
            task_queue=queue,
        ),
        spec=ScheduleSpec(calendars=[calendar], time_zone_name=TIME_ZONE),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


def export_schedules(queue: str) -> dict[str, Schedule]:
    """Nightly CPA-005 at 01:00; payroll on the 1st at 06:00; returns pickup at 07:00 and
    13:00 (Montréal)."""
    return {
        CPA005_SCHEDULE: _schedule(
            ExportRequest(kind="cpa005"),
            ScheduleCalendarSpec(hour=[ScheduleRange(1)], comment="the previous day's PAD debits"),
            queue,
        ),
        PAYROLL_SCHEDULE: _schedule(
            ExportRequest(kind="payroll"),
            ScheduleCalendarSpec(
                day_of_month=[ScheduleRange(1)],
                hour=[ScheduleRange(6)],
                comment="the month's payroll deductions",
            ),
            queue,
        ),
        PAD_RETURNS_SCHEDULE: _schedule(
            ExportRequest(kind="pad_returns"),
            ScheduleCalendarSpec(
                hour=[ScheduleRange(7), ScheduleRange(13)],
                comment="the bank's returns files dropped in the pickup folder",
            ),
            queue,
        ),
    }


async def ensure_schedules(client: Client, queue: str, prefix: str = "") -> list[str]:
    """Create the export schedules that do not exist yet; their ids."""
    ids = []
    for schedule_id, schedule in export_schedules(queue).items():
        full_id = f"{prefix}{schedule_id}"
        try:
            await client.create_schedule(full_id, schedule)
        except ScheduleAlreadyRunningError:
            pass
        ids.append(full_id)
    return ids
