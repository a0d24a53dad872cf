"""Account deletion erases everywhere, durably: identity at once, then the `erasure-<account
id>` workflow on the real Temporal dev server has subscriptions and payments erase or anonymise
what they hold, and identity keeps every service's report as the proof."""

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from temporalio.service import RPCError, RPCStatusCode

from servicekit.auth import configure_verifier
from servicekit.db import transaction
from services.identity.models import Account, Profile
from services.payments.models import Charge, Invoice, PaymentMethod
from services.subscriptions import seed
from services.subscriptions.models import Contract, Subscription, Vehicle
from tests.identity.helpers import PASSWORD
from tests.payments.factories import add_card, add_pad, charge_body
from tests.subscriptions.factories import (
    HULL_DAS,
    Stack,
    User,
    UserFactory,
    add_vehicle,
    pending_row,
    transition,
)
from tests.support.verifier import identity_verifier
from tests.support.waiting import eventually
from workflows.erasure.models import ErasureResult, workflow_id

pytestmark = pytest.mark.usefixtures("worker")


def _client(app: FastAPI, base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)


@pytest.fixture
async def clients(apps):
    async with (
        _client(apps["subscriptions"], "http://subscriptions.test") as subscriptions,
        _client(apps["payments"], "http://payments.test") as payments,
    ):
        yield subscriptions, payments


@pytest.fixture
async def stack(apps, platform_settings, database_urls, temporal_env) -> Stack:
    await seed.main(database_urls["subscriptions"])
    configure_verifier(identity_verifier(apps["identity"], platform_settings, apps["http"]))
    return Stack(apps["subscriptions"], platform_settings, database_urls, temporal_env.client)


@pytest.fixture
def users(identity, smtp, database_urls) -> UserFactory:
    return UserFactory(identity, smtp, database_urls["identity"])


async def _rows(app: FastAPI, query):  # type: ignore[no-untyped-def]
    async with transaction(app.state.sessionmaker) as session:
        return (await session.scalars(query)).all()


async def _withdrawn_subscription_with_contract(
    stack: Stack, subscriptions: httpx.AsyncClient, user: User, vehicle_ids: list[str]
) -> str:
    """A request the user withdrew (deletion is allowed), with a contract PDF kept for it."""
    subscription_id = await pending_row(stack, user, HULL_DAS, vehicle_ids)
    withdrawn = await transition(subscriptions, stack, subscription_id, "withdraw")
    assert withdrawn.status_code == 200, withdrawn.text
    async with transaction(stack.app.state.sessionmaker) as session:
        session.add(
            Contract(
                id=str(uuid.uuid4()),
                subscription_id=subscription_id,
                language="fr",
                pdf=b"%PDF-1.4 Lea Tremblay 116 boul. Lionel-Emond",
                idempotency_key=f"test-contract-{subscription_id}",
            )
        )
    return subscription_id


async def _account_with_data(stack, clients, users, payments_stack_headers) -> tuple[User, dict]:
    subscriptions, payments = clients
    user = await users()
    vehicles = [await add_vehicle(subscriptions, user) for _ in range(2)]
    subscription_id = await _withdrawn_subscription_with_contract(
        stack, subscriptions, user, [v["id"] for v in vehicles]
    )
    card = await add_card(payments, user)
    pad = await add_pad(payments, user)
    assert pad.status_code == 201, pad.text
    charged = await payments.post(
        "/internal/v1/charges",
        json=charge_body(user, card["id"], subscription_id=subscription_id),
        headers=payments_stack_headers,
    )
    assert charged.json()["status"] == "paid", charged.text
    return user, {"subscription_id": subscription_id, "pad": pad.json(), "card": card}


