"""Who asked for an update of `SubscriptionWorkflow`: the actor token, checked by the validators.

Validators verify the token (servicekit/actor_token.py) with the key the worker installed
before it started polling: workflow code cannot read the environment in the sandbox, and this
module is imported passed through (`workflows.py`), so the sandboxed workflow sees the worker's
own module and its key. A worker that installed none refuses every update (fail closed).

Determinism: validators run only when an update arrives, never on replay, so the key and the
clock they read cannot make a replay differ. Handlers read the actor from the token the
validator accepted (in history, so the same on replay); an update accepted before tokens
existed replays with the actor id its caller sent then.

Workflow code (it runs inside the workflow's sandbox): only the standard library and temporalio
at top level, the rest passed through. Import its names inside `imports_passed_through()` with
`from workflows.subscription.actors import ...`: `from workflows.subscription import actors`
gives the sandbox a copy of its own, without the key (every update is then refused, `no_key`).
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from servicekit.actor_token import ActorTokenError, ActorTokenKeys, read_claims
    from servicekit.lifecycle import ActorRole, Refusal
    from workflows.subscription.models import Signed
    from workflows.subscription.record import rejected

ACTOR_NOT_PROVEN: str = Refusal.ACTOR_NOT_PROVEN.value


class _Installed:
    """The worker's key, one per process (a worker process serves one platform)."""

    keys: ActorTokenKeys | None = None


def install_actor_keys(keys: ActorTokenKeys | None) -> None:
    """Give the validators their key; the worker calls this before it polls."""
    _Installed.keys = keys


def require_actor(update: Signed, action: str, *kinds: ActorRole | str) -> None:
    """Validator: refuse (`actor_not_proven`, the reason in `details`) unless the update carries
    a token signed with the worker's key, for this workflow and this update (`action`), not
    expired, of an actor of one of these kinds (operator, user)."""
    keys = _Installed.keys
    if keys is None:
        raise rejected(ACTOR_NOT_PROVEN, "this worker holds no actor token key", "no_key")
    info = workflow.info()
    try:
        claims = keys.verify(update.actor_token, info.workflow_id, action, workflow.now())
    except ActorTokenError as error:
        raise rejected(ACTOR_NOT_PROVEN, str(error), error.reason) from None
    if claims.kind not in kinds:
        raise rejected(ACTOR_NOT_PROVEN, f"a {claims.kind} cannot {action}", "kind")


def actor_of(update: Signed, legacy_id: str | None) -> str:
    """Handler: the actor id the accepted token names (`legacy_id`: updates accepted before
    actor tokens, replayed)."""
    if update.actor_token:
        return read_claims(update.actor_token).sub
    return legacy_id or ""
