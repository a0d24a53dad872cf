"""An account email is not lost while the SMTP relay is down: the activity retries until it
answers (real identity, real Temporal dev server, real SMTP server started late)."""

import asyncio
import uuid

import pytest
from temporalio.worker import Worker

from servicekit.mail import MailSettings
from tests.identity.helpers import sign_up
from tests.support.mail import SmtpServer, free_port, link_in
from workflows.registration.models import AccountEmailInput, AccountEmailResult
from workflows.registry import WORKFLOWS, build_activities

pytestmark = pytest.mark.usefixtures("worker")


async def test_an_email_sent_while_smtp_is_down_arrives_once_it_is_back(
    apps, identity, smtp, temporal_client, platform_settings, tmp_path, unique_email
):
    await sign_up(identity, unique_email)
    await smtp.wait_for(unique_email)  # the account exists and its first email went out
    me = await identity.get(
        "/internal/v1/accounts",
        params={"email": unique_email},
        headers={"X-Service-Token": platform_settings.service_token},
    )
    account_id = me.json()["id"]
    down = free_port()  # nothing listens here yet
    queue = f"smtp-down-{uuid.uuid4().hex[:8]}"
    mail = MailSettings(host="127.0.0.1", port=down)
    activities = build_activities(apps["http"], platform_settings, mail)  # type: ignore[arg-type]
    relay = SmtpServer(tmp_path / "late-relay")
    relay.port = down

    async with Worker(
        temporal_client, task_queue=queue, workflows=list(WORKFLOWS), activities=activities
    ):
        handle = await temporal_client.start_workflow(
            "AccountEmailWorkflow",
            AccountEmailInput(account_id=account_id, kind="verify_email", key=f"{queue}:verify"),
            id=f"account-email-{account_id}-{queue}",
            task_queue=queue,
            result_type=AccountEmailResult,
        )
        await asyncio.sleep(1.5)
        assert relay.store.list() == []  # the first attempt failed: no relay
        await relay.start()
        try:
            [message] = await relay.wait_for(unique_email, timeout=30)
            result = await handle.result()
        finally:
            await relay.stop()

    assert result.outcome == "sent"
    assert "/verification?token=" in link_in(message)
