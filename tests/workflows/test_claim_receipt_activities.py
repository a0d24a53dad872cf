"""The real `claim_send_receipt` activity against the session's payments app and SMTP server:
a retried send is the same message (same Message-ID) and the sent-mail ledger keeps it from
going out twice; no address means no email."""

import dataclasses
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from servicekit.db import transaction
from servicekit.mail import MailSettings
from servicekit.sent_mail import SentMailLedger
from servicekit.settings import PlatformSettings
from services.payments.claims import service as claim_service
from services.payments.claims.schemas import ClaimNoticeIn
from tests.payments.factories import card_body
from tests.support.mail import SmtpServer
from workflows.claims.activities import ClaimActivities
from workflows.claims.models import ClaimReceiptInput


@pytest.fixture
def activities(
    apps: dict[str, FastAPI], platform_settings: PlatformSettings, smtp: SmtpServer
) -> ClaimActivities:
    http: httpx.AsyncClient = apps["http"]  # type: ignore[assignment]
    return ClaimActivities(http, platform_settings, MailSettings(port=smtp.port, timeout=5.0))


async def paid_receipt(apps: dict[str, FastAPI], email: str | None) -> dict[str, Any]:
    """A notice issued and paid by card through the payments app: its receipt."""
    app = apps["payments"]
    notice = ClaimNoticeIn(
        number=f"AR-{uuid.uuid4().hex[:10].upper()}",
        plate=f"W{uuid.uuid4().hex[:6].upper()}",
        site_id=1534,
        issued_on="2026-10-02",  # type: ignore[arg-type]
        amount_cents=4500,
        due_on="2026-11-02",  # type: ignore[arg-type]
    )
    async with transaction(app.state.sessionmaker) as session:
        await claim_service.create(session, str(uuid.uuid4()), notice)
    body = {
        "number": notice.number,
        "plate": notice.plate,
        "card": (await card_body(app)),
        "email": email,
    }
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://payments.test") as client:
        paid = await client.post("/v1/claim-notices/pay", json=body)
    assert paid.status_code == 200, paid.text
    return dict(paid.json())


async def run(activities: ClaimActivities, input: ClaimReceiptInput, attempt: int) -> Any:
    environment = ActivityEnvironment()
    environment.info = dataclasses.replace(environment.info, attempt=attempt)
    return await environment.run(activities.send_receipt, input)


async def test_a_retried_send_is_the_same_message_and_is_not_sent_again(
    apps: dict[str, FastAPI], platform_settings: PlatformSettings, tmp_path: Path
) -> None:
    """Two attempts of the activity, as a retry after SMTP took the message would run, against
    an SMTP server and a sent-mail ledger of their own (the session worker's run of the receipt
    workflow sends through the session's): one message goes out."""
    smtp = SmtpServer(tmp_path / "mail")
    await smtp.start()
    try:
        ledger = SentMailLedger(f"sqlite+aiosqlite:///{tmp_path / 'ledger.db'}")
        http: httpx.AsyncClient = apps["http"]  # type: ignore[assignment]
        retried = ClaimActivities(
            http, platform_settings, MailSettings(port=smtp.port, timeout=5.0), ledger
        )
        address = f"retry-{uuid.uuid4().hex[:12]}@example.org"
        receipt = await paid_receipt(apps, address)
        input = ClaimReceiptInput(receipt_id=receipt["receipt_id"])
        first = await run(retried, input, attempt=1)
        second = await run(retried, input, attempt=2)
        assert first.outcome == second.outcome == "sent"
        [sent] = await smtp.wait_for(address)  # both attempts returned after SMTP answered: one
        assert f"claim-receipt-{receipt['receipt_id']}" in sent.details.message_id
    finally:
        await smtp.stop()


async def test_no_address_sends_nothing(
    activities: ClaimActivities, apps: dict[str, FastAPI]
) -> None:
    receipt = await paid_receipt(apps, None)
    result = await run(activities, ClaimReceiptInput(receipt_id=receipt["receipt_id"]), 1)
    assert result.outcome == "no_email"  # returned before any message is built


async def test_an_unknown_receipt_is_final(activities: ClaimActivities) -> None:
    with pytest.raises(ApplicationError) as raised:
        await run(activities, ClaimReceiptInput(receipt_id=str(uuid.uuid4())), 1)
    assert raised.value.non_retryable
