"""Actor tokens for tests that send `SubscriptionWorkflow` updates themselves, as the
subscriptions service does (servicekit/actor_token.py), signed at the server's time: on the
time-skipping server a workflow's clock is months ahead of the wall clock."""

from typing import TypeVar

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from servicekit.actor_token import ActorTokenKeys
from servicekit.settings import PlatformSettings
from workflows.subscription.models import Signed

SignedT = TypeVar("SignedT", bound=Signed)


def platform_tokens() -> ActorTokenKeys:
    """The key the workers of the suite install (`workflows.registry.install_actor_keys`)."""
    settings = PlatformSettings()
    return ActorTokenKeys(settings.actor_token_key, settings.actor_token_seconds)


async def signed(
    env: WorkflowEnvironment,
    handle: WorkflowHandle,  # type: ignore[type-arg]
    arg: SignedT,
    action: str,
    kind: str,
    actor_id: str,
) -> SignedT:
    """`arg` with a token for `actor_id` (of `kind`) to run `action` on `handle`'s workflow."""
    now = await env.get_current_time()
    token = platform_tokens().issue(kind, actor_id, handle.id, action, now)
    return arg.model_copy(update={"actor_token": token})
