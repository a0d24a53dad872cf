"""The price preview of « Récapitulatif » (docs/billing.md, "Price preview").

Every figure comes from the functions the billing loop of `SubscriptionWorkflow` charges with
(`workflows.subscription.billing`: the first period's start and end, its prorated amount, a PAD
debit's day) and from the tax split the payments service writes on every invoice
(`servicekit.money.back_out_taxes`), so the preview and the charges cannot disagree. The
preview assumes the request is approved today: a later approval moves a start that has passed
to the approval day (and a PAD debit with it), which the page says.
"""

from datetime import date, timedelta

from servicekit.money import back_out_taxes
from services.subscriptions.figure_schemas import ChargeLines, ChargeOut, PricePreviewOut
from services.subscriptions.models import Offering
from workflows.subscription import billing


def lines(total_cents: int) -> ChargeLines:
    """A taxes-included amount with its pre-tax part, GST (TPS) and QST (TVQ), as invoiced."""
    split = back_out_taxes(total_cents)
    return ChargeLines(
        total_cents=split.total_cents,
        pretax_cents=split.pretax_cents,
        gst_cents=split.gst_cents,
        qst_cents=split.qst_cents,
    )


def _charge(
    offering: Offering, period_start: date, charged_on: date, approved_on: date
) -> ChargeOut:
    """One period's charge: its days, amount and tax lines, and when it is taken. A bank
    account's debit also waits for its notice, sent at approval (Rule H1)."""
    end = billing.period_end(period_start, None)
    amount = billing.period_amount(offering.monthly_price_cents, period_start, end)
    bank = offering.billing_mode == "pad"
    return ChargeOut(
        **lines(amount).model_dump(),
        period_start=period_start,
        period_end=end,
        prorated=period_start.day != 1,  # a period runs to its month's end
        charged_on=charged_on,
        bank_debit_on=billing.pad_debit_day(period_start, approved_on) if bank else None,
    )


def preview(offering: Offering, requested: date, approved_on: date) -> PricePreviewOut:
    """The first charge (at approval, prorated unless the start is a 1st) and the next one
    (the 1st of the following month, the monthly price), for approval on `approved_on`."""
    start = billing.first_period_start(requested, approved_on)
    following = billing.month_end(start) + timedelta(days=1)
    return PricePreviewOut(
        offering_id=offering.id,
        billing_mode=offering.billing_mode,
        monthly_price_cents=offering.monthly_price_cents,
        start=start,
        approved_on=approved_on,
        first_charge=_charge(offering, start, approved_on, approved_on),
        next_charge=_charge(offering, following, following, approved_on),
    )
