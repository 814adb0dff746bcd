"""Event contracts: one pydantic model per topic, the single source of truth for the wire format.

Models are frozen and forbid unknown fields so a producer bug surfaces as a validation error
(and a dead letter) instead of silently widening the contract. JSON on the wire is written by
pydantic's serializer (``Contract.to_json``); `ripple contracts export` writes the JSON Schemas that
downstream consumers code against.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from ripple import topics

SCHEMA_VERSION: Literal[1] = 1

Id = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@/+=-]*$")]
"""Identifiers are printable ASCII without spaces so they are safe as Kafka keys and log fields."""

MAX_TEXT_CHARS = 20_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters other than tab/newline/CR: never part of real feedback, often an injection."""


class Channel(StrEnum):
    """Where the feedback came from; each has its own native fields."""

    CHAT = "chat"
    EMAIL = "email"
    REVIEW = "review"
    PHONE_SURVEY = "phone_survey"


class SentimentLabel(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"
    UNSCORED = "unscored"


class Contract(BaseModel):
    """Base for every topic's model: frozen, strict about unknown fields, versioned."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=False, json_schema_serialization_defaults_required=True
    )

    def to_json(self) -> bytes:
        """Serialise for the wire (compact UTF-8 JSON, UTC timestamps in ISO 8601).

        pydantic's serializer writes the bytes itself: the same bytes as ``orjson.dumps(model_dump(
        mode="json"))`` (tests/unit/ripple/test_contracts.py) at ~70% of the cost, without the
        intermediate dicts; every scored event and alert goes through here.
        """
        return self.__pydantic_serializer__.to_json(self)


M = TypeVar("M", bound=Contract)


def parse(model: type[M], data: bytes | str) -> M:
    """Validate wire bytes into ``model``; raises ``pydantic.ValidationError`` or ``orjson.JSONDecodeError``."""
    return model.model_validate(orjson.loads(data))


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


class RawFeedback(Contract):
    """``feedback.raw.v1``: one piece of customer feedback as a channel adapter produced it.

    Keyed by ``customer_id`` so every event of a customer lands on the same partition and
    per-customer state sees them in order.
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    event_id: Id = Field(description="Stable idempotency key; the same feedback always gets the same id.")
    customer_id: Id
    channel: Channel
    event_time: AwareDatetime = Field(description="When the customer gave the feedback (UTC).")
    text: str = Field(default="", max_length=MAX_TEXT_CHARS)
    # Channel-native fields (all optional: a channel fills in what it has).
    stars: int | None = Field(default=None, ge=1, le=5, description="Review stars 1-5.")
    csat: int | None = Field(default=None, ge=1, le=5, description="CSAT 1-5.")
    nps: int | None = Field(default=None, ge=0, le=10, description="Net Promoter answer 0-10.")
    agent_id: Id | None = None
    conversation_id: Id | None = None
    external_id: str | None = Field(default=None, max_length=256)
    subject: str | None = Field(default=None, max_length=1000)
    product: str | None = Field(default=None, max_length=256)
    url: str | None = Field(default=None, max_length=2048)
    public: bool = Field(default=False, description="Visible to other customers (public review, social post).")
    duration_s: float | None = Field(default=None, ge=0, le=86_400, description="Conversation/call duration.")
    hold_time_s: float | None = Field(default=None, ge=0, le=86_400)
    rings: int | None = Field(default=None, ge=0, le=1000, description="Rings before a phone call was answered.")
    asr_confidence: float | None = Field(default=None, ge=0, le=1)
    customer_value: float | None = Field(default=None, ge=0, description="Customer lifetime value where known.")
    segment: str | None = Field(default=None, max_length=64)
    incentivised: bool = Field(default=False, description="Given in exchange for a reward; reported apart.")
    language_hint: str | None = Field(default=None, max_length=16)

    _utc_event_time = field_validator("event_time")(_utc)

    @field_validator("text", "subject")
    @classmethod
    def _no_control_chars(cls, value: str | None) -> str | None:
        if value is not None and _CONTROL.search(value):
            raise ValueError("contains control characters")
        return value


