"""Subscriptions' request and response bodies (pydantic v2)."""

import datetime as dt
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from servicekit.clock import today
from servicekit.formats import normalize_plate
from servicekit.lifecycle import ActionCode, DecisionCode, StatusCode
from services.subscriptions.waitlist_schemas import WaitlistOut

AccessType = Literal["card", "plate"]
BillingMode = Literal["pad", "payroll"]
Visibility = Literal["public", "restricted"]
Status = StatusCode
FIRST_YEAR = 1950


class Label(BaseModel):
    """A label in both languages (French first)."""

    fr: str
    en: str


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _consent(value: bool) -> bool:
    if value is not True:
        raise PydanticCustomError("consent_required", "Consent required.")
    return value


def _start_not_past(value: date) -> date:
    if value < today():
        raise PydanticCustomError("start_in_past", "The start date cannot be in the past.")
    return value


def _date_not_past(value: date) -> date:
    if value < today():
        raise PydanticCustomError("date_in_past", "The date cannot be in the past.")
    return value


def _vehicle_year(value: int) -> int:
    if not FIRST_YEAR <= value <= today().year + 1:
        raise PydanticCustomError("year_invalid", "Invalid vehicle year.")
    return value


def _one_or_two(value: list[str]) -> list[str]:
    if not 1 <= len(value) <= 2 or len(set(value)) != len(value):
        raise PydanticCustomError("vehicles_required", "Choose one or two vehicles.")
    return value


Consent = Annotated[bool, AfterValidator(_consent)]
Plate = Annotated[str, Field(max_length=20), AfterValidator(normalize_plate)]
Text = Annotated[str, Field(min_length=1, max_length=60)]
VehicleIds = Annotated[list[Annotated[str, Field(max_length=36)]], AfterValidator(_one_or_two)]
FutureDate = Annotated[date, AfterValidator(_date_not_past)]
MethodId = Annotated[str | None, Field(max_length=36)]


# Catalog -------------------------------------------------------------------------------------


class SiteOut(BaseModel):
    id: int
    establishment: str
    name: str
    address: str
    access_type: AccessType


