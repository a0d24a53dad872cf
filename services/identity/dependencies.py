"""Identity's request dependencies: its components, the caller's account, the caller's address."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from servicekit.auth import InvalidToken, TokenVerifier, bearer_token, service_token_matches
from servicekit.db import SessionDep
from servicekit.settings import PlatformSettings
from services.identity import cutoffs
from services.identity import repository as repo
from services.identity.config import IdentitySettings
from services.identity.keys import SigningKey
from services.identity.lifecycle import Lifecycle
from services.identity.models import Account
from services.identity.ports import SubscriptionsPort
from services.identity.sessions import Issuer


@dataclass
class Components:
    """What the app builds once in its lifespan and every request uses."""

    settings: IdentitySettings
    platform: PlatformSettings
    key: SigningKey
    verifier: TokenVerifier
    lifecycle: Lifecycle
    issuer: Issuer
    subscriptions: SubscriptionsPort


def components(request: Request) -> Components:
    return request.app.state.components  # type: ignore[no-any-return]


ComponentsDep = Annotated[Components, Depends(components)]


async def current_account(
    session: SessionDep,
    parts: ComponentsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Account:
    """The caller's account; tokens of sessions ended since (logout, password change) fail."""
    claims = await parts.verifier.verify(bearer_token(authorization))
    account = await repo.account_by_id(session, str(claims["sub"]))
    if account is None or not cutoffs.token_is_live(account, claims):
        raise InvalidToken()
    return account


CurrentAccount = Annotated[Account, Depends(current_account)]


def client_address(
    request: Request,
    x_forwarded_for: Annotated[str | None, Header()] = None,
    x_service_token: Annotated[str | None, Header()] = None,
) -> str:
    """The browser's address: forwarded by the web front end (trusted by its service token)."""
    parts = components(request)
    if x_forwarded_for and service_token_matches(x_service_token, parts.platform.service_token):
        return x_forwarded_for.split(",")[0].strip()[:64]
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
