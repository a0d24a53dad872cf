"""All of identity's SQL."""

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.models import Account, LoginFailure, OneTimeToken, RefreshToken


async def account_by_id(session: AsyncSession, account_id: str) -> Account | None:
    return await session.get(Account, account_id)


async def account_by_email(session: AsyncSession, email: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.email == email))


async def email_status(session: AsyncSession, email: str) -> tuple[str, datetime | None] | None:
    """(id, verified_at) of the account with this email: one indexed read, nothing more loaded
    (the account emails must cost the same whether or not it exists)."""
    row = (
        await session.execute(select(Account.id, Account.verified_at).where(Account.email == email))
    ).first()
    return None if row is None else (row[0], row[1])


async def set_password_hash(session: AsyncSession, account_id: str, password_hash: str) -> None:
    await session.execute(
        update(Account).where(Account.id == account_id).values(password_hash=password_hash)
    )


async def failures_since(session: AsyncSession, scope: str, since: datetime) -> list[datetime]:
    """When each failure of `scope` since `since` happened, oldest first."""
    rows = await session.scalars(
        select(LoginFailure.occurred_at)
        .where(LoginFailure.scope == scope, LoginFailure.occurred_at >= since)
        .order_by(LoginFailure.occurred_at)
    )
    return list(rows)


def record_failures(session: AsyncSession, scopes: list[str], at: datetime) -> None:
    session.add_all(LoginFailure(scope=scope, occurred_at=at) for scope in scopes)


async def forget_failures(session: AsyncSession, scope: str) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.scope == scope))


async def forget_failures_starting(session: AsyncSession, prefix: str) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.scope.startswith(prefix)))


async def purge_failures_before(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.occurred_at < before))


async def token_by_digest(session: AsyncSession, digest: str) -> OneTimeToken | None:
    return await session.scalar(select(OneTimeToken).where(OneTimeToken.token_hash == digest))


async def void_tokens(session: AsyncSession, account_id: str, purpose: str, at: datetime) -> None:
    """Void every still-usable link of this purpose (a newer one replaces them)."""
    await session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.account_id == account_id,
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.voided_at.is_(None),
        )
        .values(voided_at=at)
    )


async def refresh_by_digest(
    session: AsyncSession, digest: str, for_update: bool = False
) -> RefreshToken | None:
    query = select(RefreshToken).where(RefreshToken.token_hash == digest)
    return await session.scalar(query.with_for_update() if for_update else query)


async def revoke_refresh_tokens(session: AsyncSession, account_id: str, at: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.account_id == account_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )


async def delete_if_unverified(session: AsyncSession, account_id: str) -> bool:
    """Delete the account only if it is still unverified, in one statement (no race with verify)."""
    result = await session.execute(
        delete(Account).where(Account.id == account_id, Account.verified_at.is_(None))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def count_accounts(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Account)) or 0)
