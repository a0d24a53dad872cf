"""How every workflow retries its activities and notices a dead worker (TEMPORAL.md 16).

Recovery must follow the dependency, not the backoff: after an outage of any length, a step is
tried again at most `MAXIMUM_INTERVAL` after SMTP or a service is back (bench/chaos.py measures
it), instead of waiting out a backoff grown to 5-10 minutes. The price is one cheap failed try
per waiting step every 10 s during an outage (docs/crash-safety.md).

A worker killed mid-activity is noticed after `HEARTBEAT_TIMEOUT`, not after the activity's
whole start-to-close timeout: every activity heartbeats while it runs (`workflows/heartbeat.py`);
the exports alone rely on their start-to-close timeout (workflows/exports/workflows.py).

Workflow code imports this module (standard library and temporalio only).
"""

from datetime import timedelta

from temporalio.common import RetryPolicy

MAXIMUM_INTERVAL = timedelta(seconds=10)
HEARTBEAT_TIMEOUT = timedelta(seconds=4)

# No maximum_attempts: while a dependency is down the step waits and nothing is lost; the
# idempotency keys make every retry harmless.
SERVICE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=MAXIMUM_INTERVAL,
)
EMAIL_RETRY = SERVICE_RETRY
