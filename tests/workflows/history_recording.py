"""Record the histories of the SubscriptionWorkflows a test started, for the replay tests.

`RECORD_SUBSCRIPTION_HISTORY=1 pytest tests/workflows/test_subscription_workflow.py ...` writes
every run (each continue-as-new is a run of its own) of every workflow that
`fake_subscriptions.start` started, to `histories/recorded/<test>-<n>.json`, when the test's
server shuts down. `test_subscription_replay.py` replays them all against today's code.
"""

import json
import os
import re
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

RECORDED = Path(__file__).parent / "histories" / "recorded"
STARTED: list[tuple[str, str | None]] = []  # (workflow id, first run id) started by a test


def recording() -> bool:
    return bool(os.environ.get("RECORD_SUBSCRIPTION_HISTORY"))


def started(workflow_id: str, run_id: str | None) -> None:
    if recording():
        STARTED.append((workflow_id, run_id))


async def write_histories(env: WorkflowEnvironment, test_name: str) -> None:
    """Write every run of the workflows started since the last call, then forget them."""
    name = re.sub(r"[^A-Za-z0-9_]+", "-", test_name).strip("-")
    n = 0
    for workflow_id, run_id in STARTED:
        while run_id is not None:
            handle = env.client.get_workflow_handle(workflow_id, run_id=run_id)
            history = await handle.fetch_history()
            RECORDED.mkdir(parents=True, exist_ok=True)
            compact = json.dumps(json.loads(history.to_json()), separators=(",", ":"))
            (RECORDED / f"{name}-{n}.json").write_text(compact + "\n")
            n += 1
            last = history.events[-1]
            run_id = None
            if last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
                attributes = last.workflow_execution_continued_as_new_event_attributes
                run_id = attributes.new_execution_run_id
    STARTED.clear()
