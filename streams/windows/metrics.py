"""Prometheus metrics of the windows stage (part of the worker deployable; bounded labels only).

Labels are channel (a closed enum), aspect (from the scorer's taxonomy, capped by ``LabelGuard``),
outcome, state, severity and topic — never a customer or event id.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

WINDOW_EVENTS = Counter("ripple_window_events_total", "Scored events seen by the windows stage",
                        ["channel", "outcome"])
FEEDBACK = Counter("ripple_windowed_feedback_total", "Feedback counted in windows", ["channel", "aspect"])
COMPLAINTS = Counter("ripple_complaints_total", "Negative feedback counted in windows (complaints)",
                     ["channel", "aspect"])
SPIKE_ACTIVE = Gauge("ripple_spike_active",
                     "Complaint spike state per series roll-up: 0 normal, 1 warning, 2 critical "
                     "('*' = all channels/aspects)", ["channel", "aspect"])
SPIKE_RATIO = Gauge("ripple_spike_ratio", "Observed / expected complaints in the last closed window "
                    "(max over languages)", ["channel", "aspect"])
SPIKE_ALERTS = Counter("ripple_spike_alerts_total", "Spike alert events emitted", ["state", "severity"])
AGGREGATES = Counter("ripple_aggregates_emitted_total", "Aggregate rows emitted", ["kind"])
WATERMARK_LAG = Gauge("ripple_window_watermark_lag_seconds",
                      "Wall clock minus the windows' watermark (grows when windows stop closing)")
CLOSE_DELAY = Histogram("ripple_window_close_delay_seconds", "Wall time from a window's end to its first emission",
                        buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300))
OPEN_WINDOWS = Gauge("ripple_windows_held", "Windows held in state (open or kept for late corrections)")
CONSUMER_LAG = Gauge("ripple_stream_lag_records", "Records behind the end of a source topic (this worker)",
                     ["topic"])


class LabelGuard:
    """Caps the distinct values of a label: the first ``limit`` values pass, later ones become "other"."""

    def __init__(self, limit: int = 40) -> None:
        self.limit = limit
        self.seen: set[str] = set()

    def __call__(self, value: str) -> str:
        if value in self.seen:
            return value
        if len(self.seen) < self.limit:
            self.seen.add(value)
            return value
        return "other"
