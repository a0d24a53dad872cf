"""The catalog: what users browse (`/v1/sites`...) and what operators manage."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from servicekit.auth import CurrentPrincipal, OperatorPrincipal
from servicekit.clock import today
from servicekit.db import SessionDep
from servicekit.formats import PathId, QueryId, RequiredQueryId
from services.subscriptions import catalog, price_preview
from services.subscriptions import repository as repo
from services.subscriptions.catalog import viewer
from services.subscriptions.figure_schemas import PricePreviewOut
from services.subscriptions.schemas import (
    CategoryIn,
    CategoryOut,
    GrantIn,
    OfferingIn,
    OfferingOut,
    OperatorOfferingOut,
    PreviewStart,
    SiteIn,
    SiteOut,
)
from services.subscriptions.views import offering_out, site_out

router = APIRouter(prefix="/v1", tags=["catalog"])
operator_router = APIRouter(prefix="/v1/operator", tags=["operator catalog"])


@router.get("/sites", response_model=list[SiteOut])
async def sites(session: SessionDep, _: CurrentPrincipal) -> list[SiteOut]:
    """Sélectionnez un stationnement ou une organisation."""
    return [site_out(s) for s in await repo.sites(session)]


@router.get("/sites/{site_id}/categories", response_model=list[CategoryOut])
async def categories(
    site_id: PathId, session: SessionDep, _: CurrentPrincipal
) -> list[CategoryOut]:
    """Sélectionnez votre catégorie d'utilisateur."""
    rows = await catalog.categories(session, site_id)
    return [CategoryOut.model_validate(c, from_attributes=True) for c in rows]


@router.get("/sites/{site_id}/offerings", response_model=list[OfferingOut])
async def offerings(
    site_id: PathId,
    session: SessionDep,
    principal: CurrentPrincipal,
    category_id: QueryId = None,
) -> list[OfferingOut]:
    """Sélectionnez l'abonnement souhaité: restricted offerings only for accounts granted them."""
    rows = await catalog.offerings(session, principal, site_id, category_id)
    return [offering_out(o) for o in rows]


@router.get("/offerings/{offering_id}/price-preview", response_model=PricePreviewOut)
async def price_preview_of(
    offering_id: PathId,
    start: Annotated[PreviewStart, Query()],
    session: SessionDep,
    principal: CurrentPrincipal,
) -> PricePreviewOut:
    """« Récapitulatif »: the first (prorated) charge and the monthly one after it, computed by
    the billing loop's own functions for a start on `start` and an approval today."""
    offering = await catalog.require_visible_offering(session, offering_id, viewer(principal))
    return price_preview.preview(offering, start, today())


@operator_router.post("/sites", status_code=201, response_model=SiteOut)
async def create_site(body: SiteIn, session: SessionDep, _: OperatorPrincipal) -> SiteOut:
    """Create (or replace) a site."""
    return site_out(await catalog.save_site(session, body))


@operator_router.put("/sites/{site_id}", response_model=SiteOut)
async def replace_site(
    site_id: PathId, body: SiteIn, session: SessionDep, _: OperatorPrincipal
) -> SiteOut:
    """Change a site."""
    await catalog.require_site(session, site_id)
    return site_out(await catalog.save_site(session, body.model_copy(update={"id": site_id})))


@operator_router.post("/categories", status_code=201, response_model=CategoryOut)
async def create_category(
    body: CategoryIn, session: SessionDep, _: OperatorPrincipal
) -> CategoryOut:
    """Create a user category at a site."""
    row = await catalog.save_category(session, body)
    return CategoryOut.model_validate(row, from_attributes=True)


@operator_router.put("/categories/{category_id}", response_model=CategoryOut)
async def replace_category(
    category_id: PathId, body: CategoryIn, session: SessionDep, _: OperatorPrincipal
) -> CategoryOut:
    """Change a user category."""
    row = await catalog.save_category(session, body, category_id)
    return CategoryOut.model_validate(row, from_attributes=True)


@operator_router.get("/offerings", response_model=list[OperatorOfferingOut])
async def all_offerings(
    site_id: RequiredQueryId, session: SessionDep, _: OperatorPrincipal
) -> list[OperatorOfferingOut]:
    """Every offering of a site with capacity, visibility and spaces taken."""
    await catalog.require_site(session, site_id)
    rows = await repo.visible_offerings(session, site_id, None, None)
    return [await catalog.operator_offering(session, o) for o in rows]


@operator_router.post("/offerings", status_code=201, response_model=OperatorOfferingOut)
async def create_offering(
    body: OfferingIn, session: SessionDep, _: OperatorPrincipal
) -> OperatorOfferingOut:
    """Create (or replace) an offering."""
    return await catalog.operator_offering(session, await catalog.save_offering(session, body))


@operator_router.put("/offerings/{offering_id}", response_model=OperatorOfferingOut)
async def replace_offering(
    offering_id: PathId, body: OfferingIn, session: SessionDep, _: OperatorPrincipal
) -> OperatorOfferingOut:
    """Change an offering (subscriptions keep the price and terms they were accepted with)."""
    await catalog.require_visible_offering(session, offering_id, None)
    data = body.model_copy(update={"id": offering_id})
    return await catalog.operator_offering(session, await catalog.save_offering(session, data))


@operator_router.post("/offerings/{offering_id}/grants", status_code=204)
async def grant(
    offering_id: PathId, body: GrantIn, session: SessionDep, operator: OperatorPrincipal
) -> Response:
    """Show a restricted offering to one account."""
    await catalog.grant(session, offering_id, body.account_id, operator.account_id)
    return Response(status_code=204)


@operator_router.delete("/offerings/{offering_id}/grants/{account_id}", status_code=204)
async def revoke(
    offering_id: PathId, account_id: str, session: SessionDep, _: OperatorPrincipal
) -> Response:
    """Hide a restricted offering from the account again."""
    await catalog.revoke(session, offering_id, account_id)
    return Response(status_code=204)
