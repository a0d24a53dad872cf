"""`ExportWorkflow`: one run of a fleet-wide export, started by its Temporal Schedule.

The nightly run (01:00, Montréal) exports the previous day's PAD debits; the monthly run (the
1st, 06:00) exports that month's payroll deductions, recorded at 00:00 the same day; the
returns pickup (07:00 and 13:00) imports the bank's returns files dropped in its folder.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.exports.activities import ExportActivities
    from workflows.exports.models import Cpa005Input, ExportRequest, ExportResult, PayrollInput
    from workflows.retries import MAXIMUM_INTERVAL
    from workflows.subscription.calendar import local_today

# No heartbeat timeout: an export is one long call that payments may serve for minutes on a
# busy loop; a nightly job can wait for its start-to-close timeout after a worker crash.
EXPORT_TIMEOUT = timedelta(minutes=5)
EXPORT_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=MAXIMUM_INTERVAL)


@workflow.defn
class ExportWorkflow:
    @workflow.run
    async def run(self, request: ExportRequest) -> ExportResult:
        today = local_today(workflow.now())
        if request.kind == "pad_returns":
            return await workflow.execute_activity_method(
                ExportActivities.pad_returns,
                start_to_close_timeout=EXPORT_TIMEOUT,
                retry_policy=EXPORT_RETRY,
            )
        if request.kind == "cpa005":
            day = request.day or today - timedelta(days=1)
            return await workflow.execute_activity_method(
                ExportActivities.cpa005,
                Cpa005Input(day=day),
                start_to_close_timeout=EXPORT_TIMEOUT,
                retry_policy=EXPORT_RETRY,
            )
        period = request.period or today.strftime("%Y-%m")
        return await workflow.execute_activity_method(
            ExportActivities.payroll,
            PayrollInput(period=period),
            start_to_close_timeout=EXPORT_TIMEOUT,
            retry_policy=EXPORT_RETRY,
        )
