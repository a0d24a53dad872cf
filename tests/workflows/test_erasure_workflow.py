"""ErasureWorkflow on the time-skipping server: every service is asked again until it answers,
and the proof is recorded only once all three have answered."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio import activity
from temporalio.exceptions import ApplicationError

from servicekit.erasure import ErasureReport
from tests.workflows.helpers import running_worker
from workflows.erasure.activities import _check
from workflows.erasure.models import (
    WORKFLOW_NAME,
    ErasureInput,
    ErasureProofs,
    ErasureResult,
    ErasureStep,
    workflow_id,
)


class FakeServices:
    """Each service's erasure endpoint; `down` counts the calls a service fails before it
    answers (a service that is away, then back)."""

    def __init__(self, down: dict[str, int]) -> None:
        self.down = down
        self.calls: dict[str, int] = {}
        self.recorded: list[ErasureProofs] = []

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="erasure_erase")
        async def erase(step: ErasureStep) -> ErasureReport:
            self.calls[step.service] = self.calls.get(step.service, 0) + 1
            if self.calls[step.service] <= self.down.get(step.service, 0):
                raise ApplicationError(f"{step.service} answered HTTP 503")
            assert not self.recorded, "the proof was recorded before every service answered"
            return ErasureReport(
                service=step.service, erased={"rows": 1}, erased_at=datetime.now(UTC)
            )

        @activity.defn(name="erasure_record_proofs")
        async def record_proofs(proofs: ErasureProofs) -> None:
            self.recorded.append(proofs)

        return [erase, record_proofs]


async def test_a_service_that_is_down_is_asked_again_until_it_answers(env):
    services = FakeServices(down={"payments": 4, "subscriptions": 1})
    account_id = str(uuid.uuid4())
    queue = f"erasure-{uuid.uuid4().hex[:8]}"
    async with running_worker(env, services.activities(), queue):
        result = await env.client.execute_workflow(
            WORKFLOW_NAME,
            ErasureInput(account_id=account_id),
            id=workflow_id(account_id),
            task_queue=queue,
            result_type=ErasureResult,
        )

    assert services.calls == {"identity": 1, "subscriptions": 2, "payments": 5}
    assert [r.service for r in result.reports] == ["identity", "subscriptions", "payments"]
    [proofs] = services.recorded
    assert proofs.account_id == account_id
    assert {r.service for r in proofs.reports} == {"identity", "subscriptions", "payments"}


def test_a_deferred_answer_sets_when_the_activity_is_tried_again():
    request = httpx.Request("POST", "http://payments.test/internal/v1/accounts/a/erasure")
    body = {"error": "erasure_deferred", "details": {"retry_after_seconds": 3600}}
    with pytest.raises(ApplicationError) as deferred:
        _check("payments", httpx.Response(409, json=body, request=request))
    assert deferred.value.next_retry_delay == timedelta(hours=1)
    assert not deferred.value.non_retryable

    with pytest.raises(ApplicationError) as down:
        _check("payments", httpx.Response(503, request=request))
    assert down.value.next_retry_delay is None
    assert not down.value.non_retryable
