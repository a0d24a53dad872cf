"""Ended sessions: the account's session version, and the cut-offs published to the services.

Every access token carries the account's session version (`sv`). Ending the sessions bumps it,
so identity refuses the older tokens at once, and writes the account's cut-off, which the other
services read (`servicekit.revocation`) and apply within seconds.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import utcnow
from services.identity import repository as repo
from services.identity.models import Account, SessionCutoff

# Cut-offs older than this only concern tokens long expired: they are removed as others come.
KEEP_CUTOFFS = timedelta(days=1)


def token_is_live(account: Account, claims: dict[str, object]) -> bool:
    """Whether an access token's session version is the account's current one (or newer)."""
    version = claims.get("sv")
    if not isinstance(version, int) or isinstance(version, bool):
        return False  # every token identity issues carries it
    return version >= account.session_version


async def end_sessions(session: AsyncSession, account: Account, closed: bool = False) -> None:
    """Revoke every access and refresh token issued to the account until now."""
    now = utcnow()
    account.session_version = (account.session_version or 0) + 1
    account.tokens_not_before = now
    await repo.revoke_refresh_tokens(session, account.id, now)
    await publish(session, account.id, account.session_version, closed, now)


async def publish(
    session: AsyncSession, account_id: str, version: int, closed: bool, now: datetime
) -> None:
    """Write the account's cut-off (one row per account; two writers at once are fine)."""
    values = {"session_version": version, "closed": closed, "changed_at": now}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SessionCutoff).values(account_id=account_id, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=["account_id"], set_=values)
    )
    await session.execute(
        delete(SessionCutoff).where(SessionCutoff.changed_at < now - KEEP_CUTOFFS)
    )


async def recent(session: AsyncSession, since: datetime) -> Sequence[SessionCutoff]:
    """The cut-offs changed since `since` (older ones only concern expired tokens)."""
    query = select(SessionCutoff).where(SessionCutoff.changed_at >= since)
    return (await session.scalars(query.order_by(SessionCutoff.account_id))).all()
