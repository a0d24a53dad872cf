"""Temporal's TracingInterceptor, with a workflow's later work following its latest cause.

The stock interceptor keeps everything a workflow does in the trace of the request that
started it, and only links an update's span to the caller: an operator's approval, days
after the request, would end at `StartWorkflowUpdate`, and the contract and the email it
causes would sit in the request's trace. Here an update handler runs in its caller's trace,
and the activities the workflow starts after it (from its own loop) follow that cause, so
one approval is one trace: console → subscriptions → update → contract → email.

Spans are side effects, never commands: replay builds none and decides nothing from them.
The stock workflow outbound interceptor is private to temporalio (pinned in pyproject).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import opentelemetry.trace
from temporalio import worker, workflow
from temporalio.contrib.opentelemetry import TracingInterceptor, TracingWorkflowInboundInterceptor
from temporalio.contrib.opentelemetry._context import attached_context
from temporalio.contrib.opentelemetry._interceptor import _TracingWorkflowOutboundInterceptor


class CauseTracingInterceptor(TracingInterceptor):
    """TracingInterceptor for clients and workers (see the module's docstring)."""

    def workflow_interceptor_class(
        self, input: worker.WorkflowInterceptorClassInput
    ) -> type[TracingWorkflowInboundInterceptor]:
        super().workflow_interceptor_class(input)  # registers the span extern function
        return _CauseInbound


class _CauseInbound(TracingWorkflowInboundInterceptor):
    def __init__(self, next: worker.WorkflowInboundInterceptor) -> None:
        super().__init__(next)
        self.cause: dict[str, str] | None = None

    def init(self, outbound: worker.WorkflowOutboundInterceptor) -> None:
        worker.WorkflowInboundInterceptor.init(self, _CauseOutbound(outbound, self))

    @contextmanager
    def in_cause(self) -> Iterator[None]:
        """The latest update caller's context, else the workflow's own."""
        if self.cause is None:
            with self._top_level_workflow_context(success_is_complete=False):
                yield
            return
        context = self._set_on_context(self.text_map_propagator.extract(self.cause))
        with attached_context(context):
            yield

    async def handle_update_handler(self, input: worker.HandleUpdateInput) -> Any:
        header = input.headers.get(self.header_key)
        if header is not None and not workflow.unsafe.is_replaying():
            self.cause = self.payload_converter.from_payloads([header])[0]
        with self.in_cause():
            self._completed_span(
                f"HandleUpdate:{input.update}", kind=opentelemetry.trace.SpanKind.SERVER
            )
            return await worker.WorkflowInboundInterceptor.handle_update_handler(self, input)


class _CauseOutbound(_TracingWorkflowOutboundInterceptor):
    root: _CauseInbound

    def start_activity(self, input: worker.StartActivityInput) -> workflow.ActivityHandle[Any]:
        if self.root.cause is None:
            return super().start_activity(input)
        with self.root.in_cause():
            return super().start_activity(input)
