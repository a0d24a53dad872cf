"""Recorded SubscriptionWorkflow histories still replay: a change that breaks determinism for
running subscriptions fails here (guard it with `workflow.patched(...)`).

`histories/subscription_approve_cancel.json` is a whole lifecycle (request, approval, contract,
cancellation with the notice clause, end), recorded by
`RECORD_SUBSCRIPTION_HISTORY=1 pytest tests/workflows/test_subscription_workflow.py -k notice`.
"""

import json
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from servicekit.settings import DEV_PAYLOAD_KEY
from servicekit.temporal import data_converter
from workflows.subscription.workflows import SubscriptionWorkflow

HISTORIES = Path(__file__).parent / "histories"


async def test_recorded_approve_cancel_lifecycle_replays() -> None:
    path = HISTORIES / "subscription_approve_cancel.json"
    text = path.read_text()
    events = json.loads(text)["events"]
    assert events[-1]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"
    replayer = Replayer(
        workflows=[SubscriptionWorkflow], data_converter=data_converter(DEV_PAYLOAD_KEY)
    )

    result = await replayer.replay_workflow(
        WorkflowHistory.from_json("subscription-recorded", text)
    )

    assert result.replay_failure is None
