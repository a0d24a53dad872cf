"""The HTTP families as Prometheus reads them: counted in plain Python
(servicekit.observability.http_metrics), they must expose what a Counter and a Histogram
would (cumulative buckets, a bound including itself, +Inf, count and sum, a count per status)."""

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from servicekit.observability.http_metrics import HttpMetrics


def scraped(metrics: HttpMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry()
    registry.register(metrics)
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def labels(**pairs: str) -> tuple[tuple[str, str], ...]:
    base = {"service": "subscriptions", "method": "GET", "route": "/v1/plate-check"}
    return tuple(sorted((base | pairs).items()))


def test_requests_are_counted_by_status_and_timed_in_cumulative_buckets() -> None:
    metrics = HttpMetrics()
    for seconds in (0.001, 0.005, 0.0051, 0.3, 20.0):
        metrics.observe("subscriptions", "GET", "/v1/plate-check", 200, seconds)
    metrics.observe("subscriptions", "GET", "/v1/plate-check", 422, 0.002)
    samples = scraped(metrics)

    assert samples[("http_requests_total", labels(status="200"))] == 5
    assert samples[("http_requests_total", labels(status="422"))] == 1
    bucket = "http_request_duration_seconds_bucket"
    assert samples[(bucket, labels(le="0.005"))] == 3  # 0.005 itself is in its bucket
    assert samples[(bucket, labels(le="0.01"))] == 4
    assert samples[(bucket, labels(le="0.25"))] == 4
    assert samples[(bucket, labels(le="0.5"))] == 5
    assert samples[(bucket, labels(le="10.0"))] == 5
    assert samples[(bucket, labels(le="+Inf"))] == 6
    assert samples[("http_request_duration_seconds_count", labels())] == 6
    assert abs(samples[("http_request_duration_seconds_sum", labels())] - 20.3131) < 1e-9


def test_each_route_template_is_its_own_series() -> None:
    metrics = HttpMetrics()
    metrics.observe("subscriptions", "GET", "/v1/plate-check", 200, 0.001)
    metrics.observe("subscriptions", "POST", "/v1/vehicles", 201, 0.02)
    samples = scraped(metrics)

    vehicles = labels(method="POST", route="/v1/vehicles", status="201")
    assert samples[("http_requests_total", vehicles)] == 1
    assert samples[("http_requests_total", labels(status="200"))] == 1
    assert len([key for key in samples if key[0] == "http_requests_total"]) == 2
