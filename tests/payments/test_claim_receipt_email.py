"""The receipt of a paid claim notice, emailed to the address the payer gave: the payments app
starts `ClaimReceiptWorkflow` (`claim-receipt-<receipt id>`) once the payment is committed, the
session's real worker runs it, and the real SMTP test server receives the message."""

import asyncio
import io
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from services.payments.claims.lifecycle import ReceiptLifecycle
from tests.payments.conftest import NoticeFactory
from tests.payments.factories import PaymentsStack, card_body
from tests.support.mail import SmtpServer
from workflows.claims.models import ClaimReceiptResult, workflow_id


async def pay_body(
    client: httpx.AsyncClient, notice: dict[str, Any], **changes: Any
) -> dict[str, Any]:
    card = await card_body(client)
    return {"number": notice["number"], "plate": notice["plate"], "card": card} | changes


def new_address() -> str:
    return f"payeur-{uuid.uuid4().hex[:12]}@example.org"


async def test_the_receipt_is_emailed_once_with_its_pdf(
    client: httpx.AsyncClient,
    notices: NoticeFactory,
    worker: Worker,
    smtp: SmtpServer,
    temporal_client: Client,
) -> None:
    notice, address = await notices(amount_cents=6150), new_address()
    paid = await client.post(
        "/v1/claim-notices/pay", json=(await pay_body(client, notice, email=address))
    )
    assert paid.status_code == 200, paid.text
    receipt = paid.json()

    handle = temporal_client.get_workflow_handle(workflow_id(receipt["receipt_id"]))
    result = await asyncio.wait_for(handle.result(), timeout=30)
    assert ClaimReceiptResult.model_validate(result).outcome == "sent"
    [message] = await smtp.wait_for(address)
    await asyncio.sleep(0.2)
    assert len(await smtp.wait_for(address)) == 1  # exactly one

    details = message.details
    assert details.subject == "Reçu de paiement de votre avis de réclamation"
    assert receipt["receipt_number"] in details.text and notice["number"] in details.text
    assert "61,50 $" in details.text.replace("\u00a0", " ")
    assert "Payment receipt" not in details.text  # French only from the French page
    assert f"claim-receipt-{receipt['receipt_id']}" in details.message_id
    [pdf] = [p for p in details.attachments if p.content_type == "application/pdf"]
    assert pdf.filename == f"recu-{receipt['receipt_number']}.pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert receipt["receipt_number"] in text
    assert "4242424242424242" not in details.text.replace(" ", "")


async def test_from_the_english_page_french_then_english(
    client: httpx.AsyncClient, notices: NoticeFactory, worker: Worker, smtp: SmtpServer
) -> None:
    notice, address = await notices(), new_address()
    body = await pay_body(client, notice, email=address, language="en")
    paid = await client.post("/v1/claim-notices/pay", json=body)
    assert paid.status_code == 200, paid.text
    [message] = await smtp.wait_for(address)
    text = message.details.text
    assert "Payment receipt" in message.details.subject
    assert message.details.subject.startswith("Reçu de paiement")
    assert text.index("Nous avons bien reçu") < text.index("We received your payment")
    assert paid.json()["receipt_number"] in text


async def test_without_an_address_no_workflow_is_started(
    client: httpx.AsyncClient, notices: NoticeFactory, temporal_client: Client
) -> None:
    notice = await notices()
    paid = await client.post("/v1/claim-notices/pay", json=(await pay_body(client, notice)))
    assert paid.status_code == 200, paid.text
    handle = temporal_client.get_workflow_handle(workflow_id(paid.json()["receipt_id"]))
    with pytest.raises(RPCError) as raised:
        await handle.describe()
    assert raised.value.status == RPCStatusCode.NOT_FOUND


@pytest.fixture
def temporal_away(payments: PaymentsStack) -> Iterator[None]:
    """The payments app's receipt lifecycle cannot reach Temporal (restored afterwards: the
    app's `state` is not an object `monkeypatch` can restore)."""

    async def unreachable() -> Client:
        raise RuntimeError("Failed client connect: connection refused")

    state = payments.app.state
    kept = state.receipts
    state.receipts = ReceiptLifecycle(unreachable, payments.platform.temporal_task_queue)
    try:
        yield
    finally:
        state.receipts = kept


async def test_temporal_unreachable_the_payment_stands(
    client: httpx.AsyncClient,
    notices: NoticeFactory,
    temporal_away: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    notice, address = await notices(), new_address()

    paid = await client.post(
        "/v1/claim-notices/pay", json=(await pay_body(client, notice, email=address))
    )

    assert paid.status_code == 200, paid.text
    found = await client.post(
        "/v1/claim-notices/lookup", json={"number": notice["number"], "plate": notice["plate"]}
    )
    assert found.json()["status"] == "paid"
    receipt_url = f"/v1/claim-notices/receipts/{paid.json()['receipt_id']}"
    pdf = await client.get(receipt_url, params={"plate": notice["plate"]})
    assert pdf.status_code == 200  # still downloadable from the page
    # The service's own logs (httpx's lines are this test's client asking for the PDF).
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx")
    assert "claim receipt email not started" in logged
    assert address not in logged
    assert notice["plate"] not in logged


async def test_the_internal_receipt_needs_the_service_token(
    client: httpx.AsyncClient, notices: NoticeFactory, payments: PaymentsStack
) -> None:
    notice = await notices()
    paid = (
        await client.post("/v1/claim-notices/pay", json=(await pay_body(client, notice)))
    ).json()
    url = f"/internal/v1/claim-notices/receipts/{paid['receipt_id']}"
    token = payments.internal
    assert (await client.get(url)).status_code in (401, 403)
    answer = await client.get(url, headers=token)
    assert answer.status_code == 200, answer.text
    assert answer.json() | {"email": None, "language": "fr"} == answer.json()
    assert answer.json()["receipt_number"] == paid["receipt_number"]
    pdf = await client.get(f"{url}/pdf", headers=token)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    missing = await client.get("/internal/v1/claim-notices/receipts/nope", headers=token)
    assert missing.status_code == 404
