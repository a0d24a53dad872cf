"""Payments' request dependencies: what the app builds once and every request uses."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.pdf import Fonts
from services.payments.config import PaymentsSettings
from services.payments.gateway import PaymentGateway


@dataclass
class Components:
    settings: PaymentsSettings
    sessions: async_sessionmaker[AsyncSession]
    gateway: PaymentGateway
    fonts: Fonts


def components(request: Request) -> Components:
    return request.app.state.components  # type: ignore[no-any-return]


ComponentsDep = Annotated[Components, Depends(components)]
