"""The processor's metrics: webhook events by what they changed, refunds by final status.

`parking_processor_events_total{outcome="charge_mismatch"}` rising means Stripe and the ledger
disagree about a charge: the service centre looks at it (docs/operations.md)."""

from prometheus_client import Counter

from servicekit.observability.metrics import owned_by

EVENTS = Counter(
    "parking_processor_events",  # exported as parking_processor_events_total
    "Processor webhook events applied, by outcome (charge_confirmed, charge_mismatch, ...).",
    ["outcome"],
)
REFUNDS = Counter(
    "parking_refunds",  # exported as parking_refunds_total
    "Refunds of credits to a card that reached a status: pending, succeeded or failed.",
    ["status"],
)
owned_by("payments", EVENTS, REFUNDS)
for _outcome in ("charge_confirmed", "charge_mismatch"):  # the series a rule would read
    EVENTS.labels(_outcome)


def event_applied(outcome: str) -> None:
    EVENTS.labels(outcome).inc()


def refund_moved(status: str) -> None:
    REFUNDS.labels(status).inc()
