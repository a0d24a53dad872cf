"""The catalog's rules: what a caller may see, and how operators change it."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal
from services.subscriptions import repository as repo
from services.subscriptions.errors import CategoryNotFound, OfferingNotFound, SiteNotFound
from services.subscriptions.models import Offering, OfferingGrant, Site, UserCategory
from services.subscriptions.schemas import (
    CategoryIn,
    OfferingIn,
    OperatorOfferingOut,
    SiteIn,
)


def viewer(principal: Principal) -> str | None:
    """Whose grants limit the restricted offerings shown (operators see every offering)."""
    return None if principal.is_operator else principal.account_id


async def require_site(session: AsyncSession, site_id: int) -> Site:
    site = await session.get(Site, site_id)
    if site is None:
        raise SiteNotFound()
    return site


async def categories(session: AsyncSession, site_id: int) -> Sequence[UserCategory]:
    """A site's user categories."""
    await require_site(session, site_id)
    return await repo.categories(session, site_id)


async def offerings(
    session: AsyncSession, principal: Principal, site_id: int, category_id: int | None
) -> Sequence[Offering]:
    """A site's offerings the caller may see: public ones and the restricted ones granted."""
    await require_site(session, site_id)
    return await repo.visible_offerings(session, site_id, category_id, viewer(principal))


async def require_visible_offering(
    session: AsyncSession, offering_id: int, account_id: str | None
) -> Offering:
    """The offering, or the same 404 whether it does not exist or is restricted to others."""
    offering = await repo.visible_offering(session, offering_id, account_id)
    if offering is None:
        raise OfferingNotFound("offering_id")
    return offering


# Operators -----------------------------------------------------------------------------------


async def save_site(session: AsyncSession, data: SiteIn) -> Site:
    """Create or replace a site (its id is the one shown to users, "#1534")."""
    site = await session.get(Site, data.id) or Site(id=data.id)
    for field, value in data.model_dump().items():
        setattr(site, field, value)
    session.add(site)
    await session.flush()
    return site


async def save_category(
    session: AsyncSession, data: CategoryIn, category_id: int | None = None
) -> UserCategory:
    """Create a category (next free id unless given) or replace one."""
    await require_site(session, data.site_id)
    wanted = category_id or data.id
    category = await session.get(UserCategory, wanted) if wanted else None
    if category_id and category is None:
        raise CategoryNotFound()
    if category is None:
        category = UserCategory(id=wanted or await repo.next_id(session, UserCategory))
    category.site_id, category.name_fr, category.name_en = data.site_id, data.name_fr, data.name_en
    session.add(category)
    await session.flush()
    return category


async def save_offering(session: AsyncSession, data: OfferingIn) -> Offering:
    """Create or replace an offering; its category must belong to its site."""
    await require_site(session, data.site_id)
    category = await session.get(UserCategory, data.category_id)
    if category is None or category.site_id != data.site_id:
        raise CategoryNotFound("category_id")
    offering = await session.get(Offering, data.id) or Offering(id=data.id)
    for field, value in data.model_dump().items():
        setattr(offering, field, value)
    session.add(offering)
    await session.flush()
    await session.refresh(offering, ["site"])
    return offering


async def operator_offering(session: AsyncSession, offering: Offering) -> OperatorOfferingOut:
    """An offering with what only operators see: capacity, visibility, spaces taken."""
    data = OperatorOfferingOut.model_validate(
        {
            **{
                k: getattr(offering, k)
                for k in OperatorOfferingOut.model_fields
                if k != "active_count"
            },
            "active_count": await repo.active_count(session, offering.id),
        }
    )
    return data


async def grant(session: AsyncSession, offering_id: int, account_id: str, by: str) -> None:
    """Make a restricted offering visible to one account (granting twice is harmless)."""
    if await session.get(Offering, offering_id) is None:
        raise OfferingNotFound()
    if await session.get(OfferingGrant, (offering_id, account_id)) is None:
        session.add(OfferingGrant(offering_id=offering_id, account_id=account_id, granted_by=by))
        await session.flush()


async def revoke(session: AsyncSession, offering_id: int, account_id: str) -> None:
    """Hide a restricted offering from the account again."""
    row = await session.get(OfferingGrant, (offering_id, account_id))
    if row is not None:
        await session.delete(row)
        await session.flush()
