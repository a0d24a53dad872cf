"""The real subscription activities against the real subscriptions and identity apps: one
request taken through its whole lifecycle (see `subscription_services` for the wiring)."""

from datetime import timedelta

from services.subscriptions.clock import today
from tests.workflows import subscription_services
from tests.workflows.subscription_services import Real, change, refused_with, run
from workflows.subscription.models import ContractInput, SubscriptionRef, UserEmailInput

real = subscription_services.real  # the shared fixture


async def test_lifecycle_activities_against_the_real_service(real: Real) -> None:
    offering_id = await real.offering(capacity=1, notice_days=30)
    user, other = await real.users(), await real.users(language="en")
    first, second = await real.pending(user, offering_id), await real.pending(other, offering_id)
    transition = real.activities.transition

    approve = change(first, "approve", key=f"subscription-{first}:approve:0")
    approved = await run(transition, approve)
    assert (approved.status, approved.billing_mode) == ("active", "payroll")
    assert (approved.start_date, approved.offering_id) == (today() + timedelta(days=3), offering_id)
    assert await run(transition, approve) == approved  # a repeat changes nothing

    full = await refused_with(transition, change(second, "approve"))
    assert (full.type, full.non_retryable) == ("offering_full", True)
    no_reason = await refused_with(transition, change(second, "refuse"))
    assert (no_reason.type, no_reason.non_retryable) == ("validation_failed", True)
    wrong = await refused_with(transition, change(first, "expire"))
    assert (wrong.type, wrong.non_retryable) == ("invalid_transition", True)

    key = f"subscription-{first}:contract"
    await run(
        real.activities.generate_contract, ContractInput(subscription_id=first, idempotency_key=key)
    )
    email = UserEmailInput(
        subscription_id=first,
        kind="subscription_approved",
        key=f"subscription-{first}:email:subscription_approved",
        attach_contract=True,
    )
    assert (await run(real.activities.email_user, email)).outcome == "sent"

    cancel = change(first, "schedule_cancellation", requested_date=today())
    scheduled = await run(transition, cancel)
    assert scheduled.cancellation_effective == today() + timedelta(days=30)
    assert (await run(transition, change(first, "end"))).status == "ended"
    assert (
        await run(real.activities.load, SubscriptionRef(subscription_id=first))
    ).status == "ended"

    [message] = [m for m in real.inbox(user.email) if list(m.iter_attachments())]
    assert message["Subject"] == "Votre demande d'abonnement a été approuvée"
    [pdf] = list(message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")
    text = message.get_body(preferencelist=("plain",))
    assert text is not None and "Statut de l'abonnement : Actif" in text.get_content()
