"""Prometheus metrics of the customers stage (part of the worker deployable; bounded labels only)."""

from prometheus_client import Counter, Gauge, Histogram

ALERTS = Counter("ripple_customer_alerts_total", "Customer alerts published", ["kind", "severity"])
FOLLOWUPS = Counter("ripple_customer_followups_total", "Follow-up events handled", ["kind", "result"])
DUPLICATES = Counter("ripple_customer_duplicate_events_total", "Replayed events skipped by idempotency", ["source"])
TIME_TO_CLOSE = Histogram(
    "ripple_customer_time_to_close_seconds",
    "Alert opened to loop closed",
    ["closed_by"],
    buckets=(60, 300, 900, 1800, 3600, 7200, 14400, 28800, 36000, 43200, 86400, 172800, 604800),
)
RECOVERY = Histogram(
    "ripple_customer_sentiment_recovery",
    "Sentiment after minus before an alert (range -2..2)",
    [],
    buckets=(-1.0, -0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0),
)
PROCESS_SECONDS = Histogram(
    "ripple_customer_process_seconds",
    "Time to fold one input into customer state",
    ["source"],
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1),
)
OPEN_ALERTS = Gauge("ripple_customer_open_alerts", "Open alerts with a pending SLA on this worker")
STATE_BYTES = Histogram(
    "ripple_customer_state_bytes",
    "Serialised customer state size",
    [],
    buckets=(128, 256, 512, 1024, 2048, 4096, 8192, 16384),
)