async def test_deletion_erases_every_service_durably_and_keeps_the_proof(
    apps, identity, stack, clients, users, temporal_env, payments_settings, platform_settings
):
    subscriptions, payments = clients
    internal = {"X-Service-Token": platform_settings.service_token}
    user, made = await _account_with_data(stack, clients, users, internal)
    operator = await users(role="operator")
    [pad] = await _rows(
        apps["payments"], select(PaymentMethod).where(PaymentMethod.id == made["pad"]["id"])
    )
    specimen = Path(payments_settings.specimen_dir) / str(pad.specimen_file)
    assert specimen.is_file()
    before = await payments.get(
        f"/v1/operator/accounts/{user.id}/billing", headers=operator.headers
    )
    assert len(before.json()["methods"]) == 2

    deleted = await identity.post(
        "/v1/me/deletion", headers=user.headers, json={"password": PASSWORD}
    )
    assert deleted.status_code == 204, deleted.text

    handle = temporal_env.client.get_workflow_handle(
        workflow_id(user.id), result_type=ErasureResult
    )
    result = await handle.result()
    reports = {r.service: r for r in result.reports}
    assert reports["subscriptions"].erased["vehicles"] == 2
    assert reports["subscriptions"].erased["contracts"] == 1
    assert reports["payments"].erased == {"payment_methods": 2, "cheque_specimens": 1}
    assert reports["payments"].anonymised == {"invoices": 1}

    # Identity: the account and its profile are gone; the proof is kept, one report a service.
    assert await _rows(apps["identity"], select(Account).where(Account.id == user.id)) == []
    assert await _rows(apps["identity"], select(Profile).where(Profile.account_id == user.id)) == []
    proof = await identity.get(f"/internal/v1/erasures/{user.id}", headers=internal)
    kept = {r["service"]: r for r in proof.json()["reports"]}
    assert set(kept) == {"identity", "subscriptions", "payments"}
    assert kept["identity"]["erased"]["account"] == 1
    assert kept["identity"]["erased"]["profile"] == 1
    assert kept["payments"]["erased"]["cheque_specimens"] == 1
    assert all(r["erased_at"] for r in kept.values())

    # Subscriptions: no vehicle, no plate, no contract; the subscription kept, anonymised.
    sub_app = apps["subscriptions"]
    assert await _rows(sub_app, select(Vehicle).where(Vehicle.account_id == user.id)) == []
    contracts = select(Contract).where(Contract.subscription_id == made["subscription_id"])
    assert await _rows(sub_app, contracts) == []
    [sub] = await _rows(sub_app, select(Subscription).where(Subscription.account_id == user.id))
    assert (sub.employee_number, sub.contract_number != "") == ("-", True)

    # Payments: the methods hold nothing of the person; the specimen file is gone; the invoice
    # is kept without the card's digits.
    methods = await _rows(
        apps["payments"], select(PaymentMethod).where(PaymentMethod.account_id == user.id)
    )
    assert len(methods) == 2
    for m in methods:
        assert m.holder_name == "" and m.deleted_at is not None
        assert (m.gateway_token, m.last4, m.brand, m.exp_month, m.exp_year) == (None,) * 5
        assert (m.institution, m.transit, m.account_number_encrypted) == (None,) * 3
        assert (m.account_last4, m.specimen_file) == (None, None)
    assert not specimen.exists()
    [invoice] = await _rows(apps["payments"], select(Invoice).where(Invoice.account_id == user.id))
    assert (invoice.total_cents, invoice.method_last4) == (6500, None)
    billing = await payments.get(
        f"/v1/operator/accounts/{user.id}/billing", headers=operator.headers
    )
    assert billing.json()["methods"] == []
    assert [i["id"] for i in billing.json()["invoices"]] == [invoice.id]

    # The deleted account's token stops working everywhere.
    async def refused() -> bool:
        answers = [
            (await subscriptions.get("/v1/vehicles", headers=user.headers)).status_code,
            (await payments.get("/v1/balance", headers=user.headers)).status_code,
            (await identity.get("/v1/me", headers=user.headers)).status_code,
        ]
        return answers == [401, 401, 401]

    await eventually(refused, timeout=10.0)


async def test_erasure_endpoints_repeat_without_erasing_anything_more(
    identity, stack, clients, users, platform_settings
):
    subscriptions, payments = clients
    internal = {"X-Service-Token": platform_settings.service_token}
    user = await users()
    await add_vehicle(subscriptions, user)
    await add_card(payments, user)

    for client, service in ((subscriptions, "subscriptions"), (payments, "payments")):
        path = f"/internal/v1/accounts/{user.id}/erasure"
        first = (await client.post(path, headers=internal)).json()
        again = (await client.post(path, headers=internal)).json()
        assert first["service"] == again["service"] == service
        assert sum(first["erased"].values()) >= 1
        assert sum(again["erased"].values()) == 0
        assert sum(again["anonymised"].values()) == 0
        assert (await client.post(path)).status_code == 401  # the service token is required


class _TemporalDown:
    async def start_workflow(self, *args: Any, **kwargs: Any) -> None:
        raise RPCError("unavailable", RPCStatusCode.UNAVAILABLE, b"")


async def test_without_temporal_deletion_is_refused_and_nothing_is_deleted(
    apps, identity, users, monkeypatch
):
    user = await users()
    lifecycle = apps["identity"].state.components.lifecycle
    monkeypatch.setattr(lifecycle, "client", _TemporalDown())

    deleted = await identity.post(
        "/v1/me/deletion", headers=user.headers, json={"password": PASSWORD}
    )

    assert (deleted.status_code, deleted.json()["error"]) == (503, "service_unavailable")
    assert (await identity.get("/v1/me", headers=user.headers)).status_code == 200


async def test_payments_waits_until_a_recent_debit_is_in_the_bank_file(
    apps, stack, clients, users, platform_settings
):
    _, payments = clients
    internal = {"X-Service-Token": platform_settings.service_token}
    user = await users()
    pad = (await add_pad(payments, user)).json()
    debit = await payments.post(
        "/internal/v1/charges", json=charge_body(user, pad["id"]), headers=internal
    )
    assert debit.json()["status"] == "paid", debit.text
    path = f"/internal/v1/accounts/{user.id}/erasure"

    deferred = await payments.post(path, headers=internal)

    assert (deferred.status_code, deferred.json()["error"]) == (409, "erasure_deferred")
    wait = deferred.json()["details"]["retry_after_seconds"]
    assert 86400 < wait <= 2 * 86400 + 1
    [method] = await _rows(
        apps["payments"], select(PaymentMethod).where(PaymentMethod.id == pad["id"])
    )
    assert method.account_number_encrypted is not None  # tonight's CPA-005 file needs it

    async with transaction(apps["payments"].state.sessionmaker) as session:
        charge = await session.get(Charge, debit.json()["id"])
        assert charge is not None and charge.completed_at is not None
        charge.completed_at -= timedelta(days=3)  # the file of that day has been written
    erased = await payments.post(path, headers=internal)
    assert erased.json()["erased"] == {"payment_methods": 1, "cheque_specimens": 1}
