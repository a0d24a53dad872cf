"""Response bodies built from the rows: never a card number, only a bank account's last 4."""

from services.payments.models import Adjustment, Invoice, PaymentMethod
from services.payments.schemas import AdjustmentOut, AgreementOut, InvoiceOut, MethodOut


def method_out(row: PaymentMethod) -> MethodOut:
    agreement = None
    if row.agreement_version and row.agreement_accepted_at:
        agreement = AgreementOut(
            version=row.agreement_version, accepted_at=row.agreement_accepted_at
        )
    return MethodOut.model_validate(
        {
            "id": row.id,
            "kind": row.kind,
            "holder_name": row.holder_name,
            "brand": row.brand,
            "last4": row.last4,
            "exp_month": row.exp_month,
            "exp_year": row.exp_year,
            "institution": row.institution,
            "transit": row.transit,
            "account_last4": row.account_last4,
            "payer_type": row.payer_type,
            "agreement": agreement,
            "has_specimen": row.specimen_file is not None,
            "created_at": row.created_at,
        }
    )


def invoice_out(row: Invoice) -> InvoiceOut:
    return InvoiceOut.model_validate(row, from_attributes=True)


def adjustment_out(row: Adjustment, balance_cents: int) -> AdjustmentOut:
    return AdjustmentOut.model_validate(
        {
            "id": row.id,
            "account_id": row.account_id,
            "kind": row.kind,
            "amount_cents": row.amount_cents,
            "reason": row.reason,
            "operator_id": row.operator_id,
            "created_at": row.created_at,
            "balance_cents": balance_cents,
        }
    )