class SiteIn(Strict):
    id: int = Field(ge=1)
    establishment: Annotated[str, Field(min_length=1, max_length=200)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    address: Annotated[str, Field(min_length=1, max_length=300)]
    access_type: AccessType


class CategoryOut(BaseModel):
    id: int
    name_fr: str
    name_en: str


class CategoryIn(Strict):
    id: int | None = Field(default=None, ge=1)
    site_id: int
    name_fr: Annotated[str, Field(min_length=1, max_length=200)]
    name_en: Annotated[str, Field(min_length=1, max_length=200)]


class OfferingOut(BaseModel):
    id: int
    code: str
    name: str
    description_fr: str
    description_en: str
    monthly_price_cents: int
    billing_mode: BillingMode
    notice_days: int
    site_id: int
    category_id: int


class OperatorOfferingOut(OfferingOut):
    capacity: int
    visibility: Visibility
    active_count: int
    waitlist_confirm_hours: int


class OfferingIn(Strict):
    id: int = Field(ge=1)
    site_id: int
    category_id: int
    code: Annotated[str, Field(min_length=1, max_length=20)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description_fr: Annotated[str, Field(min_length=1, max_length=2000)]
    description_en: Annotated[str, Field(min_length=1, max_length=2000)]
    monthly_price_cents: int = Field(ge=0, le=10_000_000)
    billing_mode: BillingMode
    notice_days: int = Field(default=30, ge=0, le=365)
    capacity: int = Field(ge=0, le=100_000)
    visibility: Visibility = "public"
    # The time the first person on the waitlist has to confirm a space offered (1 h to 30 days).
    waitlist_confirm_hours: int = Field(default=72, ge=1, le=720)


class GrantIn(Strict):
    account_id: Annotated[str, Field(min_length=1, max_length=36)]


# Vehicles ------------------------------------------------------------------------------------


class VehicleIn(Strict):
    """Ajoutez un véhicule: Année, Marque, Modèle, Couleur, Numéro d'immatriculation."""

    year: Annotated[int, AfterValidator(_vehicle_year)]
    make: Text
    model: Text
    color: Annotated[str, Field(min_length=1, max_length=40)]
    plate: Plate


class VehicleOut(BaseModel):
    id: str
    year: int
    make: str
    model: str
    color: str
    plate: str


class TemporaryVehicleIn(VehicleIn):
    """« Véhicule temporaire »: a rental or a loaner and its days (inclusive, Montréal dates;
    from today or later, 14 days at most: checked by `temporary_vehicles.add`)."""

    start_date: FutureDate
    end_date: date


class TemporaryVehicleOut(VehicleOut):
    subscription_id: str
    start_date: date
    end_date: date
    status: Literal["active", "removed", "ended"]
    status_label: Label
    created_at: datetime
    ended_at: datetime | None


class ModificationCreated(BaseModel):
    modification_id: str
    modification_ids: list[str]


# Subscriptions -------------------------------------------------------------------------------


class SubscriptionIn(Strict):
    """Steps 1-3 of "Créer un nouvel abonnement", sent with "Transmettre ma demande"."""

    offering_id: int
    requested_start: Annotated[date, AfterValidator(_start_not_past)]
    # Absent means unchecked: validated like an explicit `false`.
    accept_terms: Consent = Field(default=False, validate_default=True)
    understand_approval: Consent = Field(default=False, validate_default=True)
    vehicle_ids: VehicleIds = Field(default_factory=list, validate_default=True)
    employee_number: Annotated[str, Field(min_length=1, max_length=50)]
    # Step 5: required for a `pad` offering (one of the caller's methods), absent for payroll.
    payment_method_id: MethodId = None


class CancellationIn(Strict):
    date: FutureDate


class CancellationPreview(BaseModel):
    requested: date
    effective: date
    notice_days: int


class ModificationIn(Strict):
    offering_id: int | None = None
    vehicle_ids: VehicleIds | None = None


class ModificationOut(BaseModel):
    id: str
    status: str
    offering_id: int | None = None
    vehicle_ids: list[str] | None = None
    vehicle_update: dict[str, object] | None = None
    reason: str | None = None
    created_at: datetime | None = None
    decided_at: datetime | None = None


class DecisionIn(Strict):
    decision: DecisionCode
    reason: Annotated[str | None, Field(default=None, max_length=500)] = None
    # A key the operator's form carries: the same decision sent again with it (a retry after a
    # dropped connection) answers 200 with the request's state instead of 409 not_pending.
    idempotency_key: Annotated[
        str | None, Field(default=None, min_length=8, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")
    ] = None


class HistoryOut(BaseModel):
    at: datetime
    action: str
    from_status: str | None
    to_status: str
    actor_role: str


class SubscriptionOut(BaseModel):
    """A subscription as its owner sees it ("Détails de l'abonnement")."""

    id: str
    contract_number: str
    status: Status
    status_label: Label
    site: SiteOut
    offering: OfferingOut
    requested_start: date
    start_date: date | None
    end_date: date | None
    employee_number: str
    billing_mode: BillingMode
    monthly_price_cents: int
    notice_days: int
    payment_method_id: str | None
    vehicles: list[VehicleOut]
    # Outside the two-vehicle limit; the plate check accepts each only on its days.
    temporary_vehicles: list[TemporaryVehicleOut] = Field(default_factory=list)
    refusal_reason: str | None
    cancellation_requested_for: date | None
    cancellation_effective: date | None
    created_at: datetime
    decided_at: datetime | None
    has_contract: bool
    # Approved, but the contract (issued right after the first charge) is not there yet:
    # "in_progress" just after the approval, "late" a minute after it (views.SETUP_LATE_AFTER).
    setup: Literal["in_progress", "late"] | None = None
    balance_cents: int = 0
    pending_modification: ModificationOut | None = None
    # Set when the request was made on a full offering: its place in line, or the space offered.
    waitlist: WaitlistOut | None = None
    history: list[HistoryOut] = Field(default_factory=list)


class OperatorSubscriptionOut(SubscriptionOut):
    """The full detail an operator reads before deciding."""

    account_id: str
    workflow_id: str
    workflow_url: str
    modifications: list[ModificationOut] = Field(default_factory=list)


class RequestSummary(BaseModel):
    """One line of the operators' queue."""

    id: str
    contract_number: str
    status: Status
    created_at: datetime
    requested_start: date
    site: SiteOut
    offering: OfferingOut
    account_id: str
    employee_number: str
    vehicles: list[VehicleOut]


# Plate check and internal --------------------------------------------------------------------


class PlateCheckOut(BaseModel):
    authorized: bool
    site_id: int
    plate: str
    subscription_end: date | None


Action = ActionCode


class TransitionIn(Strict):
    action: Action
    actor: Annotated[str, Field(min_length=1, max_length=36)]
    reason: Annotated[str | None, Field(default=None, max_length=500)] = None
    date: dt.date | None = None
    modification_id: str | None = None
    idempotency_key: Annotated[str, Field(min_length=1, max_length=300)]
    request_key: Annotated[str | None, Field(default=None, max_length=100)] = None


class ContractIn(Strict):
    idempotency_key: Annotated[str, Field(min_length=1, max_length=300)]


class ContractOut(BaseModel):
    contract_id: str
    language: Literal["fr", "en"]


class InternalSubscriptionOut(BaseModel):
    """What the workflow's activities need: states, dates and names for the emails."""

    id: str
    account_id: str
    contract_number: str
    status: Status
    site_id: int
    site_name: str
    establishment: str
    site_address: str
    access_type: AccessType
    offering_id: int
    offering_code: str
    offering_name: str
    billing_mode: BillingMode
    payment_method_id: str | None
    employee_number: str
    monthly_price_cents: int
    notice_days: int
    requested_start: date
    start_date: date | None
    end_date: date | None
    cancellation_effective: date | None
    refusal_reason: str | None
    pending_modification_id: str | None
    has_contract: bool


class PlatePeriod(BaseModel):
    """A plate on a running subscription of the account, from `start` to `end` (None: still)."""

    plate: str
    start: date
    end: date | None


class PlatePeriodsOut(BaseModel):
    periods: list[PlatePeriod]


PreviewStart = Annotated[date, AfterValidator(_start_not_past)]
