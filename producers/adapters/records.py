"""Native record shapes for the JSON/CSV channels (chat, reviews, phone surveys) and their conversion.

These pydantic models are the gateway's request bodies (validated strictly from JSON) and the importer's
row schema (validated leniently from CSV strings). ``extra="forbid"`` everywhere: a misspelt field is a
400-class error naming the field, not silently ignored data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from producers import ids
from producers.adapters.base import AdapterContext, AdapterError, build, check_time
from ripple.contracts import MAX_TEXT_CHARS, Channel, Id, RawFeedback


def _lenient_tz(value: Any, info: ValidationInfo) -> Any:
    """ISO 8601 strings only (no epoch numbers: their unit is a guess). In file imports a naive timestamp
    is taken as UTC; the gateway requires an explicit offset."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"not an ISO 8601 timestamp: {value[:40]!r}") from None
        if parsed.tzinfo is None and info.context and info.context.get("assume_utc"):
            return parsed.replace(tzinfo=UTC)
        return parsed
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp needs a timezone offset (e.g. 2026-01-05T10:00:00Z)")
    return value.astimezone(UTC)


Stamp = Annotated[datetime, BeforeValidator(_lenient_tz), AfterValidator(_aware)]
Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]
Short = Annotated[str, Field(min_length=1, max_length=256)]


class NativeRecord(BaseModel):
    """Fields every channel may carry to identify the customer; the raw contact is never stored."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    customer_id: Id | None = Field(default=None, description="Your own customer id, when you have one.")
    customer_email: Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")] | None = Field(
        default=None, description="Pseudonymised (keyed HMAC) into the customer id; never stored."
    )
    customer_phone: Annotated[str, Field(max_length=64, pattern=r"^\+?[0-9 ()./-]{3,}$")] | None = Field(
        default=None, description="Pseudonymised (keyed HMAC) into the customer id; never stored."
    )
    customer_value: float | None = Field(default=None, ge=0, le=1e12, description="Lifetime value, if known.")
    segment: Annotated[str, Field(max_length=64)] | None = None
    incentivised: bool = False

    def resolve_customer(self, ctx: AdapterContext, fallback: tuple[str, str] | None = None) -> str:
        if self.customer_id:
            return self.customer_id
        if self.customer_email:
            return ids.email_customer_id(self.customer_email, ctx.secret)
        if self.customer_phone:
            return ids.phone_customer_id(self.customer_phone, ctx.secret)
        if fallback:
            return ids.pseudonym(fallback[0], fallback[1], ctx.secret)
        raise AdapterError.one("customer_id", "missing: give customer_id, customer_email or customer_phone")

    def common(self) -> dict[str, Any]:
        return {
            "customer_value": self.customer_value,
            "segment": self.segment,
            "incentivised": self.incentivised,
        }


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["customer", "agent", "bot", "system"]
    text: Text
    ts: Stamp


class ChatTranscript(NativeRecord):
    """One conversation; the customer's turns are the feedback, the agent's are context only."""

    conversation_id: Id
    agent_id: Id | None = None
    messages: list[ChatMessage] = Field(min_length=1, max_length=5000)

    def to_raw(self, ctx: AdapterContext) -> RawFeedback:
        turns = [m for m in self.messages if m.role == "customer"]
        if not turns:
            raise AdapterError.one("messages", "no message with role 'customer'")
        times = sorted(m.ts for m in self.messages)
        last = turns[-1].ts
        check_time(ctx, times[-1], "messages.ts")
        return build(
            {"text": "messages.text"},
            event_id=ids.event_id(Channel.CHAT, self.conversation_id),
            customer_id=self.resolve_customer(ctx),
            channel=Channel.CHAT,
            event_time=last,
            text="\n".join(m.text.strip() for m in turns if m.text.strip()),
            agent_id=self.agent_id,
            conversation_id=self.conversation_id,
            external_id=self.conversation_id,
            duration_s=(times[-1] - times[0]).total_seconds(),
            **self.common(),
        )


def _http_url(value: str | None) -> str | None:
    if value is not None and not value.lower().startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL")
    return value


class Review(NativeRecord):
    """A review-platform export row: always public, so its reach is larger than a private complaint."""

    review_id: Short | None = None
    stars: int = Field(ge=1, le=5)
    title: Annotated[str, Field(max_length=1000)] | None = None
    text: Text = ""
    product: Annotated[str, Field(max_length=256)] | None = None
    url: Annotated[str | None, Field(max_length=2048), AfterValidator(_http_url)] = None
    author: Annotated[str, Field(max_length=256)] | None = Field(
        default=None, description="Platform handle; pseudonymised when no customer id/contact is given."
    )
    created_at: Stamp
    public: bool = True

    def to_raw(self, ctx: AdapterContext) -> RawFeedback:
        check_time(ctx, self.created_at, "created_at")
        external = self.review_id or self.url or ids.content_key(self.model_dump(mode="json"))
        return build(
            {"subject": "title"},
            event_id=ids.event_id(Channel.REVIEW, external),
            customer_id=self.resolve_customer(
                ctx, ("au", self.author.strip().lower()) if self.author else None
            ),
            channel=Channel.REVIEW,
            event_time=self.created_at,
            text=self.text.strip(),
            stars=self.stars,
            subject=self.title,
            product=self.product,
            url=self.url,
            external_id=external[:256],
            public=self.public,
            **self.common(),
        )


class PhoneSurvey(NativeRecord):
    """An IVR / post-call survey result with optional ASR transcript of the customer's comment."""

    call_id: Short
    called_at: Stamp
    csat: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    transcript: Annotated[Text | None, Field(validate_default=True)] = None
    asr_confidence: float | None = Field(default=None, ge=0, le=1)
    duration_s: float | None = Field(default=None, ge=0, le=86_400)
    hold_time_s: float | None = Field(default=None, ge=0, le=86_400)
    rings: int | None = Field(default=None, ge=0, le=1000)
    agent_id: Id | None = None

    @field_validator("transcript", mode="after")
    @classmethod
    def _something_said(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Field validators run in declaration order, so csat and nps are already in info.data.
        if info.data.get("csat") is None and info.data.get("nps") is None and not (value or "").strip():
            raise ValueError("one of csat, nps or transcript is required")
        return value

    @field_validator("hold_time_s", mode="after")
    @classmethod
    def _hold_within_call(cls, value: float | None, info: ValidationInfo) -> float | None:
        duration = info.data.get("duration_s")
        if value is not None and duration is not None and value > duration:
            raise ValueError("is longer than duration_s")
        return value

    def to_raw(self, ctx: AdapterContext) -> RawFeedback:
        check_time(ctx, self.called_at, "called_at")
        return build(
            {"text": "transcript"},
            event_id=ids.event_id(Channel.PHONE_SURVEY, self.call_id),
            customer_id=self.resolve_customer(ctx),
            channel=Channel.PHONE_SURVEY,
            event_time=self.called_at,
            text=(self.transcript or "").strip(),
            csat=self.csat,
            nps=self.nps,
            asr_confidence=self.asr_confidence if self.transcript else None,
            duration_s=self.duration_s,
            hold_time_s=self.hold_time_s,
            rings=self.rings,
            agent_id=self.agent_id,
            external_id=self.call_id,
            **self.common(),
        )


RECORD_MODELS: dict[Channel, type[ChatTranscript] | type[Review] | type[PhoneSurvey]] = {
    Channel.CHAT: ChatTranscript,
    Channel.REVIEW: Review,
    Channel.PHONE_SURVEY: PhoneSurvey,
}
