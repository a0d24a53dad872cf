"""Claim notices' request dependencies: the app's sessions, gateway and subscriptions port.

Each is read from `app.state` when the app set it (tests inject them), built on first use
otherwise, so mounting the router is the only change `main.py` needs.
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
