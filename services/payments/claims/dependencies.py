"""Claim notices' request dependencies: the app's sessions, gateway, subscriptions port and
receipt lifecycle (Temporal).

Each is read from `app.state`: the app's lifespan builds the subscriptions port on its shared
HTTP client unless a test set one first, and the receipt lifecycle on the injected Temporal
client or a lazy connection; each is built on first use only for an app started without that
lifespan.
"""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.settings import platform_settings
from servicekit.temporal import connect
from services.payments.claims.lifecycle import ReceiptLifecycle
from services.payments.claims.ports import SubscriptionsPort
from services.payments.config import get_settings
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


def receipts(request: Request) -> ReceiptLifecycle:
    """`app.state.receipts`, or a lifecycle connecting to Temporal with the platform settings."""
    state = request.app.state
    if getattr(state, "receipts", None) is None:
        platform, wait = platform_settings(), get_settings().temporal_connect_seconds
        state.receipts = ReceiptLifecycle(
            lambda: connect(platform, wait_seconds=wait), platform.temporal_task_queue
        )
    lifecycle: ReceiptLifecycle = state.receipts
    return lifecycle


SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(sessions)]
GatewayDep = Annotated[PaymentGateway, Depends(gateway)]
SubscriptionsDep = Annotated[SubscriptionsPort, Depends(subscriptions)]
ReceiptsDep = Annotated[ReceiptLifecycle, Depends(receipts)]
