"""Recorded SubscriptionWorkflow histories still replay: a change that breaks determinism for
running subscriptions fails here (guard it with `workflow.patched(...)`, docs/architecture.md).

- `histories/subscription_approve_cancel.json` (a whole lifecycle: request, approval, contract,
  cancellation with the notice clause, end) and `histories/subscription_billing_declines.json`
  (approval, a declined first charge, its retries, the next month's charge, continue-as-new)
  were recorded by the first versions of the workflow, before billing and before the outbox.
- `histories/recorded/` holds every run of every workflow the lifecycle and billing suites
  start (approval, refusal, withdrawal, expiry, reminder, full offering, modifications,
  cancellations, declines into arrears and recovery, PAD notices, payroll, continue-as-new
  chains), recorded from the inheritance-chain workflow just before it was rewritten as
  composition: `RECORD_SUBSCRIPTION_HISTORY=1 pytest tests/workflows/test_subscription_workflow.py
  tests/workflows/test_subscription_billing.py tests/workflows/test_billing_calendar_edges.py`
  (`history_recording.py`). The PAD return and card expiry paths were added the same way from
  `test_pad_returns_workflow.py` and `test_card_expiry_reminder.py`.
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
RECORDED = sorted((HISTORIES / "recorded").glob("*.json"))
COMPLETED = "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"
TERMINATED = "EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED"  # a test that stopped its workflow
CONTINUED = "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW"


async def replay(path: Path) -> list[dict[str, object]]:
    """Replay one history against today's workflow; its events."""
    text = path.read_text()
    replayer = Replayer(
        workflows=[SubscriptionWorkflow], data_converter=data_converter(DEV_PAYLOAD_KEY)
    )
    result = await replayer.replay_workflow(WorkflowHistory.from_json(path.stem, text))
    assert result.replay_failure is None
    events: list[dict[str, object]] = json.loads(text)["events"]
    return events


@pytest.mark.parametrize(
    ("name", "last_event"),
    [
        ("subscription_approve_cancel.json", COMPLETED),
        ("subscription_billing_declines.json", CONTINUED),
    ],
)
async def test_the_first_recorded_lifecycles_replay(name: str, last_event: str) -> None:
    events = await replay(HISTORIES / name)
    assert events[-1]["eventType"] == last_event


def test_the_recorded_histories_cover_the_lifecycle() -> None:
    """The corpus holds each path, so a replay failure on any of them is caught."""
    names = " ".join(path.stem for path in RECORDED)
    for path in (
        "refusal",
        "withdraws_the_pending_request",
        "expires",
        "modifications",
        "declines_retry_then_arrears_then_recovery",
        "cancellation_waits_for_the_notice_clause",
        "pad_debits",
        "fourteen_months",
        "nsf_return",  # a returned PAD debit, retried
        "closed_account",  # a returned debit on a closed account, into arrears
        "reminder_is_sent_once",  # the card expiry timer
        "card_replaced",  # the reminder following a replaced card
    ):
        assert path in names, path
    texts = (path.read_text() for path in RECORDED)
    assert any(CONTINUED in text for text in texts)


@pytest.mark.parametrize("path", RECORDED, ids=[path.stem for path in RECORDED])
async def test_histories_recorded_before_the_rewrite_replay(path: Path) -> None:
    events = await replay(path)
    assert events[-1]["eventType"] in (COMPLETED, CONTINUED, TERMINATED)
