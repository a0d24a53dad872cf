"""Claim notices' request dependencies: the app's sessions, gateway and subscriptions port.

Each is read from `app.state`: the app's lifespan builds the subscriptions port on its shared
HTTP client unless a test set one first; it is built on first use only for an app started
without that lifespan.
"""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.settings import platform_settings
from services.payments.claims.ports import SubscriptionsPort
from services.payments.gateway import PaymentGateway, gateway


def sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    """The app's sessionmaker, for endpoints that run several short transactions."""
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return maker


def subscriptions(request: Request) -> SubscriptionsPort:
    """`app.state.subscriptions`, or a port on the platform settings."""
    state = request.app.state
    if getattr(state, "subscriptions", None) is None:
        state.subscriptions = SubscriptionsPort(None, platform_settings())
    port: SubscriptionsPort = state.subscriptions
    return port


SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(sessions)]
GatewayDep = Annotated[PaymentGateway, Depends(gateway)]
SubscriptionsDep = Annotated[SubscriptionsPort, Depends(subscriptions)]
