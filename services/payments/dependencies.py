"""Payments' request dependencies: what the app builds once and every request uses."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.pdf import Fonts
from servicekit.secrets_box import SecretBox
from services.payments.config import PaymentsSettings
from services.payments.gateway import PaymentGateway
from services.payments.ports import PlatformPort


@dataclass
class Components:
    settings: PaymentsSettings
    sessions: async_sessionmaker[AsyncSession]
    gateway: PaymentGateway
    fonts: Fonts
    platform: PlatformPort  # subscriptions and identity, for the payroll export
    box: SecretBox  # seals and opens bank account numbers


def components(request: Request) -> Components:
    return request.app.state.components  # type: ignore[no-any-return]


ComponentsDep = Annotated[Components, Depends(components)]


def platform_port(request: Request) -> PlatformPort:
    return components(request).platform


PlatformDep = Annotated[PlatformPort, Depends(platform_port)]
