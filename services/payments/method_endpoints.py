"""Payment methods (`/v1/payment-methods`) and the PAD agreement text."""

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Response, UploadFile

from servicekit.auth import CurrentPrincipal
from servicekit.db import SessionDep, transaction
from services.payments import methods, specimens
from services.payments import repository as repo
from services.payments.billing import scope
from services.payments.claims.dependencies import SessionsDep
from services.payments.dependencies import ComponentsDep
from services.payments.errors import AgreementVersionNotFound
from services.payments.pad_agreement import agreement
from services.payments.schemas import CardIn, MethodOut, PadAgreementOut
from services.payments.specimens import MAX_BYTES
from services.payments.throttling import CARD_THROTTLES
from services.payments.views import method_out

router = APIRouter(prefix="/v1/payment-methods", tags=["payment methods"])
agreement_router = APIRouter(prefix="/v1/pad-agreement", tags=["payment methods"])


@router.post("/card", status_code=201, response_model=MethodOut, dependencies=CARD_THROTTLES)
async def add_card(
    body: CardIn, session: SessionDep, parts: ComponentsDep, principal: CurrentPrincipal
) -> MethodOut:
    """Soumettre: a credit card by the hosted page's single-use token (never its number)."""
    row = await methods.add_card(session, parts.gateway, principal.account_id, body)
    return method_out(row)


async def _upload(specimen: UploadFile | None) -> bytes | None:
    # One byte past the limit is enough to refuse; the rest is never read into memory.
    return None if specimen is None else await specimen.read(MAX_BYTES + 1)


@router.post("/pad", status_code=201, response_model=MethodOut)
async def add_pad(
    session: SessionDep,
    parts: ComponentsDep,
    principal: CurrentPrincipal,
    holder_name: Annotated[str, Form(min_length=1, max_length=200)],
    institution: Annotated[str, Form(max_length=20)],
    transit: Annotated[str, Form(max_length=20)],
    account: Annotated[str, Form(max_length=30)],
    agreement_version: Annotated[str, Form(max_length=20)],
    agreement_accepted: Annotated[bool, Form()] = False,
    payer_type: Annotated[Literal["personal", "business"], Form()] = "personal",
    specimen: Annotated[UploadFile | None, File()] = None,
) -> MethodOut:
    """Ajouter: a bank account for pre-authorized debits, its agreement and cheque specimen."""
    form = methods.PadIn(
        holder_name,
        institution.strip(),
        transit.strip(),
        account.strip(),
        agreement_accepted,
        agreement_version,
        payer_type,
        await _upload(specimen),
    )
    row = await methods.add_pad(
        session, parts.settings.specimen_dir, parts.box, principal.account_id, form
    )
    return method_out(row)


@router.get("", response_model=list[MethodOut])
async def my_methods(session: SessionDep, principal: CurrentPrincipal) -> list[MethodOut]:
    """Méthode de paiement: the caller's methods on file."""
    return [method_out(m) for m in await repo.methods_of(session, principal.account_id)]


@router.get("/{method_id}/specimen")
async def specimen(
    method_id: str, session: SessionDep, parts: ComponentsDep, principal: CurrentPrincipal
) -> Response:
    """The cheque specimen, as an attachment, to its owner or an operator."""
    content, media_type, name = await methods.specimen(
        session, parts.settings.specimen_dir, method_id, scope(principal)
    )
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    return Response(content, media_type=media_type, headers=headers)


@router.put("/{method_id}/card", response_model=MethodOut, dependencies=CARD_THROTTLES)
async def replace_card(
    method_id: str,
    body: CardIn,
    session: SessionDep,
    parts: ComponentsDep,
    principal: CurrentPrincipal,
) -> MethodOut:
    """Mettre à jour la carte de crédit: the next charge uses the new card."""
    row = await methods.replace_card(session, parts.gateway, principal.account_id, method_id, body)
    return method_out(row)


@router.put("/{method_id}/pad", response_model=MethodOut)
async def replace_pad(
    method_id: str,
    sessions: SessionsDep,
    parts: ComponentsDep,
    principal: CurrentPrincipal,
    holder_name: Annotated[str, Form(min_length=1, max_length=200)],
    institution: Annotated[str, Form(max_length=20)],
    transit: Annotated[str, Form(max_length=20)],
    account: Annotated[str, Form(max_length=30)],
    agreement_version: Annotated[str, Form(max_length=20)],
    agreement_accepted: Annotated[bool, Form()] = False,
    payer_type: Annotated[Literal["personal", "business"], Form()] = "personal",
    specimen: Annotated[UploadFile | None, File()] = None,
) -> MethodOut:
    """New banking details for a bank account (« Fournir de nouvelles coordonnées bancaires »):
    the next debit goes to the new account; the old cheque specimen is deleted."""
    form = methods.PadIn(
        holder_name,
        institution.strip(),
        transit.strip(),
        account.strip(),
        agreement_accepted,
        agreement_version,
        payer_type,
        await _upload(specimen),
    )
    folder, ids = parts.settings.specimen_dir, (principal.account_id, method_id)
    async with transaction(sessions) as session:
        row, old = await methods.replace_pad(session, folder, parts.box, ids, form)
    if old:  # only once the new details are committed
        await asyncio.to_thread(specimens.delete, folder, old)
    return method_out(row)


@router.delete("/{method_id}", status_code=204)
async def delete_method(
    method_id: str, session: SessionDep, parts: ComponentsDep, principal: CurrentPrincipal
) -> Response:
    """Remove a method (its specimen file is deleted); 409 while it pays a current period."""
    await methods.delete(session, parts.settings.specimen_dir, method_id, principal.account_id)
    return Response(status_code=204)


@agreement_router.get("", response_model=PadAgreementOut)
async def pad_agreement(version: str | None = None) -> PadAgreementOut:
    """The PAD agreement text (French and English) of a version, the current one by default."""
    found = agreement(version)
    if found is None:
        raise AgreementVersionNotFound()
    return PadAgreementOut(version=found.version, text_fr=found.text_fr, text_en=found.text_en)
