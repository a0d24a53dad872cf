"""The HTTP families every app exports (`http_requests_total`, `http_request_duration_seconds`),
counted in plain Python and handed to prometheus_client only when Prometheus scrapes.

prometheus_client's Counter and Histogram take a lock for each increment and walk the
histogram's buckets in Python: a few microseconds a request, a tenth of the plate check's
observability cost (bench/observability.py). Here a request is two dictionary lookups, a
`bisect` and three additions. No lock: the ASGI middleware counts on the event loop's thread
and the `/metrics` endpoint (an `async def`) reads on that same thread.
"""

from bisect import bisect_left
from collections.abc import Iterable
from itertools import accumulate

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BOUNDS = [floatToGoString(b) for b in BUCKETS] + ["+Inf"]  # type: ignore[no-untyped-call]
_LABELS = ["service", "method", "route"]


class _RouteSeries:
    """One (service, method, route): its duration buckets (not cumulative; the last is
    +Inf), their sum, and its request count per status."""

    __slots__ = ("buckets", "seconds", "statuses")

    def __init__(self) -> None:
        self.buckets = [0] * (len(BUCKETS) + 1)
        self.seconds = 0.0
        self.statuses: dict[int, int] = {}


class HttpMetrics(Collector):
    """A prometheus_client collector over plain counters."""

    def __init__(self) -> None:
        self._series: dict[tuple[str, str, str], _RouteSeries] = {}

    def observe(self, service: str, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its duration."""
        series = self._series.get((service, method, route))
        if series is None:
            series = self._series[(service, method, route)] = _RouteSeries()
        series.buckets[bisect_left(BUCKETS, seconds)] += 1  # le: a bound includes itself
        series.seconds += seconds
        statuses = series.statuses
        statuses[status] = statuses.get(status, 0) + 1

    def describe(self) -> Iterable[Metric]:
        return [self._requests(), self._durations()]

    def collect(self) -> Iterable[Metric]:
        requests, durations = self._requests(), self._durations()
        for (service, method, route), series in list(self._series.items()):
            for status, count in list(series.statuses.items()):
                requests.add_metric([service, method, route, str(status)], count)
            cumulative = zip(_BOUNDS, accumulate(series.buckets), strict=True)
            durations.add_metric([service, method, route], list(cumulative), series.seconds)
        return [requests, durations]

    @staticmethod
    def _requests() -> CounterMetricFamily:
        return CounterMetricFamily(
            "http_requests",  # exported as http_requests_total
            "HTTP requests answered, by route template and status.",
            labels=[*_LABELS, "status"],
        )

    @staticmethod
    def _durations() -> HistogramMetricFamily:
        return HistogramMetricFamily(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            labels=_LABELS,
        )


HTTP_METRICS = HttpMetrics()
REGISTRY.register(HTTP_METRICS)
observe_request = HTTP_METRICS.observe
