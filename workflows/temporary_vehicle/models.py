"""The temporary vehicle workflow's payloads: ids and dates only (never a plate: the codec
encrypts payloads, but an id is shown in the Web UI's lists)."""

from datetime import date
from typing import Literal

from pydantic import BaseModel

TemporaryOutcome = Literal["ended", "removed", "gone"]


def workflow_id(temporary_vehicle_id: str) -> str:
    """The business key of a temporary vehicle's end timer."""
    return f"temporary-vehicle-{temporary_vehicle_id}"


class TemporaryVehicleInput(BaseModel):
    """Start: which temporary vehicle, and its last day (a Montréal date, inclusive)."""

    temporary_vehicle_id: str
    subscription_id: str
    end_date: date


class TemporaryVehicleRef(BaseModel):
    """The activity's argument: the vehicle to end once its last day is over."""

    temporary_vehicle_id: str


class TemporaryVehicleRemoved(BaseModel):
    """Signal: its owner removed it early; the timer has nothing left to do."""

    temporary_vehicle_id: str


class TemporaryVehicleResult(BaseModel):
    """How it finished: `ended` by the timer, `removed` early, `gone` (erased with its
    account, or its subscription)."""

    temporary_vehicle_id: str
    outcome: TemporaryOutcome
