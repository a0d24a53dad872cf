"""The card expiry reminder on the time-skipping server, with the real payments service: thirty
days before the card expires, one email (across the monthly continue-as-new runs); a card
replaced before then gets no reminder for the old card. The email itself goes through the real
activity and a real SMTP server."""

from datetime import date, datetime, timedelta

import pytest

from servicekit.clock import MONTREAL
from tests.payments.factories import VISA, card_body
from tests.workflows import subscription_services
from tests.workflows.billing_support import Billing
from tests.workflows.fake_subscriptions import cancel_at, decide, sleep_until, start, today
from tests.workflows.helpers import eventually
from tests.workflows.subscription_services import Real, run
from workflows.subscription.calendar import start_of_day
from workflows.subscription.models import PaymentMethodUpdated, UserEmailInput
from workflows.subscription.workflows import SubscriptionWorkflow

real = subscription_services.real  # the shared fixture (real services, real SMTP)

# The tests start on 10 June of next year (`start_at`); the card expires at the end of August
# that year, so the reminder is due on 2 August at 00:00 in Montréal (30 days before 1 Sept).
YEAR = datetime.now(MONTREAL).year + 1
LAST_DAY = date(YEAR, 8, 31)
REMIND_AT = start_of_day(date(YEAR, 9, 1)) - timedelta(days=30)


async def august_card(billing: Billing) -> str:
    body = await card_body(billing.payments, VISA, exp_month=8, exp_year=YEAR)
    added = await billing.payments.post(
        "/v1/payment-methods/card", headers=billing.user.headers, json=body
    )
    assert added.status_code == 201, added.text
    return str(added.json()["id"])


def reminders(billing: Billing) -> list[UserEmailInput]:
    return [e for e in billing.service.named("email") if e.kind == "card_expiring"]


@pytest.mark.start_at(6, 10)
async def test_the_reminder_is_sent_once_thirty_days_before_the_card_expires(
    billing: Billing,
) -> None:
    method = await august_card(billing)
    async with billing.worker():
        handle = await start(
            billing.env, billing.service, billing.queue, row=billing.row("pad", method)
        )
        await decide(billing.env, handle, "approve")
        await eventually(lambda: len(billing.recorder.charges) == 1)

        await sleep_until(billing.env, REMIND_AT - timedelta(hours=1))
        await billing.latest(handle).query(SubscriptionWorkflow.status)
        assert reminders(billing) == []
        await sleep_until(billing.env, REMIND_AT + timedelta(hours=1))
        await eventually(lambda: len(reminders(billing)) == 1)
        await sleep_until(billing.env, REMIND_AT + timedelta(days=20))
        await billing.latest(handle).query(SubscriptionWorkflow.status)
        await cancel_at(billing.env, billing.latest(handle), await today(billing.env))
        await handle.result()

    [reminder] = reminders(billing)
    assert (reminder.card_last4, reminder.card_last_day) == ("4242", LAST_DAY)
    [call] = [c for c in billing.service.calls if c.name == "email" and c.payload is reminder]
    assert timedelta(0) <= call.at - REMIND_AT < timedelta(minutes=1)


@pytest.mark.start_at(6, 10)
async def test_a_card_replaced_before_then_gets_no_reminder_for_the_old_card(
    billing: Billing,
) -> None:
    method = await august_card(billing)
    async with billing.worker():
        handle = await start(
            billing.env, billing.service, billing.queue, row=billing.row("pad", method)
        )
        await decide(billing.env, handle, "approve")
        await eventually(lambda: len(billing.recorder.charges) == 1)

        await sleep_until(billing.env, REMIND_AT - timedelta(days=10))
        replaced = await billing.payments.put(
            f"/v1/payment-methods/{method}/card",
            headers=billing.user.headers,
            json=(await card_body(billing.payments, VISA, exp_month=12, exp_year=YEAR + 1)),
        )
        assert replaced.status_code == 200, replaced.text
        await billing.latest(handle).signal(
            SubscriptionWorkflow.payment_method_updated,
            PaymentMethodUpdated(account_id=billing.user.id),
        )
        await sleep_until(billing.env, REMIND_AT + timedelta(days=3))
        await billing.latest(handle).query(SubscriptionWorkflow.status)
        assert reminders(billing) == []
        await cancel_at(billing.env, billing.latest(handle), await today(billing.env))
        await handle.result()

    assert reminders(billing) == []


async def test_the_reminder_email_links_to_the_card_update(real: Real) -> None:
    french, english = await real.users(), await real.users(language="en")
    for user, expected in (
        (french, "La carte de crédit se terminant par 4242 qui paie votre abonnement expire "
         "après le 31 août 2027."),
        (english, "The credit card ending in 4242 that pays for your subscription expires "
         "after August 31, 2027."),
    ):  # fmt: skip
        sid = await real.active(user)
        email = UserEmailInput(
            subscription_id=sid,
            kind="card_expiring",
            key=f"subscription-{sid}:email:card_expiring:m1:2027-08-31",
            card_last4="4242",
            card_last_day=date(2027, 8, 31),
        )
        before = len(real.inbox(user.email))
        assert (await run(real.activities.email_user, email)).outcome == "sent"
        [message] = real.inbox(user.email)[before:]
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        text = str(body.get_content())
        assert expected in text
        link = f"{real.platform.public_web_origin}/mon-abonnement/{sid}/carte"
        label = "Update the credit card: "
        if user is french:
            label = "Mettre à jour la carte de crédit : "
        assert f"{label}{link}" in text
    assert message["Subject"] == "Your credit card expires soon"
