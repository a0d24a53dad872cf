"""The Temporal client every component uses: pydantic payloads, encrypted, failures encoded.

Where and how it connects comes from Temporal's environment configuration (`temporalio.envconfig`):
the profile `TEMPORAL_PROFILE` (default `default`) of the TOML file `TEMPORAL_CONFIG_FILE`
(default `~/.config/temporalio/temporal.toml`), overridden by the `TEMPORAL_*` variables
(`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS`,
`TEMPORAL_TLS_CLIENT_CERT_PATH`, ...). The platform's own `PLATFORM_TEMPORAL_ADDRESS` and
`PLATFORM_TEMPORAL_NAMESPACE`, when set, win over both (they are what the embedded mode and the
existing deployments set); unset and absent from the profile, their defaults apply.
"""

import asyncio
import dataclasses
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping

from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.envconfig import ClientConfigProfile, ClientConnectConfig
from temporalio.runtime import Runtime

from servicekit.codec import EncryptionCodec
from servicekit.observability.tracing import temporal_interceptor
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


def connect_config(
    settings: PlatformSettings, environ: Mapping[str, str] | None = None
) -> ClientConnectConfig:
    """Address, namespace, TLS / mTLS and API key for `Client.connect`: the envconfig profile
    read from `environ` (the process's environment by default), with the platform's explicit
    PLATFORM_TEMPORAL_ADDRESS / NAMESPACE over it."""
    env = dict(os.environ if environ is None else environ)
    config = ClientConfigProfile.load(override_env_vars=env).to_client_connect_config()
    explicit = settings.model_fields_set
    if "temporal_address" in explicit or "target_host" not in config:
        config["target_host"] = settings.temporal_address
    if "temporal_namespace" in explicit or "namespace" not in config:
        config["namespace"] = settings.temporal_namespace
    return config


async def connect(
    settings: PlatformSettings | None = None,
    wait_seconds: float = 60.0,
    runtime: Runtime | None = None,
) -> Client:
    """Connect to the configured namespace, waiting for a server that is still starting.

    The tracing interceptor carries the caller's trace (and request id) into the workflows it
    starts; a worker built on this client traces its workflows and activities with it.
    """
    s = settings or platform_settings()
    config = connect_config(s)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return await Client.connect(
                **config,
                data_converter=data_converter(s.payload_key),
                interceptors=[temporal_interceptor()],
                runtime=runtime,
            )
        except RuntimeError:  # the SDK reports an unreachable server as RuntimeError
            if time.monotonic() > deadline:
                raise
            log.info("Temporal not reachable yet at %s; retrying", config["target_host"])
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
