"""Identity's side of the account lifecycles: it starts and signals the Temporal workflows."""

import logging
import uuid

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError

from services.identity.errors import WorkflowUnavailable
from workflows.registration.models import AccountEmailInput, EmailKind, RegistrationInput

log = logging.getLogger(__name__)


def registration_id(account_id: str) -> str:
    return f"registration-{account_id}"


class Lifecycle:
    """Starts the registration and account-email workflows; signals verification and resends."""

    def __init__(self, client: Client, task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue

    async def start_registration(self, account_id: str, expire_after_seconds: int) -> None:
        """Start the account's registration lifecycle (a second start is harmless)."""
        try:
            await self.client.start_workflow(
                "RegistrationWorkflow",
                RegistrationInput(account_id=account_id, expire_after_seconds=expire_after_seconds),
                id=registration_id(account_id),
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            )
        except RPCError as exc:
            log.warning("could not start registration workflow: %s", exc.status)
            raise WorkflowUnavailable() from exc

    async def send_email(self, account_id: str, kind: EmailKind) -> None:
        """Send one account email through its own small workflow (retries until SMTP answers)."""
        workflow_id = f"account-email-{account_id}-{uuid.uuid4()}"
        try:
            await self.client.start_workflow(
                "AccountEmailWorkflow",
                AccountEmailInput(account_id=account_id, kind=kind, key=f"{workflow_id}:{kind}"),
                id=workflow_id,
                task_queue=self.task_queue,
            )
        except RPCError as exc:
            log.warning("could not start account email workflow: %s", exc.status)
            raise WorkflowUnavailable() from exc

    async def signal_verified(self, account_id: str) -> None:
        """Tell the registration workflow; losing this is safe (expiry re-reads the database)."""
        await self._signal(account_id, "email_verified")

    async def signal_resend(self, account_id: str) -> bool:
        """Ask the registration workflow for a new link; False when it is not running."""
        return await self._signal(account_id, "resend_requested")

    async def _signal(self, account_id: str, name: str) -> bool:
        try:
            await self.client.get_workflow_handle(registration_id(account_id)).signal(name)
        except RPCError as exc:
            log.info("signal %s not delivered: %s", name, exc.status)
            return False
        return True