class ScoredFeedback(RawFeedback):
    """``feedback.scored.v1``: the raw event with PII redacted from ``text`` and the scores that explain it."""

    language: str = Field(description="ISO 639-1 code, or 'und' when undetermined.")
    language_confidence: float = Field(ge=0, le=1)
    sentiment: float | None = Field(ge=-1, le=1, description="Text compound in [-1, 1]; None when unscored.")
    label: SentimentLabel
    reliable: bool = Field(description="False when the language has no scorer or the text was too short/unsure.")
    scorer: str
    scorer_version: str
    drivers: tuple[str, ...] = Field(default=(), description="Tokens or rules that drove the score.")
    satisfaction: float | None = Field(
        default=None, ge=-1, le=1, description="Ratings fused with text into one score in [-1, 1]."
    )
    sarcasm: bool = False
    aspects: tuple[str, ...] = ()
    cues: tuple[str, ...] = Field(default=(), description="abuse, churn_threat, public_threat, ...")
    evidence: tuple[str, ...] = Field(
        default=(), description="'aspect:word' / 'cue:word' pairs: the words that triggered aspects and cues."
    )
    pii_redacted: int = Field(default=0, ge=0, description="How many personal-data spans were redacted.")
    scored_at: AwareDatetime

    _utc_scored_at = field_validator("scored_at")(_utc)


class DeadLetter(Contract):
    """``feedback.deadletter.v1``: a record a stage could not handle, kept whole for replay."""

    schema_version: Literal[1] = SCHEMA_VERSION
    stage: str = Field(description="Which stage gave up: gateway, import, score, sink, ...")
    reason: str = Field(description="Short machine-friendly cause, e.g. 'invalid_json'.")
    detail: str = Field(default="", max_length=4000, description="Human-readable explanation.")
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key_b64: str | None = None
    original_b64: str = Field(description="The original record bytes, base64.")
    failed_at: AwareDatetime

    @classmethod
    def of(
        cls,
        stage: str,
        reason: str,
        original: bytes,
        detail: str = "",
        *,
        topic: str | None = None,
        partition: int | None = None,
        offset: int | None = None,
        key: bytes | None = None,
    ) -> DeadLetter:
        return cls(
            stage=stage,
            reason=reason,
            detail=detail[:4000],
            topic=topic,
            partition=partition,
            offset=offset,
            key_b64=base64.b64encode(key).decode() if key is not None else None,
            original_b64=base64.b64encode(original).decode(),
            failed_at=datetime.now(UTC),
        )

    def original(self) -> bytes:
        return base64.b64decode(self.original_b64)


# --- contracts: customers (issue 5): alerts.customer.v1, feedback.followups.v1 ---


class AlertKind(StrEnum):
    """What happened to a customer alert; downstream keeps the highest ``version`` per ``alert_id``."""

    OPENED = "opened"
    UPDATED = "updated"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    RECOVERED = "recovered"
    CLOSED = "closed"
    ABUSE = "abuse"
    AGENT_ABUSE = "agent_abuse"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AlertReason(Contract):
    """One rule that fired, with the evidence a person needs to act without opening another tool.

    ``snippet`` is cut from ``ScoredFeedback.text``, which the scoring stage has already PII-redacted;
    nothing else of the customer's text travels on the alert topic.
    """

    rule: str = Field(max_length=64)
    event_ids: tuple[Id, ...] = Field(max_length=16, description="The contacts that triggered the rule.")
    channels: tuple[Channel, ...] = Field(default=(), max_length=16)
    drivers: tuple[Annotated[str, Field(max_length=64)], ...] = Field(default=(), max_length=16)
    detail: str = Field(default="", max_length=256, description="e.g. 'NPS 3 with negative text'")
    snippet: str | None = Field(default=None, max_length=200, description="Start of the redacted text.")


