"""The real subscription activities, one behaviour at a time, against the real subscriptions and
identity apps (in-process, real databases) and the suite's real SMTP server.

Every subscription, account and catalog row is made by the services themselves; what a test
checks afterwards is the service's own state (its internal endpoint, `audit_entries`,
`contracts`) and the messages the SMTP server received. Wiring: `subscription_services`.
"""

import io
import json
import logging
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from services.subscriptions.clock import today
from tests.workflows import subscription_services
from tests.workflows.subscription_services import Real, change, refused_with, run
from workflows.service_errors import http_failure
from workflows.subscription.models import (
    ContractInput,
    ServiceCentreEmailInput,
    SubscriptionRef,
    SubscriptionSnapshot,
    UserEmailInput,
)

real = subscription_services.real  # the shared fixture

HULL_CISSSO = "Hôpital de Hull - Employé CISSSO"


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content())


def email(sid: str, kind: str, **fields: Any) -> UserEmailInput:
    return UserEmailInput.model_validate(
        {"subscription_id": sid, "kind": kind, "key": f"subscription-{sid}:email:{kind}"} | fields
    )


async def sent(real: Real, address: str, activity: Any, arg: Any) -> tuple[Any, list[Any]]:
    """Run the activity; its result and the messages `address` received meanwhile."""
    before = len(real.inbox(address))
    result = await run(activity, arg)
    return result, real.inbox(address)[before:]


async def test_request_received_email_in_french(
    real: Real, caplog: pytest.LogCaptureFixture
) -> None:
    user = await real.users()
    sid = await real.pending(user, await real.offering(name=HULL_CISSSO))
    contract_number = (await real.internal(sid))["contract_number"]
    caplog.clear()
    caplog.set_level(logging.DEBUG)

    result, [message] = await sent(
        real, user.email, real.activities.email_user, email(sid, "subscription_received")
    )

    assert result.outcome == "sent"
    assert message["To"] == user.email
    assert message["Subject"] == "Votre demande d'abonnement a été reçue"
    text, page = body(message, "plain"), body(message, "html")
    assert text.startswith("Bonjour Léa,")
    for label in (
        f"Numéro de contrat : {contract_number}",
        "Statut de l'abonnement : En attente d'approbation",
        "Début de l'abonnement : Jour de l'approbation",
        "Fin de l'abonnement : Indéterminée",
        f"Service : {HULL_CISSSO}",
    ):
        assert label in text
    assert "En attente d&#39;approbation" in page and 'lang="fr"' in page
    assert not list(message.iter_attachments())
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail"))
    assert "subscription email sent (subscription_received)" in logged
    assert user.email not in logged


async def test_a_late_request_received_email_still_reads_as_received(real: Real) -> None:
    """A retry delivered after the approval must not announce the approved start date."""
    user = await real.users()
    sid = await real.active(user, start=date(today().year + 1, 1, 12))

    _, [message] = await sent(
        real, user.email, real.activities.email_user, email(sid, "subscription_received")
    )

    text = body(message, "plain")
    assert "Début de l'abonnement : Jour de l'approbation" in text
    assert "Statut de l'abonnement : En attente d'approbation" in text


async def test_approval_email_attaches_the_contract_pdf(real: Real) -> None:
    user = await real.users()
    start = date(today().year + 1, 1, 12)
    sid = await real.active(user, start=start)
    contract_number = (await real.internal(sid))["contract_number"]
    key = f"subscription-{sid}:contract"
    await run(
        real.activities.generate_contract, ContractInput(subscription_id=sid, idempotency_key=key)
    )

    approved = email(sid, "subscription_approved", attach_contract=True)
    _, [message] = await sent(real, user.email, real.activities.email_user, approved)

    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"contrat-{contract_number}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    pdf = attachment.get_content()
    stored = await real.contract_row(sid)
    assert stored is not None and pdf == stored["pdf"]  # the service's stored contract
    assert pdf.startswith(b"%PDF")
    pages = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert contract_number in pages
    assert f"Début de l'abonnement : 12 janvier {start.year}" in body(message, "plain")
    assert "Statut de l'abonnement : Actif" in body(message, "plain")


