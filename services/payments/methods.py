"""Payment methods: a card (the hosted page's token redeemed), or a bank account with its PAD
agreement and specimen."""

import asyncio
import re
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.cards import contains_card_number
from servicekit.clock import today
from servicekit.db import utcnow
from servicekit.secrets_box import SecretBox
from services.payments import repository as repo
from services.payments import specimens
from services.payments.errors import (
    MethodInUse,
    MethodNotFound,
    NotABankAccount,
    NotACard,
    field_error,
)
from services.payments.gateway import CardToken, PaymentGateway
from services.payments.models import PaymentMethod
from services.payments.pad_agreement import agreement
from services.payments.schemas import CardIn

INSTITUTION = re.compile(r"^\d{3}$")
TRANSIT = re.compile(r"^\d{5}$")
ACCOUNT = re.compile(r"^\d{7,12}$")


@dataclass(frozen=True)
class PadIn:
    """The bank-account form, already read from its multipart body."""

    holder_name: str
    institution: str
    transit: str
    account: str
    agreement_accepted: bool
    agreement_version: str
    payer_type: str
    specimen: bytes | None


def _apply_token(row: PaymentMethod, holder_name: str, token: CardToken) -> None:
    row.holder_name, row.gateway_token, row.brand = holder_name, token.token, token.brand
    row.last4, row.exp_month, row.exp_year = token.last4, token.exp_month, token.exp_year
    row.updated_at = utcnow()


async def add_card(
    session: AsyncSession, gateway: PaymentGateway, account_id: str, body: CardIn
) -> PaymentMethod:
    """Soumettre: redeem the hosted page's token; keep only the card token, brand, last 4 and
    expiry."""
    token = await gateway.redeem(body.card_token)
    row = PaymentMethod(id=str(uuid.uuid4()), account_id=account_id, kind="card")
    _apply_token(row, body.holder_name.strip(), token)
    session.add(row)
    await session.flush()
    return row


async def replace_card(
    session: AsyncSession,
    gateway: PaymentGateway,
    account_id: str,
    method_id: str,
    body: CardIn,
) -> PaymentMethod:
    """Mettre à jour la carte de crédit: the same method, a new token; the next charge uses it.

    The gateway is called before the first query: the request's transaction (on SQLite, the
    write lock) must not be open while the gateway writes in its own.
    """
    token = await gateway.redeem(body.card_token)
    row = await require(session, method_id, account_id)
    if row.kind != "card":
        raise NotACard()
    _apply_token(row, body.holder_name.strip(), token)
    await session.flush()
    return row


def _check_bank(form: PadIn) -> None:
    if contains_card_number(form.holder_name):  # a name, never a card number (RULES.md)
        raise field_error("holder_name", "card_number_refused")
    for field, pattern, rule in (
        ("institution", INSTITUTION, "institution_invalid"),
        ("transit", TRANSIT, "transit_invalid"),
        ("account", ACCOUNT, "account_invalid"),
    ):
        if not pattern.match(getattr(form, field)):
            raise field_error(field, rule)
    if not form.agreement_accepted:
        raise field_error("agreement_accepted", "agreement_required")
    if agreement(form.agreement_version) is None:
        raise field_error("agreement_version", "agreement_version_invalid")
    if form.specimen is None:
        raise field_error("specimen", "specimen_required")


async def add_pad(
    session: AsyncSession, specimen_dir: str, box: SecretBox, account_id: str, form: PadIn
) -> PaymentMethod:
    """Ajouter: the bank account (its number sealed), the agreement accepted now in the version
    shown, the specimen."""
    _check_bank(form)
    assert form.specimen is not None
    media_type, extension, content = await asyncio.to_thread(specimens.accept, form.specimen)
    name = await asyncio.to_thread(specimens.save, specimen_dir, content, extension)
    now = utcnow()
    row = PaymentMethod(
        id=str(uuid.uuid4()),
        account_id=account_id,
        kind="pad",
        holder_name=form.holder_name.strip(),
        institution=form.institution,
        transit=form.transit,
        account_number_encrypted=box.seal(form.account),
        account_last4=form.account[-4:],
        payer_type=form.payer_type,
        agreement_version=form.agreement_version,
        agreement_accepted_at=now,
        specimen_file=name,
        specimen_media_type=media_type,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    try:
        await session.flush()
    except BaseException:
        await asyncio.to_thread(specimens.delete, specimen_dir, name)
        raise
    return row


async def replace_pad(
    session: AsyncSession,
    specimen_dir: str,
    box: SecretBox,
    ids: tuple[str, str],
    form: PadIn,
) -> tuple[PaymentMethod, str | None]:
    """New banking details for the same method (`ids`: account, method), e.g. after the bank
    returned a debit because the account was closed: the agreement accepted again now, the new
    specimen kept; the next debit goes to the new account. Also the old specimen's file name,
    for the caller to delete once this is committed."""
    _check_bank(form)
    assert form.specimen is not None
    row = await require(session, ids[1], ids[0])
    if row.kind != "pad":
        raise NotABankAccount()
    media_type, extension, content = await asyncio.to_thread(specimens.accept, form.specimen)
    name = await asyncio.to_thread(specimens.save, specimen_dir, content, extension)
    old, now = row.specimen_file, utcnow()
    row.holder_name = form.holder_name.strip()
    row.institution, row.transit = form.institution, form.transit
    row.account_number_encrypted, row.account_last4 = box.seal(form.account), form.account[-4:]
    row.payer_type, row.agreement_version = form.payer_type, form.agreement_version
    row.agreement_accepted_at, row.updated_at = now, now
    row.specimen_file, row.specimen_media_type = name, media_type
    try:
        await session.flush()
    except BaseException:
        await asyncio.to_thread(specimens.delete, specimen_dir, name)
        raise
    return row, old


async def require(session: AsyncSession, method_id: str, account_id: str | None) -> PaymentMethod:
    """The caller's live method (an operator passes None), else the same 404 for everyone."""
    row = await repo.method(session, method_id, account_id)
    if row is None:
        raise MethodNotFound()
    return row


async def specimen(
    session: AsyncSession, specimen_dir: str, method_id: str, account_id: str | None
) -> tuple[bytes, str, str]:
    """(content, media type, download name) of a method's specimen."""
    row = await require(session, method_id, account_id)
    if row.specimen_file is None or row.specimen_media_type is None:
        raise MethodNotFound()
    content = await asyncio.to_thread(specimens.read, specimen_dir, row.specimen_file)
    extension = row.specimen_file.rsplit(".", 1)[-1]
    return content, row.specimen_media_type, f"specimen-{row.id[:8]}.{extension}"


async def delete(session: AsyncSession, specimen_dir: str, method_id: str, account_id: str) -> None:
    """Remove a method not paying a current period; its specimen file goes with it."""
    row = await require(session, method_id, account_id)
    if await repo.pays_current_period(session, row.id, today()):
        raise MethodInUse()
    row.deleted_at = utcnow()
    row.gateway_token = None
    row.account_number_encrypted = row.account_last4 = None
    name, row.specimen_file = row.specimen_file, None
    await session.flush()
    if name:
        await asyncio.to_thread(specimens.delete, specimen_dir, name)
