"""What an operator can scrape about NetSuite traffic (Prometheus counters and histograms).

Recorded where the work happens (the NetSuite client's retry loop); syncs by outcome and the
queue depth are read from the ledger and the broker when /metrics is scraped (occupier.metrics).
With PROMETHEUS_MULTIPROC_DIR set, the workers' figures are shared with the web process.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

NETSUITE_REQUESTS = Counter(
    "occupier_netsuite_requests_total",
    "NetSuite HTTP attempts, by status code (or error class when there was no answer).",
    ["status"],
)
NETSUITE_LATENCY = Histogram(
    "occupier_netsuite_request_seconds",
    "Time from sending a NetSuite request to its answer or failure.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
)
LIMITER_WAIT = Histogram(
    "occupier_netsuite_limiter_wait_seconds",
    "Time spent waiting for a concurrency slot before a NetSuite request.",
    buckets=(0.001, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 15, 60),
)


def netsuite_answered(status: int | str | None, seconds: float) -> None:
    """Count one attempt and its duration."""
    NETSUITE_REQUESTS.labels(status=str(status if status is not None else "none")).inc()
    NETSUITE_LATENCY.observe(seconds)


def limiter_waited(seconds: float) -> None:
    LIMITER_WAIT.observe(seconds)
