"""Request dependencies and their `Annotated` aliases: the session, the caller's address, the
service clients the app holds, and the signed-in account."""

from typing import Annotated

from fastapi import Depends, Request

from web.account import Account, LoginRequired, RefreshCoordinator
from web.identity_client import IdentityClient
from web.payments_client import PaymentsClient
from web.session import Session
from web.subscriptions_client import SubscriptionsClient


def get_session(request: Request) -> Session:
    """The browser's session, loaded by the session middleware."""
    session: Session = request.state.session
    return session


def client_ip(request: Request) -> str:
    """The browser's address, forwarded to identity for throttling."""
    return request.client.host if request.client else "0.0.0.0"  # noqa: S104 - not a bind


def get_identity(request: Request) -> IdentityClient:
    """The identity client the app holds."""
    identity: IdentityClient = request.app.state.identity
    return identity


SessionDep = Annotated[Session, Depends(get_session)]
ClientIp = Annotated[str, Depends(client_ip)]
IdentityDep = Annotated[IdentityClient, Depends(get_identity)]


def signed_in(request: Request, session: SessionDep, ip: ClientIp) -> Account:
    """The signed-in account, or a redirect to the login page."""
    if not session.signed_in:
        raise LoginRequired()
    refresher: RefreshCoordinator = request.app.state.refresher
    return Account(session, get_identity(request), ip, refresher)


AccountDep = Annotated[Account, Depends(signed_in)]


def get_subscriptions(request: Request) -> SubscriptionsClient:
    """The subscriptions client the app holds."""
    client: SubscriptionsClient = request.app.state.subscriptions
    return client


def get_payments(request: Request) -> PaymentsClient:
    """The payments client the app holds."""
    client: PaymentsClient = request.app.state.payments
    return client


SubscriptionsDep = Annotated[SubscriptionsClient, Depends(get_subscriptions)]
PaymentsDep = Annotated[PaymentsClient, Depends(get_payments)]
