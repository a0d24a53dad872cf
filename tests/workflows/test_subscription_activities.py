"""The real subscription activities over HTTP and SMTP.

The subscriptions and identity internal APIs are stood in for by an `httpx.MockTransport` that
follows docs/subscriptions-api.md and docs/identity-api.md (the subscriptions service does not
implement its transitions yet); the emails go to a real SMTP server (aiosmtpd).
"""

import json
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from servicekit.mail import MailSettings
from servicekit.settings import PlatformSettings
from workflows.subscription.activities import SubscriptionActivities
from workflows.subscription.models import (
    ContractInput,
    ServiceCentreEmailInput,
    SubscriptionRef,
    TransitionInput,
    UserEmailInput,
)
from workflows.subscription.settings import WorkflowSettings

SUBSCRIPTIONS, IDENTITY = "http://subscriptions.test", "http://identity.test"
TOKEN = "service-token-for-tests"
SID, ACCOUNT, CONTRACT = "3f1c0b7e-sub", "acc-42", "10095259"
ADDRESS = "lea.tremblay@example.org"
CENTRE = "centre@example.org"
PDF = b"%PDF-1.4 contrat de test"


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content or b"")
        assert isinstance(message, EmailMessage)
        self.messages.append(([str(r) for r in envelope.rcpt_tos], message))
        return "250 OK"


@dataclass
class Services:
    """The two internal APIs: canned answers, and every request they received."""

    language: str = "fr"
    account_found: bool = True
    transition_answer: tuple[int, dict[str, Any]] | None = None
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("X-Service-Token") != TOKEN:
            return httpx.Response(401, json={"error": "service_token_invalid"})
        path, method = request.url.path, request.method
        if request.url.host == "identity.test":
            if path == f"/internal/v1/accounts/{ACCOUNT}" and self.account_found:
                return httpx.Response(200, json=self.account())
            return httpx.Response(404, json={"error": "account_not_found"})
        base = f"/internal/v1/subscriptions/{SID}"
        if (method, path) == ("GET", base):
            return httpx.Response(200, json=self.internal())
        if (method, path) == ("POST", f"{base}/transitions"):
            status, body = self.transition_answer or (200, self.subscription())
            return httpx.Response(status, json=body)
        if (method, path) == ("POST", f"{base}/contract"):
            return httpx.Response(200, json={"contract_id": "c-1", "language": self.language})
        if (method, path) == ("GET", f"{base}/contract"):
            return httpx.Response(200, content=PDF, headers={"content-type": "application/pdf"})
        return httpx.Response(404, json={"error": "not_found"})

    def account(self) -> dict[str, Any]:
        return {
            "id": ACCOUNT,
            "email": ADDRESS,
            "role": "user",
            "language": self.language,
            "verified": True,
            "profile": {"first_name": "Léa", "last_name": "Tremblay"},
        }

    def internal(self) -> dict[str, Any]:
        """`GET /internal/v1/subscriptions/{id}`: flat offering fields."""
        public = self.subscription()
        del public["offering"]
        return public | {"offering_id": 7117, "offering_name": "Hôpital de Hull - Employé CISSSO"}

    def subscription(self) -> dict[str, Any]:
        """The public `Subscription` shape the transitions endpoint answers."""
        return {
            "id": SID,
            "account_id": ACCOUNT,
            "contract_number": CONTRACT,
            "status": "active",
            "start_date": "2027-01-12",
            "cancellation_effective": None,
            "billing_mode": "payroll",
            "offering": {"id": 7117, "name": "Hôpital de Hull - Employé CISSSO"},
        }


@pytest.fixture(scope="module")
def inbox() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="test")
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def services() -> Services:
    return Services()


@pytest.fixture
def activities(services: Services, inbox: tuple[Inbox, int]) -> Iterator[SubscriptionActivities]:
    inbox[0].messages.clear()
    http = httpx.AsyncClient(transport=httpx.MockTransport(services.handle))
    settings = PlatformSettings(
        subscriptions_url=SUBSCRIPTIONS, identity_url=IDENTITY, service_token=TOKEN
    )
    mail = MailSettings(host="127.0.0.1", port=inbox[1], timeout=5.0)
    yield SubscriptionActivities(
        http, settings, mail, WorkflowSettings(service_centre_email=CENTRE)
    )


def run(activity: Any, arg: Any) -> Any:
    return ActivityEnvironment().run(activity, arg)


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content())


def email(kind: str, **fields: Any) -> UserEmailInput:
    return UserEmailInput.model_validate(
        {"subscription_id": SID, "kind": kind, "key": f"subscription-{SID}:email:{kind}"} | fields
    )


