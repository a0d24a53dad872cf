"""The Temporal worker: `python -m workflows.worker`."""

import asyncio
import logging
import os
import signal
import sys
from datetime import timedelta

import httpx
from temporalio.worker import Worker

from servicekit.mail import MailSettings
from servicekit.settings import PlatformSettings
from servicekit.temporal import connect
from workflows.bytecode import write_bytecode
from workflows.exports.schedules import ensure_schedules
from workflows.health import HealthServer
from workflows.observability import WorkerObservabilitySettings, setup_worker_observability
from workflows.registry import INTERCEPTORS, WORKFLOWS, build_activities, install_actor_keys
from workflows.subscription.settings import WorkflowSettings

log = logging.getLogger("workflows.worker")

CONNECT_WAIT_SECONDS = 60.0  # the embedded dev server may still be starting
GRACEFUL_SHUTDOWN = timedelta(seconds=30)
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)


async def run_worker(
    settings: PlatformSettings,
    mail: MailSettings,
    stop: asyncio.Event,
    observed: WorkerObservabilitySettings | None = None,
) -> None:
    """Run the worker until `stop` is set, then let running activities finish."""
    observed = observed or WorkerObservabilitySettings()
    install_actor_keys(settings)
    write_bytecode(WORKFLOWS)  # the sandbox imports each workflow's module once per run
    client = await connect(settings, wait_seconds=CONNECT_WAIT_SECONDS)  # retries until then
    workflow_settings = WorkflowSettings()
    if workflow_settings.export_schedules:
        scheduled = await ensure_schedules(client, settings.temporal_task_queue)
        log.info("export schedules in place: %s", ", ".join(scheduled))
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        worker = Worker(
            client,
            task_queue=settings.temporal_task_queue,
            workflows=list(WORKFLOWS),
            activities=build_activities(http, settings, mail),
            interceptors=list(INTERCEPTORS),
            graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
            max_cached_workflows=workflow_settings.max_cached_workflows,
        )
        running = asyncio.create_task(worker.run())
        health = HealthServer(client, polling=lambda: not running.done())
        if observed.health_port:
            await health.start(observed.health_host, observed.health_port)
        log.info("worker polling task queue %s", settings.temporal_task_queue)
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({running, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not running.done():
            log.info("shutting down the worker")
            await worker.shutdown()
        stopped.cancel()
        await health.stop()
        await running  # re-raises a worker failure


async def main() -> None:
    """Entry point: settings from the environment, stop on SIGTERM/SIGINT."""
    observed = WorkerObservabilitySettings()
    setup_worker_observability(observed)  # before any client: the runtime serves the metrics
    stop = asyncio.Event()
    _stop_on_signals(stop)
    await run_worker(PlatformSettings(), MailSettings(), stop, observed)


if __name__ == "__main__":
    asyncio.run(main())
    # Everything durable is done: the worker drained and the HTTP client closed. The SDK's native
    # threads may still call into Python while the interpreter finalizes, which aborts the
    # process ("Fatal Python error: PyGILState_Release") with a non-zero status; skip
    # finalization so a clean stop is reported as one.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
