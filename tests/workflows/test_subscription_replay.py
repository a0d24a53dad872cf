"""Recorded SubscriptionWorkflow histories still replay: a change that breaks determinism for
running subscriptions fails here (guard it with `workflow.patched(...)`).

`histories/subscription_approve_cancel.json` is a whole lifecycle (request, approval, contract,
cancellation with the notice clause, end), recorded by
`RECORD_SUBSCRIPTION_HISTORY=1 pytest tests/workflows/test_subscription_workflow.py -k notice`.
`histories/subscription_billing_declines.json` is a billing run (approval, a declined first
charge, its retries, the next month's charge, continue-as-new), recorded by
`RECORD_SUBSCRIPTION_HISTORY=1 pytest tests/workflows/test_subscription_billing.py -k declines`.
"""

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from servicekit.settings import DEV_PAYLOAD_KEY
from servicekit.temporal import data_converter
from workflows.subscription.workflows import SubscriptionWorkflow

HISTORIES = Path(__file__).parent / "histories"


@pytest.mark.parametrize(
    ("name", "last_event"),
    [
        ("subscription_approve_cancel.json", "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"),
        ("subscription_billing_declines.json", "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW"),
    ],
)
async def test_recorded_lifecycles_replay(name: str, last_event: str) -> None:
    text = (HISTORIES / name).read_text()
    events = json.loads(text)["events"]
    assert events[-1]["eventType"] == last_event
    replayer = Replayer(
        workflows=[SubscriptionWorkflow], data_converter=data_converter(DEV_PAYLOAD_KEY)
    )

    result = await replayer.replay_workflow(
        WorkflowHistory.from_json("subscription-recorded", text)
    )

    assert result.replay_failure is None
