"""Turn scored events into ClickHouse rows (pure, so it is unit-tested without a server)."""

from __future__ import annotations

from typing import Any

from ripple.contracts import ScoredFeedback

FEEDBACK_COLUMNS: tuple[str, ...] = (
    "event_id", "customer_id", "channel", "event_time", "text", "stars", "csat", "nps", "agent_id",
    "conversation_id", "subject", "product", "public", "duration_s", "hold_time_s", "rings", "customer_value",
    "segment", "incentivised", "language", "language_confidence", "sentiment", "label", "reliable", "scorer",
    "scorer_version", "drivers", "satisfaction", "sarcasm", "aspects", "cues", "pii_redacted", "scored_at",
    "kafka_partition", "kafka_offset",
)


def feedback_row(ev: ScoredFeedback, partition: int, offset: int) -> tuple[Any, ...]:
    """One ``feedback_events`` row; datetimes become naive UTC (ClickHouse DateTime is UTC here)."""
    return (
        ev.event_id, ev.customer_id, ev.channel.value, ev.event_time.replace(tzinfo=None), ev.text,
        ev.stars, ev.csat, ev.nps, ev.agent_id or "", ev.conversation_id or "", ev.subject or "",
        ev.product or "", int(ev.public), ev.duration_s, ev.hold_time_s, ev.rings, ev.customer_value,
        ev.segment or "", int(ev.incentivised), ev.language, ev.language_confidence, ev.sentiment,
        ev.label.value, int(ev.reliable), ev.scorer, ev.scorer_version, list(ev.drivers), ev.satisfaction,
        int(ev.sarcasm), list(ev.aspects), list(ev.cues), ev.pii_redacted, ev.scored_at.replace(tzinfo=None),
        partition, offset,
    )
