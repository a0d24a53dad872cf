"""Traces (issue 13): the processes export their spans over OTLP to an in-memory receiver;
one signup is one trace from the web page to the SMTP send, and an approval is one trace
from the operator's click through the subscriptions service into the workflow's update."""

import asyncio

from tests.observability.collector import Collector, ReceivedSpan
from tests.observability.journey import Journey


async def spans_of(collector: Collector, trace_id: str, needed: set[str]) -> list[ReceivedSpan]:
    """The trace's spans once spans named `needed` arrived (exporters batch for 200 ms)."""
    for _ in range(100):
        spans = collector.trace(trace_id)
        if needed <= {s.name for s in spans}:
            return spans
        await asyncio.sleep(0.1)
    names = sorted({(s.service, s.name) for s in collector.trace(trace_id)})
    raise AssertionError(f"missing {needed - {s.name for s in spans}} in {names}")


def chain(spans: list[ReceivedSpan], leaf: ReceivedSpan) -> list[ReceivedSpan]:
    """The span and its ancestors, root first."""
    by_id = {s.span_id: s for s in spans}
    path = [leaf]
    while path[-1].parent_id in by_id:
        path.append(by_id[path[-1].parent_id])
    return list(reversed(path))


def first(spans: list[ReceivedSpan], service: str, name: str) -> ReceivedSpan:
    found = [s for s in spans if s.service == service and s.name == name]
    assert found, f"no {service} span {name!r} in {sorted({(s.service, s.name) for s in spans})}"
    return found[0]


async def test_one_signup_is_one_trace_from_the_page_to_the_smtp_send(
    journey: Journey, collector: tuple[Collector, str]
) -> None:
    received, _ = collector
    spans = await spans_of(received, journey.traces["signup"], {"smtp send"})
    smtp = first(spans, "worker", "smtp send")
    path = [(s.service, s.name) for s in chain(spans, smtp)]
    assert path[0] == ("web", "POST /creer-un-compte"), path
    assert ("identity", "POST /v1/accounts") in path, path
    assert ("identity", "StartWorkflow:RegistrationWorkflow") in path, path
    assert any(name.startswith("RunActivity:") for _, name in path), path
    # The activity reads the account back from identity, within the same trace.
    identity_calls = [s for s in spans if s.service == "identity" and " /internal/" in s.name]
    assert identity_calls, sorted({(s.service, s.name) for s in spans})
    activity = next(s for s in chain(spans, smtp) if s.name.startswith("RunActivity:"))
    assert activity in chain(spans, identity_calls[0])


async def test_one_approval_is_one_trace_from_the_console_into_the_workflow(
    journey: Journey, collector: tuple[Collector, str]
) -> None:
    received, _ = collector
    spans = await spans_of(received, journey.traces["approval"], {"smtp send"})
    names = [(s.service, s.name) for s in spans]
    root = first(spans, "web", "POST /console-operateur/demandes/{subscription_id}/decision")
    assert root.parent_id == "" or root.parent_id not in {s.span_id for s in spans}
    decision = [s for s in spans if s.service == "subscriptions" and "decision" in s.name]
    assert decision, names
    update = [s for s in spans if "Update" in s.name]
    assert update, names
    contract = [s for s in spans if s.name == "RunActivity:subscription_generate_contract"]
    assert contract, names
    smtp = first(spans, "worker", "smtp send")
    assert chain(spans, smtp)[0] == root