async def test_english_account_gets_english_emails(real: Real) -> None:
    user = await real.users(language="en")  # language set through identity's profile API
    sid = await real.active(user)
    requested = date(today().year + 2, 2, 9)
    scheduled = await run(
        real.activities.transition,
        change(sid, "schedule_cancellation", actor=user.id, requested_date=requested),
    )
    assert scheduled.cancellation_effective == requested

    kind = "subscription_cancellation_scheduled"
    notice = email(sid, kind, effective_date=scheduled.cancellation_effective)
    _, [message] = await sent(real, user.email, real.activities.email_user, notice)

    assert message["Subject"] == "Your cancellation request was received"
    text = body(message, "plain")
    assert f"your subscription will end on February 9, {requested.year}" in text
    assert f"Subscription end: February 9, {requested.year}" in text


async def test_refusal_email_carries_the_reason(real: Real) -> None:
    user = await real.users()
    sid = await real.pending(user)
    reason = "Aucune place <libre>"
    refused = await run(real.activities.transition, change(sid, "refuse", reason=reason))
    assert refused.status == "refused"
    assert (await real.internal(sid))["refusal_reason"] == reason

    notice = email(sid, "subscription_refused", reason=reason)
    _, [message] = await sent(real, user.email, real.activities.email_user, notice)

    assert "Motif : Aucune place <libre>" in body(message, "plain")
    assert "Aucune place &lt;libre&gt;" in body(message, "html")


async def test_a_deleted_account_gets_no_email(real: Real) -> None:
    user = await real.users()
    sid = await real.pending(user)
    await run(real.activities.transition, change(sid, "withdraw", actor=user.id))
    await real.delete_account(user)  # allowed once nothing is pending or active

    result, received = await sent(
        real, user.email, real.activities.email_user, email(sid, "subscription_withdrawn")
    )

    assert result.outcome == "account_not_found"
    assert received == []


async def test_service_centre_reminder_goes_to_the_configured_address(real: Real) -> None:
    user = await real.users()
    sid = await real.pending(user)
    contract_number = (await real.internal(sid))["contract_number"]
    reminder = ServiceCentreEmailInput(
        subscription_id=sid,
        contract_number=contract_number,
        kind="subscription_reminder",
        key=f"subscription-{sid}:email:subscription_reminder",
        waiting_days=3,
    )

    _, [message] = await sent(real, real.centre, real.activities.email_service_centre, reminder)

    assert message["To"] == real.centre
    assert message["Subject"] == (
        f"Rappel : demande d'abonnement en attente d'approbation ({contract_number})"
    )
    assert "attend une décision depuis 3 jours" in body(message, "plain")
    assert user.email not in message.as_string()
    assert len(real.inbox(user.email)) == 1  # only identity's sign-up email


async def test_transition_sends_the_action_date_and_key(real: Real) -> None:
    user = await real.users()
    offering_id = await real.offering()
    start = today() + timedelta(days=5)
    sid = await real.active(user, offering_id, start=start)
    trail = await real.audit_trail(sid)
    key = f"subscription-{sid}:schedule_cancellation:0"
    requested = date(today().year + 2, 3, 17)  # beyond the notice: takes effect as asked
    schedule = change(sid, "schedule_cancellation", key, actor=user.id, requested_date=requested)

    snapshot = await run(real.activities.transition, schedule)

    assert snapshot == SubscriptionSnapshot(
        status="active",
        start_date=start,
        cancellation_effective=requested,
        billing_mode="payroll",
        offering_id=offering_id,
        monthly_price_cents=snapshot.monthly_price_cents,
        account_id=user.id,  # the same snapshot as `load` reads: one shape
    )
    assert snapshot.monthly_price_cents is not None and snapshot.monthly_price_cents > 0
    stored = await real.internal(sid)
    assert stored["cancellation_effective"] == requested.isoformat()
    [*before, entry] = await real.audit_trail(sid)
    assert before == trail
    assert {k: entry[k] for k in ("action", "actor", "actor_role", "idempotency_key")} == {
        "action": "schedule_cancellation",
        "actor": user.id,
        "actor_role": "user",
        "idempotency_key": key,
    }
    assert (entry["from_status"], entry["to_status"]) == ("active", "active")
    assert entry["detail"] == f"requested {requested}, effective {requested}"

    later = schedule.model_copy(update={"requested_date": requested + timedelta(days=40)})
    assert await run(real.activities.transition, later) == snapshot  # same key: nothing changes
    assert await real.internal(sid) == stored
    assert await real.audit_trail(sid) == [*before, entry]


