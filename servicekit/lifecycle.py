"""The subscription lifecycle's words, spelled once: statuses, transition actions, who acted,
the codes a refused change answers, and their labels in French and English.

The services, the workflow and the web import these instead of their own spellings. Each word
has a `Literal` twin for typed wire payloads (pydantic models and Temporal payloads); a test
checks that each twin and its `StrEnum` list the same words, and that every word has a label
in both catalogs (`status.*`, `history.action.*`, `history.actor.*`, `error.*`).
The workflow sandbox imports this module for its types: the label functions import the
catalogs (Babel, gettext) only when called.
"""

from enum import StrEnum
from typing import Literal

from servicekit.messages import Message


class Status(StrEnum):
    """A subscription's status, as stored and as the APIs answer it."""

    PENDING_APPROVAL = "pending_approval"
    ACTIVE = "active"
    IN_ARREARS = "in_arrears"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    ENDED = "ended"


StatusCode = Literal[
    "pending_approval", "active", "in_arrears", "refused", "withdrawn", "expired", "ended"
]

# A subscription in one of these keeps its account from being deleted (and its vehicles and its
# offering's space): one in arrears still owes money and may become active again.
BLOCKING_STATUSES: tuple[str, ...] = ("pending_approval", "active", "in_arrears")
# A running subscription: it holds a space of its offering and can be cancelled or ended.
RUNNING_STATUSES: tuple[str, ...] = ("active", "in_arrears")
STATUSES: tuple[str, ...] = tuple(s.value for s in Status)


class Action(StrEnum):
    """A state change the workflow writes through the subscriptions service."""

    APPROVE = "approve"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    SCHEDULE_CANCELLATION = "schedule_cancellation"
    WITHDRAW_CANCELLATION = "withdraw_cancellation"
    END = "end"
    APPLY_MODIFICATION = "apply_modification"
    REFUSE_MODIFICATION = "refuse_modification"
    FALL_INTO_ARREARS = "fall_into_arrears"
    RECOVER = "recover"


ActionCode = Literal[
    "approve",
    "refuse",
    "withdraw",
    "expire",
    "schedule_cancellation",
    "withdraw_cancellation",
    "end",
    "apply_modification",
    "refuse_modification",
    "fall_into_arrears",
    "recover",
]
# The history's first entry: the request itself (not a transition of the workflow).
REQUEST = "request"
DecisionCode = Literal["approve", "refuse"]


class ActorRole(StrEnum):
    """Who made a change, as the history records it."""

    SYSTEM = "system"
    USER = "user"
    OPERATOR = "operator"


class Refusal(StrEnum):
    """The codes of a change the workflow or the service refuses (`ApplicationError.type` and
    the API's `error`); each has its message in the catalogs as `error.<code>`."""

    OFFERING_FULL = "offering_full"
    NOT_PENDING = "not_pending"
    NOT_ACTIVE = "not_active"
    NO_CANCELLATION = "no_cancellation"
    CANCELLATION_PASSED = "cancellation_passed"
    INVALID_TRANSITION = "invalid_transition"
    MODIFICATION_PENDING = "modification_pending"
    MODIFICATION_NOT_PENDING = "modification_not_pending"
    # The update's actor token is missing, forged, for another workflow or update, or expired
    # (servicekit/actor_token.py): the workflow cannot tell who asked.
    ACTOR_NOT_PROVEN = "actor_not_proven"


class FieldRefusal(StrEnum):
    """Refusals that name a field of the request (rendered as a validation error)."""

    REASON_REQUIRED = "reason_required"
    DATE_IN_PAST = "date_in_past"


FIELD_OF_REFUSAL: dict[str, str] = {
    FieldRefusal.REASON_REQUIRED: "reason",
    FieldRefusal.DATE_IN_PAST: "date",
}


STATUS_CODES = frozenset(s.value for s in Status)
ACTION_CODES = frozenset(a.value for a in Action)
ACTOR_CODES = frozenset(r.value for r in ActorRole)


def status_label(status: str, language: str) -> str:
    """« En attente d'approbation » / "Awaiting approval"; an unknown status as it is."""
    from servicekit.i18n import gettext

    return gettext(f"status.{status}", language) if status in STATUS_CODES else status


def status_labels(status: str) -> Message:
    """A status's label in both languages (the APIs' `status_label`)."""
    from servicekit.i18n import bilingual

    return bilingual(f"status.{Status(status).value}")


def action_label(action: str, language: str) -> str:
    """A history entry's action (« Approbation »); an unknown one as it is."""
    from servicekit.i18n import gettext

    known = action == REQUEST or action in ACTION_CODES
    return gettext(f"history.action.{action}", language) if known else action


def actor_label(role: str, language: str) -> str:
    """A history entry's actor role (« Abonné », « Opérateur », « Système »)."""
    from servicekit.i18n import gettext

    return gettext(f"history.actor.{role}", language) if role in ACTOR_CODES else role


def refusal_message(code: str) -> Message:
    """The message of a refusal code in both languages."""
    from servicekit.i18n import bilingual

    return bilingual(f"error.{code}")
