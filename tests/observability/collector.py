"""A tiny OTLP/HTTP trace receiver: the processes of the stack export their spans to it over
the real exporter, and the tests read them from its memory."""

from dataclasses import dataclass, field

from fastapi import FastAPI, Request, Response
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    kind: int
    attributes: dict[str, str]


@dataclass
class Collector:
    spans: list[ReceivedSpan] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/traces")
        async def receive(request: Request) -> Response:
            batch = ExportTraceServiceRequest.FromString(await request.body())
            for resource_spans in batch.resource_spans:
                service = next(
                    (a.value.string_value for a in resource_spans.resource.attributes
                     if a.key == "service.name"),
                    "",
                )  # fmt: skip
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        self.spans.append(_received(service, span))
            body = ExportTraceServiceResponse().SerializeToString()
            return Response(body, media_type="application/x-protobuf")

        return app

    def trace(self, trace_id: str) -> list[ReceivedSpan]:
        return [s for s in self.spans if s.trace_id == trace_id]


def _received(service: str, span: object) -> ReceivedSpan:
    attributes = {
        a.key: str(getattr(a.value, a.value.WhichOneof("value") or "string_value"))
        for a in span.attributes  # type: ignore[attr-defined]
    }
    return ReceivedSpan(
        service=service,
        name=span.name,  # type: ignore[attr-defined]
        trace_id=span.trace_id.hex(),  # type: ignore[attr-defined]
        span_id=span.span_id.hex(),  # type: ignore[attr-defined]
        parent_id=span.parent_span_id.hex(),  # type: ignore[attr-defined]
        kind=span.kind,  # type: ignore[attr-defined]
        attributes=attributes,
    )