async def test_request_received_email_in_french(
    activities: SubscriptionActivities,
    inbox: tuple[Inbox, int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    result = await run(activities.email_user, email("subscription_received"))

    assert result.outcome == "sent"
    [(recipients, message)] = inbox[0].messages
    assert recipients == [ADDRESS]
    assert message["Subject"] == "Votre demande d'abonnement a été reçue"
    text, page = body(message, "plain"), body(message, "html")
    assert text.startswith("Bonjour Léa,")
    for label in (
        f"Numéro de contrat : {CONTRACT}",
        "Statut de l'abonnement : En attente d'approbation",
        "Début de l'abonnement : Jour de l'approbation",
        "Fin de l'abonnement : Indéterminée",
        "Service : Hôpital de Hull - Employé CISSSO",
    ):
        assert label in text
    assert "En attente d&#39;approbation" in page and 'lang="fr"' in page
    assert message.get_payload() and not list(message.iter_attachments())
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail"))
    assert ADDRESS not in logged


async def test_approval_email_attaches_the_contract_pdf(
    activities: SubscriptionActivities, services: Services, inbox: tuple[Inbox, int]
) -> None:
    await run(activities.email_user, email("subscription_approved", attach_contract=True))

    [(_, message)] = inbox[0].messages
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"contrat-{CONTRACT}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF
    assert "Début de l'abonnement : 12 janvier 2027" in body(message, "plain")
    assert "Statut de l'abonnement : Actif" in body(message, "plain")
    assert all(r.headers["X-Service-Token"] == TOKEN for r in services.requests)


async def test_english_account_gets_english_emails(
    activities: SubscriptionActivities, services: Services, inbox: tuple[Inbox, int]
) -> None:
    services.language = "en"
    kind = "subscription_cancellation_scheduled"
    await run(activities.email_user, email(kind, effective_date=date(2027, 2, 9)))

    [(_, message)] = inbox[0].messages
    assert message["Subject"] == "Your cancellation request was received"
    text = body(message, "plain")
    assert "your subscription will end on February 9, 2027" in text
    assert "Subscription end: February 9, 2027" in text


async def test_refusal_email_carries_the_reason(
    activities: SubscriptionActivities, inbox: tuple[Inbox, int]
) -> None:
    await run(activities.email_user, email("subscription_refused", reason="Aucune place <libre>"))

    [(_, message)] = inbox[0].messages
    assert "Motif : Aucune place <libre>" in body(message, "plain")
    assert "Aucune place &lt;libre&gt;" in body(message, "html")


async def test_a_deleted_account_gets_no_email(
    activities: SubscriptionActivities, services: Services, inbox: tuple[Inbox, int]
) -> None:
    services.account_found = False
    result = await run(activities.email_user, email("subscription_ended"))

    assert result.outcome == "account_not_found"
    assert inbox[0].messages == []


async def test_service_centre_reminder_goes_to_the_configured_address(
    activities: SubscriptionActivities, inbox: tuple[Inbox, int]
) -> None:
    reminder = ServiceCentreEmailInput(
        subscription_id=SID,
        contract_number=CONTRACT,
        kind="subscription_reminder",
        key=f"subscription-{SID}:email:subscription_reminder",
        waiting_days=3,
    )
    await run(activities.email_service_centre, reminder)

    [(recipients, message)] = inbox[0].messages
    assert recipients == [CENTRE]
    assert message["Subject"] == (
        f"Rappel : demande d'abonnement en attente d'approbation ({CONTRACT})"
    )
    assert "attend une décision depuis 3 jours" in body(message, "plain")
    assert ADDRESS not in message.as_string()


async def test_transition_sends_the_action_date_and_key(
    activities: SubscriptionActivities, services: Services
) -> None:
    change = TransitionInput(
        subscription_id=SID,
        action="schedule_cancellation",
        actor=ACCOUNT,
        idempotency_key=f"subscription-{SID}:schedule_cancellation:0",
        requested_date=date(2027, 1, 15),
    )
    snapshot = await run(activities.transition, change)

    [request] = services.requests
    assert json.loads(request.content) == {
        "action": "schedule_cancellation",
        "actor": ACCOUNT,
        "idempotency_key": f"subscription-{SID}:schedule_cancellation:0",
        "date": "2027-01-15",
    }
    assert (snapshot.status, snapshot.offering_id, snapshot.billing_mode) == (
        "active",
        7117,
        "payroll",
    )
    assert snapshot.start_date == date(2027, 1, 12)


@pytest.mark.parametrize(
    ("status", "code", "final"),
    [
        (409, "offering_full", True),
        (409, "invalid_transition", True),
        (422, "reason_required", True),
        (503, "unavailable", False),
        (429, "throttled", False),
        (401, "service_token_invalid", False),
    ],
)
async def test_service_refusals_become_typed_errors(
    activities: SubscriptionActivities,
    services: Services,
    status: int,
    code: str,
    final: bool,
) -> None:
    services.transition_answer = (status, {"error": code, "message": {"fr": ADDRESS}})
    change = TransitionInput(subscription_id=SID, action="approve", actor="op", idempotency_key="k")

    with pytest.raises(ApplicationError) as raised:
        await run(activities.transition, change)

    assert (raised.value.type, raised.value.non_retryable) == (code, final)
    assert ADDRESS not in str(raised.value)  # the body is never echoed


async def test_contract_and_load_use_the_internal_endpoints(
    activities: SubscriptionActivities, services: Services
) -> None:
    contract = await run(
        activities.generate_contract, ContractInput(subscription_id=SID, idempotency_key="k:c")
    )
    snapshot = await run(activities.load, SubscriptionRef(subscription_id=SID))

    assert (contract.contract_id, contract.language) == ("c-1", "fr")
    assert snapshot.status == "active"
    post, get = services.requests
    assert (post.method, post.url.path) == ("POST", f"/internal/v1/subscriptions/{SID}/contract")
    assert json.loads(post.content) == {"idempotency_key": "k:c"}
    assert (get.method, get.url.path) == ("GET", f"/internal/v1/subscriptions/{SID}")
