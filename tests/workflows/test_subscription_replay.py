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
- `histories/actor_tokens/` holds the same lifecycle suite's runs (and the actor token tests')
  recorded once every update carried its signed actor token, the service's `operator_id` and
  `account_id` gone (recorded the same way, then moved out of `recorded/`).
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from servicekit.actor_token import read_claims
from servicekit.settings import DEV_PAYLOAD_KEY
from servicekit.temporal import data_converter
from tests.support.actors import platform_tokens
from workflows.subscription.models import Signed
from workflows.subscription.workflows import SubscriptionWorkflow

HISTORIES = Path(__file__).parent / "histories"
RECORDED = sorted((HISTORIES / "recorded").glob("*.json"))
TOKENED = sorted((HISTORIES / "actor_tokens").glob("*.json"))
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


@pytest.mark.parametrize("path", TOKENED, ids=[path.stem for path in TOKENED])
async def test_histories_with_actor_tokens_replay(path: Path) -> None:
    events = await replay(path)
    assert events[-1]["eventType"] in (COMPLETED, CONTINUED, TERMINATED)


async def test_every_update_in_the_token_corpus_carries_its_actor_token() -> None:
    """So a replay failure on a tokened update would be caught: each accepted update's input
    decodes with a token the platform's key signed for that update, one workflow per history."""
    converter = data_converter(DEV_PAYLOAD_KEY)
    accepted = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    names = set()
    for path in TOKENED:
        history = WorkflowHistory.from_json(path.stem, path.read_text())
        workflows: set[str] = set()
        for event in history.events:
            if event.event_type != accepted:
                continue
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            [update] = await converter.decode(list(request.input.args.payloads), [Signed])
            name = request.input.name
            issued = read_claims(update.actor_token)
            at = datetime.fromtimestamp(issued.iat, UTC)
            workflows.add(platform_tokens().verify(update.actor_token, issued.wf, name, at).wf)
            names.add(name)
        assert len(workflows) <= 1, path.stem  # every token of a history names its workflow
    assert {"decide", "withdraw", "schedule_cancellation", "withdraw_cancellation"} <= names
    assert {"request_modification", "decide_modification"} <= names
