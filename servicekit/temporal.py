"""The Temporal client every component uses: pydantic payloads, encrypted, failures encoded."""

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable

from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from servicekit.codec import EncryptionCodec
from servicekit.settings import PlatformSettings, platform_settings

# Operator-facing search attributes; never personal data (no email, name or plate).
ACCOUNT_ID = SearchAttributeKey.for_keyword("AccountId")
REGISTRATION_STATUS = SearchAttributeKey.for_keyword("RegistrationStatus")
SUBSCRIPTION_ID = SearchAttributeKey.for_keyword("SubscriptionId")
CONTRACT_NUMBER = SearchAttributeKey.for_keyword("ContractNumber")
SUBSCRIPTION_STATUS = SearchAttributeKey.for_keyword("SubscriptionStatus")
SITE_ID = SearchAttributeKey.for_keyword("SiteId")
OFFERING_ID = SearchAttributeKey.for_keyword("OfferingId")

log = logging.getLogger(__name__)

SEARCH_ATTRIBUTES = [
    ACCOUNT_ID,
    REGISTRATION_STATUS,
    SUBSCRIPTION_ID,
    CONTRACT_NUMBER,
    SUBSCRIPTION_STATUS,
    SITE_ID,
    OFFERING_ID,
]


def data_converter(payload_key: str) -> DataConverter:
    """Pydantic payloads, encrypted by the platform codec, with failure messages encoded too;
    a payload that was not encrypted with the key is refused (servicekit/codec.py)."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(payload_key, refuse_plain=True),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


async def connect(settings: PlatformSettings | None = None, wait_seconds: float = 60.0) -> Client:
    """Connect to the configured namespace, waiting for a server that is still starting."""
    s = settings or platform_settings()
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return await Client.connect(
                s.temporal_address,
                namespace=s.temporal_namespace,
                data_converter=data_converter(s.payload_key),
            )
        except RuntimeError:  # the SDK reports an unreachable server as RuntimeError
            if time.monotonic() > deadline:
                raise
            log.info("Temporal not reachable yet at %s; retrying", s.temporal_address)
            await asyncio.sleep(0.5)


ClientFactory = Callable[[], Awaitable[Client]]


class LazyClient:
    """A Temporal client a service connects on first use, so it starts while Temporal is still
    starting; a failed connection raises the factory's error and is tried again next time."""

    def __init__(self, client: Client | ClientFactory) -> None:
        self._client = client if isinstance(client, Client) else None
        self._factory = None if isinstance(client, Client) else client
        self._lock = asyncio.Lock()

    async def get(self) -> Client:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None and self._factory is not None:
                self._client = await self._factory()
        assert self._client is not None
        return self._client
