"""Topic names. The schema version is part of the name so a breaking change gets a new topic."""

from typing import Final

RAW: Final = "feedback.raw.v1"
SCORED: Final = "feedback.scored.v1"
DEADLETTER: Final = "feedback.deadletter.v1"
AGGREGATES: Final = "feedback.aggregates.v1"
FOLLOWUPS: Final = "feedback.followups.v1"
CUSTOMER_ALERTS: Final = "alerts.customer.v1"
SPIKE_ALERTS: Final = "alerts.spike.v1"

ALL: Final = (RAW, SCORED, DEADLETTER, AGGREGATES, FOLLOWUPS, CUSTOMER_ALERTS, SPIKE_ALERTS)
