"""The sink's metrics are served on the configured port with bounded labels only."""

from __future__ import annotations

import urllib.request

from ripple.dev.procs import free_port
from sinks import metrics


def test_metrics_are_served_with_table_labels() -> None:
    port = free_port()
    metrics.serve(port)
    metrics.serve(port)  # idempotent: a second sink in the same process does not fail
    metrics.ROWS_WRITTEN.labels("feedback_events").inc(3)
    metrics.INSERT_SECONDS.labels("feedback_events").observe(0.02)
    metrics.LAG.labels("feedback_events").set(12)
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    for name in ("ripple_sink_rows_written_total", "ripple_sink_insert_seconds_bucket", "ripple_sink_lag_records",
                 "ripple_sink_batch_rows", "ripple_sink_insert_failures_total", "ripple_sink_paused"):
        assert name in body
    assert 'ripple_sink_lag_records{table="feedback_events"} 12.0' in body