class CustomerAlert(Contract):
    """``alerts.customer.v1``: a customer at risk (or an abuse case) and how its follow-up loop is going.

    One alert per customer episode: ``alert_id`` is stable (uuid5 of customer and episode) and every
    change re-publishes the alert with ``version`` + 1, so consumers upsert by ``alert_id`` and keep the
    highest version. Keyed by ``customer_id`` (``agent_id`` for ``agent_abuse``).
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    alert_id: Id
    version: int = Field(ge=1, description="Increases with every re-publication of this alert.")
    kind: AlertKind
    status: AlertStatus
    customer_id: Id
    episode: int = Field(ge=1, description="How many alerts of this kind the customer has had so far.")
    severity: Severity
    priority: float = Field(ge=0, description="Severity weighted by customer value and reach; sort by it.")
    reasons: tuple[AlertReason, ...] = Field(max_length=32)
    trigger_event_id: Id | None = Field(default=None, description="The event that caused this publication.")
    estimated_reach: int = Field(ge=0, description="People the customer may tell (word of mouth).")
    customer_value: float | None = Field(default=None, ge=0)
    segment: str | None = Field(default=None, max_length=64)
    risk_score: float = Field(default=0.0, ge=0, description="Time-decayed negativity of recent contacts.")
    recommended_action: str = Field(max_length=500)
    owner: str | None = Field(default=None, max_length=128)
    opened_at: AwareDatetime
    warn_at: AwareDatetime | None = None
    due_by: AwareDatetime | None = Field(default=None, description="Follow-up due (default: trigger + 10 h).")
    acknowledged_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    time_to_close_s: float | None = Field(default=None, ge=0, description="opened_at to closed_at.")
    sentiment_before: float | None = Field(default=None, ge=-1, le=1)
    sentiment_after: float | None = Field(default=None, ge=-1, le=1)
    recovery: float | None = Field(default=None, ge=-2, le=2, description="sentiment_after - sentiment_before")
    agent_id: Id | None = Field(default=None, description="Set on agent_abuse: the agent to protect.")
    hostile_contacts: int | None = Field(default=None, ge=0, description="agent_abuse: qualifying contacts.")
    exposure_s: float | None = Field(default=None, ge=0, description="agent_abuse: hostile talk time (s).")
    event_time: AwareDatetime = Field(description="Event time of the trigger (the deadline for SLA kinds).")
    emitted_at: AwareDatetime

    @field_validator("opened_at", "warn_at", "due_by", "acknowledged_at", "closed_at", "event_time", "emitted_at")
    @classmethod
    def _utc_times(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _utc(value)


class FollowupKind(StrEnum):
    ACKNOWLEDGED = "followup.acknowledged"
    COMPLETED = "followup.completed"


class FollowupEvent(Contract):
    """``feedback.followups.v1``: a person acknowledged or completed the follow-up of a customer alert.

    Keyed by ``customer_id`` so it meets the customer's state on the same partition; ``event_id`` is the
    idempotency key (a repeated event changes nothing).
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    event_id: Id
    customer_id: Id
    alert_id: Id
    kind: FollowupKind
    owner: str = Field(min_length=1, max_length=128, description="Who owns the follow-up (name or team).")
    at: AwareDatetime = Field(description="When it was acknowledged/completed (UTC).")

    _utc_at = field_validator("at")(_utc)

    @field_validator("owner")
    @classmethod
    def _owner_printable(cls, value: str) -> str:
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError("contains control characters")
        return value



# --- contracts: windows and spikes (issue 6): feedback.aggregates.v1, alerts.spike.v1 ---

Dim = Annotated[str, Field(min_length=1, max_length=64, description='A dimension value, or "*" for all values.')]


