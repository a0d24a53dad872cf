"""The temporary vehicle's end timer on the time-skipping server: it ends the vehicle at
midnight in Montréal after its last day (daylight-saving changes and a late evening included),
not a minute before, and an early removal ends the timer without ending anything.

The activity is a stand-in registered under the real name (it records when it was called);
the real one against the real service is covered by tests/subscriptions/test_temporary_vehicles.py
and the browser journey in tests/e2e/test_temporary_vehicle_journey.py.
"""

import json
import os
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from servicekit.clock import montreal_date, montreal_time
from servicekit.settings import DEV_PAYLOAD_KEY
from servicekit.temporal import data_converter
from tests.workflows.billing_support import on_time
from tests.workflows.fake_subscriptions import new_queue
from tests.workflows.helpers import running_worker
from workflows.subscription.calendar import start_of_day
from workflows.temporary_vehicle.models import (
    TemporaryVehicleInput,
    TemporaryVehicleRef,
    TemporaryVehicleRemoved,
    TemporaryVehicleResult,
    workflow_id,
)
from workflows.temporary_vehicle.workflows import TemporaryVehicleWorkflow

at = pytest.mark.start_at
# `RECORD_TEMPORARY_VEHICLE_HISTORY=1 pytest tests/workflows/test_temporary_vehicle_workflow.py`
# writes each test's history here; the replay test below runs them against today's code.
HISTORIES = Path(__file__).parent / "histories" / "temporary_vehicle"


async def keep_history(handle: WorkflowHandle, name: str) -> None:  # type: ignore[type-arg]
    if os.environ.get("RECORD_TEMPORARY_VEHICLE_HISTORY"):
        history = await handle.fetch_history()
        HISTORIES.mkdir(parents=True, exist_ok=True)
        compact = json.dumps(json.loads(history.to_json()), separators=(",", ":"))
        (HISTORIES / f"{name}.json").write_text(compact + "\n")


class EndRecorder:
    """`temporary_vehicle_end`, recording the vehicle and the instant it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, datetime]] = []

    @activity.defn(name="temporary_vehicle_end")
    async def end(self, ref: TemporaryVehicleRef) -> TemporaryVehicleResult:
        self.calls.append((ref.temporary_vehicle_id, activity.info().scheduled_time))
        return TemporaryVehicleResult(
            temporary_vehicle_id=ref.temporary_vehicle_id, outcome="ended"
        )


async def start_timer(env: WorkflowEnvironment, queue: str, days: int):  # type: ignore[no-untyped-def]
    """A temporary vehicle from today (Montréal) for `days` days; its handle and last day."""
    vehicle_id = str(uuid.uuid4())
    last_day = montreal_date(await env.get_current_time()) + timedelta(days=days - 1)
    data = TemporaryVehicleInput(
        temporary_vehicle_id=vehicle_id, subscription_id=str(uuid.uuid4()), end_date=last_day
    )
    handle = await env.client.start_workflow(
        TemporaryVehicleWorkflow.run, data, id=workflow_id(vehicle_id), task_queue=queue
    )
    return handle, vehicle_id, last_day


@pytest.mark.parametrize(
    "days",
    [
        pytest.param(3, marks=at(6, 10), id="three ordinary days"),
        pytest.param(14, marks=at(10, 25), id="14 days across the fall-back change"),
        pytest.param(14, marks=at(3, 1), id="14 days across the spring-forward change"),
        pytest.param(1, marks=at(6, 10, 22, 30), id="one day, added at 22:30 (03:30 UTC next day)"),
    ],
)
async def test_the_timer_ends_it_at_midnight_in_montreal_after_its_last_day(
    env: WorkflowEnvironment, days: int
) -> None:
    recorder, queue = EndRecorder(), new_queue()
    async with running_worker(env, [recorder.end], queue):
        handle, vehicle_id, last_day = await start_timer(env, queue, days)
        ends_at = start_of_day(last_day + timedelta(days=1))
        await env.sleep(ends_at - await env.get_current_time() - timedelta(minutes=5))
        assert recorder.calls == []  # its last day is not over: nothing ended yet
        result = await handle.result()
        await keep_history(handle, f"ended-{days}-days")
    assert (result.temporary_vehicle_id, result.outcome) == (vehicle_id, "ended")
    [(ended_id, ended_at)] = recorder.calls
    assert ended_id == vehicle_id
    assert on_time(ended_at, ends_at)
    assert (montreal_time(ended_at).hour, montreal_date(ended_at)) == (0, ends_at.date())


@at(6, 10)
async def test_removed_early_the_timer_finishes_without_ending_anything(
    env: WorkflowEnvironment,
) -> None:
    recorder, queue = EndRecorder(), new_queue()
    async with running_worker(env, [recorder.end], queue):
        handle, vehicle_id, _ = await start_timer(env, queue, 14)
        await env.sleep(timedelta(days=2))
        removal = TemporaryVehicleRemoved(temporary_vehicle_id=vehicle_id)
        await handle.signal(TemporaryVehicleWorkflow.removed_early, removal)
        result = await handle.result()
        await keep_history(handle, "removed-early")
    assert result.outcome == "removed"
    assert recorder.calls == []


RECORDED = sorted(HISTORIES.glob("*.json"))


def test_the_corpus_holds_both_endings() -> None:
    assert {p.stem.split("-")[0] for p in RECORDED} == {"ended", "removed"}


@pytest.mark.parametrize("path", RECORDED, ids=[p.stem for p in RECORDED])
async def test_recorded_histories_replay(path: Path) -> None:
    """A change that breaks determinism for running timers fails here (guard it with
    `workflow.patched(...)`)."""
    replayer = Replayer(
        workflows=[TemporaryVehicleWorkflow], data_converter=data_converter(DEV_PAYLOAD_KEY)
    )
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None
