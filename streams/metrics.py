"""Prometheus metrics of the worker deployable (bounded labels: stage, reason, channel, language)."""

from prometheus_client import Counter

EVENTS = Counter("ripple_stream_events_total", "Events handled by a stage", ["stage"])
DEADLETTERS = Counter("ripple_deadletters_total", "Records sent to the dead-letter topic", ["stage", "reason"])
SCORED = Counter("ripple_scored_total", "Scored events", ["channel", "language", "label"])
PII_REDACTED = Counter(  # label values: email, phone, card, iban
    "ripple_pii_redacted_total", "Personal-data spans replaced by placeholders", ["type"]
)
