"""The export Schedules on the real dev server, run by the real worker against the real
payments service: the nightly CPA-005 file and the monthly payroll files appear in the export
folder when their schedule fires (triggered here instead of waiting for 01:00)."""

import asyncio
import uuid
from pathlib import Path

import pytest
from temporalio.client import Client, ScheduleActionExecutionStartWorkflow, ScheduleCalendarSpec
from temporalio.worker import Worker

from servicekit.settings import PlatformSettings
from services.payments.config import PaymentsSettings
from workflows.exports.models import ExportResult
from workflows.exports.schedules import CPA005_SCHEDULE, PAYROLL_SCHEDULE, ensure_schedules


@pytest.fixture
def export_dir(
    payments_settings: PaymentsSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setattr(payments_settings, "export_dir", str(tmp_path / "exports"))
    return tmp_path / "exports"


async def fired(client: Client, schedule_id: str) -> ExportResult:
    """Trigger the schedule now and wait for the run it started."""
    handle = client.get_schedule_handle(schedule_id)
    await handle.trigger()
    actions: list[ScheduleActionExecutionStartWorkflow] = []

    async def started() -> bool:
        found = (await handle.describe()).info.recent_actions
        actions[:] = [
            a.action for a in found if isinstance(a.action, ScheduleActionExecutionStartWorkflow)
        ]
        return bool(actions)

    for _ in range(100):
        if await started():
            break
        await asyncio.sleep(0.1)
    run = client.get_workflow_handle(actions[-1].workflow_id)
    return ExportResult.model_validate(await run.result())


async def test_the_schedules_fire_the_exports(
    temporal_client: Client,
    worker: Worker,
    platform_settings: PlatformSettings,
    export_dir: Path,
) -> None:
    prefix = f"test-{uuid.uuid4().hex[:8]}-"
    queue = platform_settings.temporal_task_queue
    ids = await ensure_schedules(temporal_client, queue, prefix)
    assert await ensure_schedules(temporal_client, queue, prefix) == ids  # idempotent
    try:
        nightly = await temporal_client.get_schedule_handle(prefix + CPA005_SCHEDULE).describe()
        assert nightly.schedule.spec.time_zone_name == "America/Montreal"
        [calendar] = nightly.schedule.spec.calendars
        assert isinstance(calendar, ScheduleCalendarSpec)
        assert [r.start for r in calendar.hour] == [1]

        nightly_run = await fired(temporal_client, prefix + CPA005_SCHEDULE)
        assert nightly_run.count >= 0
        [cpa005] = [Path(f) for f in nightly_run.files]
        assert cpa005.parent == export_dir / "cpa005"
        records = cpa005.read_text().splitlines()
        assert records[0].startswith("A") and records[-1].startswith("Z")
        assert all(len(record) == 1464 for record in records)

        monthly_run = await fired(temporal_client, prefix + PAYROLL_SCHEDULE)
        assert all(Path(f).parent.parent == export_dir / "payroll" for f in monthly_run.files)
    finally:
        for schedule_id in ids:
            await temporal_client.get_schedule_handle(schedule_id).delete()
