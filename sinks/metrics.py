"""Prometheus metrics of the sink deployable (bounded labels only: table, reason)."""

from prometheus_client import Counter, Gauge, Histogram

ROWS_WRITTEN = Counter("ripple_sink_rows_written_total", "Rows inserted into ClickHouse", ["table"])
BATCH_ROWS = Histogram(
    "ripple_sink_batch_rows", "Rows per insert", ["table"],
    buckets=(1, 10, 100, 1_000, 5_000, 10_000, 20_000, 50_000, 100_000),
)
INSERT_SECONDS = Histogram("ripple_sink_insert_seconds", "Insert latency", ["table"])
INSERT_FAILURES = Counter("ripple_sink_insert_failures_total", "Failed insert attempts", ["table", "retryable"])
DEADLETTERS = Counter("ripple_sink_deadletters_total", "Records the sink could not write", ["reason"])
LAG = Gauge("ripple_sink_lag_records", "Records behind the end of the topic", ["table"])
