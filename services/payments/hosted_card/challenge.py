"""The sandbox issuer's 3-D Secure challenge (`/3ds/{reference}`): the page a customer-present
charge of the challenge card sends the payer to (`SandboxGateway.charge_customer_present`).

« Autoriser » captures the charge, « Refuser » declines it (`authentication_failed`); either
way the browser goes back to the charge's `return_url` with `payment_intent` and
`redirect_status`, as Stripe's redirect does. The charge's reference (24 random letters) is
the only key: it is known only to the payer's browser and the payments service. A charge that
was answered (or canceled) meanwhile is never changed again: the answer goes back as it stands.
"""

from pathlib import Path as FilePath
from typing import Annotated, Literal
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import update

from servicekit.db import read_transaction, transaction
from servicekit.errors import NotFound
from servicekit.i18n import translate
from servicekit.money import format_cents
from services.payments.gateway import AUTHENTICATION_FAILED
from services.payments.sandbox_models import SandboxCharge

TEMPLATES = Jinja2Templates(directory=FilePath(__file__).parent / "templates")
Reference = Annotated[str, Path(min_length=4, max_length=40, pattern=r"^ch_[A-Za-z]+$")]

router = APIRouter(prefix="/3ds", tags=["hosted card"])


class ChallengeNotFound(NotFound):
    code = "challenge_not_found"


def _policy(return_url: str | None) -> str:
    """The page's own CSP: its form may lead (by the redirect) to the return page's origin."""
    parts = urlsplit(return_url or "")
    back = f" {parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""
    return (
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        f"form-action 'self'{back}; object-src 'none'"
    )


async def _charge(request: Request, reference: str) -> SandboxCharge:
    async with read_transaction(request.app.state.sessionmaker) as session:
        row = await session.get(SandboxCharge, reference)
    if row is None:
        raise ChallengeNotFound("reference")
    return row


def _back(row: SandboxCharge) -> Response:
    """To the return page, with the charge's outcome as Stripe names it."""
    if not row.return_url:
        raise ChallengeNotFound("reference")
    outcome = "succeeded" if row.status == "captured" else "failed"
    query = urlencode({"payment_intent": row.reference, "redirect_status": outcome})
    joiner = "&" if urlsplit(row.return_url).query else "?"
    return RedirectResponse(f"{row.return_url}{joiner}{query}", status_code=303)


@router.get("/{reference}", response_class=HTMLResponse)
async def challenge_page(request: Request, reference: Reference) -> Response:
    """« Authentification 3-D Secure », French then English: « Autoriser » or « Refuser »."""
    row = await _charge(request, reference)
    if row.status != "requires_action":
        return _back(row)  # answered already (a reload, the back button): go on
    context = {
        "reference": row.reference,
        "texts": [
            {
                "lang": lang,
                "title": translate("hosted.challenge.title", lang),
                "body": translate(
                    "hosted.challenge.body", lang, amount=format_cents(row.amount_cents, lang)
                ),
            }
            for lang in ("fr", "en")
        ],
        "authorize": [translate("hosted.challenge.authorize", lang) for lang in ("fr", "en")],
        "refuse": [translate("hosted.challenge.refuse", lang) for lang in ("fr", "en")],
    }
    page = TEMPLATES.TemplateResponse(request, "challenge.html", context)
    page.headers["Content-Security-Policy"] = _policy(row.return_url)
    return page


@router.post("/{reference}")
async def answer(
    request: Request,
    reference: Reference,
    decision: Annotated[Literal["authorize", "refuse"], Form()],
) -> Response:
    """The payer's answer: the charge captured or declined once, then back to the portal."""
    async with transaction(request.app.state.sessionmaker) as session:
        await session.execute(
            update(SandboxCharge)
            .where(SandboxCharge.reference == reference)
            .where(SandboxCharge.status == "requires_action")
            .values(
                status="captured" if decision == "authorize" else "declined",
                decline_code=None if decision == "authorize" else AUTHENTICATION_FAILED,
            )
        )
    return _back(await _charge(request, reference))