class WindowAggregate(Contract):
    """``feedback.aggregates.v1``: one series of one event-time window, always the whole window.

    Idempotent: ``key`` (window start + dimensions) identifies the row and ``version`` (= ``count``,
    which only grows) orders emissions, so a replay or a late correction overwrites instead of
    double-counting (ClickHouse: ReplacingMergeTree(version) ORDER BY (window_start, channel,
    aspect, language)). ``"*"`` in a dimension marks a roll-up over all its values; ``aspect="none"``
    counts events without an aspect. An event with several aspects counts in each aspect's row and
    once in the ``aspect="*"`` rows.
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    key: str = Field(max_length=256, description="window_start ISO + '|' + channel|aspect|language")
    window_start: AwareDatetime
    window_end: AwareDatetime
    channel: Dim
    aspect: Dim
    language: Dim
    count: int = Field(ge=0)
    negative: int = Field(ge=0)
    satisfaction_sum: float = Field(description="Sum of satisfaction over events that have one.")
    satisfaction_n: int = Field(ge=0)
    satisfaction_mean: float | None = Field(default=None, ge=-1, le=1)
    promoters: int = Field(ge=0, description="NPS 9-10")
    passives: int = Field(ge=0, description="NPS 7-8")
    detractors: int = Field(ge=0, description="NPS 0-6")
    late: int = Field(ge=0, description="Events counted after the window first closed (included in count).")
    version: int = Field(ge=0, description="Monotonic per key: the higher version wins.")
    emitted_at: AwareDatetime

    _utc_times = field_validator("window_start", "window_end", "emitted_at")(_utc)


class SpikeSeries(Contract):
    """The series a spike was measured on; "*" = all values of that dimension."""

    channel: Dim
    aspect: Dim
    language: Dim


class SpikeAlert(Contract):
    """``alerts.spike.v1``: a complaint spike started (``firing``) or ended (``resolved``).

    ``spike_id`` is stable across both events of one spike and across replays (series + start).
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    spike_id: str = Field(min_length=1, max_length=64)
    series: SpikeSeries
    state: Literal["firing", "resolved"]
    severity: Literal["warning", "critical"]
    observed: int = Field(ge=0, description="Negative events in the tested span.")
    expected: float = Field(ge=0, description="Baseline expectation for the same span.")
    ratio: float = Field(ge=0)
    p_value: float = Field(ge=0, le=1, description="Poisson upper tail P(X >= observed | expected).")
    span_windows: int = Field(ge=1, description="Windows summed for the test.")
    window_seconds: int = Field(ge=1)
    window_start: AwareDatetime = Field(description="Window whose close produced this event.")
    started_at: AwareDatetime
    resolved_at: AwareDatetime | None = None
    emitted_at: AwareDatetime

    _utc_times = field_validator("window_start", "started_at", "emitted_at")(_utc)

    @field_validator("resolved_at")
    @classmethod
    def _utc_resolved(cls, value: datetime | None) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None



TOPIC_MODELS: dict[str, type[Contract]] = {
    topics.RAW: RawFeedback,
    topics.SCORED: ScoredFeedback,
    topics.DEADLETTER: DeadLetter,
    # customers (issue 5)
    topics.CUSTOMER_ALERTS: CustomerAlert,
    topics.FOLLOWUPS: FollowupEvent,
    # windows and spikes (issue 6)
    topics.AGGREGATES: WindowAggregate,
    topics.SPIKE_ALERTS: SpikeAlert,
}
"""Topic -> model; stages extend this by registering their own contracts in this module."""


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schema per topic, as handed to downstream consumers.

    Every field is listed as required because serialised events always carry it. Ripple itself
    rejects unknown fields, but the published schema allows them: consumers must ignore fields they
    don't know, which is what lets us add optional fields within a topic version.
    """
    out = {}
    for topic, model in TOPIC_MODELS.items():
        schema = model.model_json_schema(mode="serialization")
        schema.pop("additionalProperties", None)
        schema["$id"] = f"urn:ripple:topic:{topic}"
        schema["x-topic"] = topic
        out[topic] = schema
    return out
