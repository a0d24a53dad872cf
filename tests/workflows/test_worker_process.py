"""`python -m workflows.worker`: connects, serves the registered workflows, stops on SIGTERM."""

import asyncio
import signal
import uuid
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from tests.workflows.helpers import start_worker_process, wait_for_line
from workflows.registration.models import RegistrationInput, RegistrationStatus
from workflows.registration.workflows import RegistrationWorkflow

ROOT = Path(__file__).resolve().parents[2]


async def test_worker_process_serves_workflows_and_stops_on_sigterm(
    idle_env: WorkflowEnvironment,
) -> None:
    # `idle_env`: the workflow below stays open (its activity cannot reach identity), and an
    # activity nobody runs would stop the main test server from skipping time.
    queue = f"worker-process-{uuid.uuid4()}"
    process = await start_worker_process(
        idle_env,
        queue,
        PLATFORM_IDENTITY_URL="http://127.0.0.1:9",  # nothing there: emails wait
    )
    try:
        assert process.stderr is not None
        account_id = str(uuid.uuid4())
        handle = await idle_env.client.start_workflow(
            RegistrationWorkflow.run,
            RegistrationInput(account_id=account_id),
            id=f"registration-{account_id}",
            task_queue=queue,
        )
        status = await handle.query(RegistrationWorkflow.status)  # answered by the process
        assert status == RegistrationStatus(
            account_id=account_id, status="pending", emails_sent=0, expires_at=status.expires_at
        )

        process.send_signal(signal.SIGTERM)
        await wait_for_line(process.stderr, "shutting down the worker", timeout=10)
        code = await asyncio.wait_for(process.wait(), timeout=40)
        rest = (await process.stderr.read()).decode(errors="replace")
        assert code == 0, rest[-3000:]
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
