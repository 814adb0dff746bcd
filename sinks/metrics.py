"""Prometheus metrics of the sink deployable (bounded labels only: table, reason, retryable)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

ROWS_WRITTEN = Counter("ripple_sink_rows_written_total", "Rows inserted into ClickHouse", ["table"])
BATCH_ROWS = Histogram(
    "ripple_sink_batch_rows",
    "Rows per insert",
    ["table"],
    buckets=(1, 10, 100, 1_000, 5_000, 10_000, 20_000, 50_000, 100_000),
)
E2E_LATENCY = Histogram(
    "ripple_e2e_latency_seconds", "Feedback event time to its row in ClickHouse (live traffic, sampled)",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600),
)
INSERT_SECONDS = Histogram(
    "ripple_sink_insert_seconds",
    "Insert latency",
    ["table"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
INSERT_FAILURES = Counter(
    "ripple_sink_insert_failures_total", "Failed insert attempts", ["table", "retryable"]
)
DEADLETTERS = Counter("ripple_sink_deadletters_total", "Records the sink could not write", ["reason"])
LAG = Gauge("ripple_sink_lag_records", "Records behind the end of the topic", ["table"])
PENDING_ROWS = Gauge("ripple_sink_pending_records", "Records read but not yet written (bounded)")
PAUSED = Gauge("ripple_sink_paused", "1 while consumption is paused (ClickHouse down or memory bound)")
RETENTION_RUNS = Counter(
    "ripple_sink_retention_runs_total", "Retention mutations issued on servers without TTL"
)

_served: set[int] = set()


def serve(port: int) -> None:
    """Expose /metrics on ``port`` (RIPPLE_METRICS_PORT); idempotent within a process."""
    if port and port not in _served:
        start_http_server(port)
        _served.add(port)