async def _full(real: Real) -> tuple[Any, Any]:
    offering_id = await real.offering(capacity=1)
    waiting = await real.pending(await real.users(), offering_id)  # asked while a space was free
    await real.active(await real.users(), offering_id)  # the space went to another
    return real.activities.transition, change(waiting, "approve")


async def _waitlisted(real: Real) -> tuple[Any, Any]:
    offering_id = await real.offering(capacity=1)
    await real.active(await real.users(), offering_id)
    waiting = await real.pending(await real.users(), offering_id)  # asked when full: in line
    return real.activities.transition, change(waiting, "approve")


async def _already_active(real: Real) -> tuple[Any, Any]:
    sid = await real.active(await real.users())
    return real.activities.transition, change(sid, "approve")


async def _refusal_without_reason(real: Real) -> tuple[Any, Any]:
    sid = await real.pending(await real.users())
    return real.activities.transition, change(sid, "refuse")


async def _wrong_service_token(real: Real) -> tuple[Any, Any]:
    sid = await real.pending(await real.users())
    activities = real.activities_with(service_token="not-the-platform-token")
    return activities.transition, change(sid, "approve")


async def _identity_lost_the_account(real: Real) -> tuple[Any, Any]:
    user = await real.users()
    sid = await real.active(user)
    await real.purge_account_row(user)  # the contract's subscriber cannot be looked up
    contract = ContractInput(subscription_id=sid, idempotency_key=f"subscription-{sid}:contract")
    return real.activities.generate_contract, contract


@pytest.mark.parametrize(
    ("setup", "status", "code", "final"),
    [
        (_full, 409, "offering_full", True),
        (_waitlisted, 409, "waitlisted", True),
        (_already_active, 409, "invalid_transition", True),
        (_refusal_without_reason, 422, "validation_failed", True),
        (_wrong_service_token, 401, "invalid_service_token", False),
        (_identity_lost_the_account, 503, "identity_unavailable", False),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
async def test_service_refusals_become_typed_errors(
    real: Real, setup: Any, status: int, code: str, final: bool
) -> None:
    activity, arg = await setup(real)
    sid = arg.subscription_id
    stored, trail = await real.internal(sid), await real.audit_trail(sid)

    error = await refused_with(activity, arg)

    assert (error.type, error.non_retryable) == (code, final)
    assert error.message == f"subscriptions answered HTTP {status} {code}"  # no body echoed
    assert await real.internal(sid) == stored
    assert await real.audit_trail(sid) == trail


def test_throttling_is_retried() -> None:
    """No service here throttles its internal API: the classification is checked directly."""
    throttled = httpx.Response(429, json={"error": "throttled", "message": {"fr": "x@y.org"}})
    error = http_failure("subscriptions", throttled)
    assert (error.type, error.non_retryable) == ("throttled", False)
    assert "x@y.org" not in str(error)


async def test_contract_and_load_use_the_internal_endpoints(real: Real) -> None:
    user = await real.users()
    sid = await real.active(user)
    real.requests.clear()

    contract = await run(
        real.activities.generate_contract, ContractInput(subscription_id=sid, idempotency_key="k:c")
    )
    snapshot = await run(real.activities.load, SubscriptionRef(subscription_id=sid))

    stored = await real.contract_row(sid)
    assert stored is not None
    assert (contract.contract_id, contract.language) == (stored["id"], "fr")
    assert stored["idempotency_key"] == "k:c" and stored["pdf"].startswith(b"%PDF")
    internal = await real.internal(sid)
    assert snapshot == SubscriptionSnapshot(
        status="active",
        start_date=date.fromisoformat(internal["start_date"]),
        billing_mode=internal["billing_mode"],
        offering_id=internal["offering_id"],
        monthly_price_cents=internal["monthly_price_cents"],
        account_id=user.id,
        payment_method_id=None,  # payroll deduction
    )
    post, get = real.requests
    assert (post.method, post.url.path) == ("POST", f"/internal/v1/subscriptions/{sid}/contract")
    assert json.loads(post.content) == {"idempotency_key": "k:c"}
    assert (get.method, get.url.path) == ("GET", f"/internal/v1/subscriptions/{sid}")
    again = ContractInput(subscription_id=sid, idempotency_key="k:c")
    assert await run(real.activities.generate_contract, again) == contract  # issued once
