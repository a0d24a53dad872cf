"""The Temporal Web UI for operators, in Chromium on the real stack: the console's workflow link
lands on the decoded workflow at /temporal/ on the portal's origin (no codec banner, nothing to
set), customers get 403, anonymous visitors the login page, and nothing can be cancelled or
terminated from the UI."""

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from tests.e2e.conftest import shot
from tests.e2e.stack import Stack
from tests.e2e.test_subscription_journey import PASSWORD, log_in, open_account, run_module

OFFERING_ID = 7117  # Hôpital de Hull - Employé CISSSO, payroll deduction (seed)
CODEC_BANNER = re.compile("Codec Server could not connect", re.IGNORECASE)


@pytest.fixture(scope="session")
def catalog(stack: Stack) -> Stack:
    """The stack with the catalog's seed (idempotent)."""
    run_module(stack, "services.subscriptions.seed")
    return stack


async def request_subscription(stack: Stack, email: str) -> tuple[str, str]:
    """A pending request through the API (the browser journey has its own test): id, number."""
    async with httpx.AsyncClient(base_url=stack.url("identity")) as identity:
        login = {"email": email, "password": PASSWORD}
        token = (await identity.post("/v1/sessions", json=login)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=stack.url("subscriptions"), headers=headers) as subs:
        plate = f"T{uuid.uuid4().hex[:5].upper()}"
        vehicle = {"year": 2022, "make": "Honda", "model": "Civic", "color": "Bleu", "plate": plate}
        added = await subs.post("/v1/vehicles", json=vehicle)
        assert added.status_code == 201, added.text
        today = datetime.now(ZoneInfo("America/Montreal")).date().isoformat()
        body = {
            "offering_id": OFFERING_ID,
            "requested_start": today,
            "accept_terms": True,
            "understand_approval": True,
            "vehicle_ids": [added.json()["id"]],
            "employee_number": "E-4410",
        }
        created = await subs.post("/v1/subscriptions", json=body)
        assert created.status_code == 201, created.text
    return created.json()["id"], created.json()["contract_number"]


async def new_page(browser: Browser) -> Page:
    context = await browser.new_context(locale="fr-CA", viewport={"width": 1400, "height": 900})
    return await context.new_page()


async def test_operators_read_decoded_workflows_and_nobody_else_gets_in(
    catalog: Stack, browser: Browser, temporal_env: WorkflowEnvironment
) -> None:
    stack = catalog
    web = stack.url("web")
    customer = f"ui-client-{uuid.uuid4().hex[:8]}@example.org"
    await open_account(stack, customer)
    subscription_id, number = await request_subscription(stack, customer)
    agent = f"ui-agent-{uuid.uuid4().hex[:8]}@example.org"
    run_module(
        stack,
        "services.identity.cli",
        "create-operator",
        agent,
        extra_env={"OPERATOR_PASSWORD": PASSWORD},
    )

    # Anonymous: the login page
    anonymous = await new_page(browser)
    await anonymous.goto(f"{web}/temporal/")
    assert anonymous.url == f"{web}/connexion"
    await anonymous.context.close()

    # A customer: 403
    client_page = await new_page(browser)
    await log_in(client_page, stack, customer)
    refused = await client_page.goto(f"{web}/temporal/")
    assert refused is not None and refused.status == 403
    await expect(client_page.get_by_text("Accès refusé")).to_be_visible()
    await client_page.screenshot(path=shot("40-temporal-ui-client-403"), full_page=True)
    await client_page.context.close()

    # An operator: console → request → workflow link → the decoded input, no codec banner
    console = await new_page(browser)
    problems: list[str] = []
    console.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    await log_in(console, stack, agent)
    await console.get_by_role("link", name="Console opérateur").click()
    await console.get_by_role("link", name=number).click()
    link = console.get_by_role("link", name=re.compile("Temporal"))
    workflow = f"/temporal/namespaces/default/workflows/subscription-{subscription_id}"
    assert await link.get_attribute("href") == workflow
    async with console.context.expect_page() as opened:
        await link.click()
    ui = await opened.value
    ui.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    await ui.wait_for_url(re.compile(re.escape(f"{web}{workflow}")))
    await expect(ui.get_by_text(f'"{subscription_id}"').first).to_be_visible(timeout=20_000)
    await expect(ui.get_by_text(f'"{number}"').first).to_be_visible()
    await expect(ui.get_by_text(CODEC_BANNER)).to_have_count(0)
    await ui.screenshot(path=shot("41-temporal-ui-workflow-decoded"), full_page=True)
    assert not [p for p in problems if "Content Security Policy" in p], problems

    # Nothing to cancel or terminate from the UI: the buttons are gone or disabled, and the
    # calls they would make are refused by the web before they reach Temporal.
    for name in ("Request Cancellation", "More Actions", "Terminate", "Reset", "Signal"):
        for button in await ui.get_by_role("button", name=re.compile(name)).all():
            assert not await button.is_visible() or await button.is_disabled(), name
    for action in ("cancel", "terminate"):
        status = await ui.evaluate(
            """async (url) => (await fetch(url, {method: 'POST', body: '{}',
                headers: {'Content-Type': 'application/json'}})).status""",
            f"/temporal/api/v1/namespaces/default/workflows/subscription-{subscription_id}/{action}",
        )
        assert status == 403, action
    handle = temporal_env.client.get_workflow_handle(f"subscription-{subscription_id}")
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    await console.context.close()
