"""Dissatisfaction rules, SLA and reach settings: one pydantic-settings model.

Sources, highest priority first: keyword arguments, ``RIPPLE_CUSTOMERS_*`` environment variables
(nested with ``__``, e.g. ``RIPPLE_CUSTOMERS_REACH__REVIEW=250``), then a YAML or TOML file named by
``RIPPLE_CUSTOMERS_CONFIG``, then the defaults below. Every threshold an operator may want to argue
about lives here rather than in code, so changing a rule is a config change with a test, not a deploy.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
    YamlConfigSettingsSource,
)

from ripple.contracts import Channel

CONFIG_ENV = "RIPPLE_CUSTOMERS_CONFIG"

RULES = (
    "very_negative",
    "complaint",
    "nps_detractor",
    "low_rating",
    "repeat_negative",
    "threat",
    "broken_promise",
)
"""Names of the dissatisfaction rules; they appear as ``AlertReason.rule`` on the alert topic."""


class Reach(BaseModel):
    """Estimated word-of-mouth reach of one dissatisfied contact, by channel and visibility.

    Private defaults follow the TARP/Goodman study (c. 1980, Washington Post 1984) quoted in DOMAIN.md:
    customers unhappy with how their complaint was handled told 9-10 people. The study gives no figure
    for public reviews ("far more"); 100 is our assumption, meant to be tuned from real review views.
    """

    chat: int = Field(default=10, ge=0)
    email: int = Field(default=10, ge=0)
    phone_survey: int = Field(default=10, ge=0)
    review: int = Field(default=10, ge=0, description="A review marked private (public=False).")
    public: int = Field(default=100, ge=0, description="Any public contact (review, social post) or public threat.")

    def of(self, channel: str, public: bool) -> int:
        if public:
            return self.public
        return int(getattr(self, channel, self.chat))


class CustomerRules(BaseSettings):
    """Everything the customers stage decides with; see streams/customers/README.md for the meaning."""

    model_config = SettingsConfigDict(
        env_prefix="RIPPLE_CUSTOMERS_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    enabled_rules: tuple[str, ...] = Field(default=RULES, description="Subset of RULES to apply.")
    # Contact classification, on ScoredFeedback.satisfaction (ratings fused with text) in [-1, 1].
    negative_threshold: float = Field(default=-0.15, le=0, description="<= this: a negative contact.")
    very_negative_threshold: float = Field(default=-0.45, le=0, description="<= this: one contact is enough.")
    positive_threshold: float = Field(default=0.3, ge=0, description=">= this after an alert: recovered.")
    # "Let him say it to you, not to his friends": a complaint made to us directly is an unresolved
    # complaint until someone answers it, however politely it is worded, so one is enough there.
    complaint_channels: tuple[str, ...] = Field(
        default=("chat", "email"),
        description="Channels where one negative contact (<= negative_threshold) is a complaint to answer.",
    )
    complaint_needs_aspect: bool = Field(
        default=True, description="...only when it names what went wrong (a taxonomy aspect or cue)."
    )
    nps_detractor_max: int = Field(default=6, ge=0, le=10, description="NPS <= this is a detractor.")
    nps_text_threshold: float = Field(default=-0.05, le=0, description="...when the text sentiment is <= this.")
    # Stars and CSAT have their own detractors: 1-2 of 5 is a negative rating in every convention.
    low_stars_max: int = Field(default=2, ge=1, le=5, description="Stars <= this with negative text: low_rating.")
    low_csat_max: int = Field(default=2, ge=1, le=5, description="CSAT <= this with negative text: low_rating.")
    repeat_negative_count: int = Field(default=2, ge=2, description="Negative contacts within the window...")
    repeat_window_days: float = Field(default=7.0, gt=0)
    threat_cues: tuple[str, ...] = ("churn_threat", "public_threat")
    public_threat_cue: str = "public_threat"
    broken_promise_markers: tuple[str, ...] = Field(
        default=("broken_promise",), description="Cues or aspects that mark a broken promise."
    )
    abuse_cues: tuple[str, ...] = ("abuse",)
    abuse_counts_for_winback: bool = Field(
        default=False, description="If False an abusive contact never feeds win-back rules (abuse path only)."
    )
    abusive_customer_days: float = Field(
        default=30.0,
        ge=0,
        description="Complaints this soon after an abusive contact stay on the abuse path (0 = off).",
    )
    # State.
    history_days: float = Field(default=30.0, gt=0, description="Interactions older than this are forgotten.")
    max_recent: int = Field(default=16, ge=2, le=64, description="Most recent interactions kept per customer.")
    decay_half_life_days: float = Field(default=7.0, gt=0, description="Half-life of the risk score.")
    # Alert lifecycle.
    sla_hours: float = Field(default=10.0, gt=0, description="Follow-up due this long after the trigger.")
    warn_hours: float = Field(default=8.0, gt=0, description="SLA warning this long after the trigger.")
    sla_seconds: float | None = Field(default=None, gt=0, description="Overrides sla_hours (tests, drills).")
    warn_seconds: float | None = Field(default=None, gt=0, description="Overrides warn_hours.")
    cooldown_hours: float = Field(
        default=24.0, ge=0, description="After closing, new triggers re-open the same alert for this long."
    )
    recovery_window_days: float = Field(
        default=14.0, gt=0, description="A positive contact this soon after closing counts as recovered."
    )
    abuse_cooldown_hours: float = Field(default=24.0, ge=0, description="One abuse alert per customer per window.")
    # Priority.
    value_reference: float = Field(default=1000.0, gt=0, description="CLV that doubles priority.")
    segment_weights: dict[str, float] = Field(default_factory=lambda: {"vip": 1.5, "new": 1.2, "lost": 0.8})
    reach: Reach = Field(default_factory=Reach)
    snippet_chars: int = Field(default=160, ge=0, le=200, description="0 = no text snippet on alerts.")
    # Agent protection.
    timezone: str = Field(default="UTC", description="Local time zone of the contact centre (IANA name).")
    agent_hostile_contacts: int = Field(default=2, ge=1, description="Supervisor alert at this many...")
    agent_hostile_min_duration_s: float = Field(default=600.0, ge=0, description="...hostile contacts this long...")
    agent_hostile_before_hour: float = Field(default=11.0, gt=0, le=24, description="...before this local hour.")
    # Timers.
    tick_interval_s: float = Field(default=0.5, gt=0, description="How often open alerts are checked for SLA.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)  # fail at start, not at 10:59 on the first hostile call
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("enabled_rules")
    @classmethod
    def _known_rules(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(value) - set(RULES)
        if unknown:
            raise ValueError(f"unknown rules {sorted(unknown)}; known: {', '.join(RULES)}")
        return value

    @field_validator("complaint_channels")
    @classmethod
    def _known_channels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        known = {c.value for c in Channel}
        unknown = set(value) - known
        if unknown:  # a typo would silently switch the rule off for that channel
            raise ValueError(f"unknown channels {sorted(unknown)}; known: {', '.join(sorted(known))}")
        return value

    @property
    def sla_s(self) -> float:
        return self.sla_seconds if self.sla_seconds is not None else self.sla_hours * 3600

    @property
    def warn_s(self) -> float:
        warn = self.warn_seconds if self.warn_seconds is not None else self.warn_hours * 3600
        return min(warn, self.sla_s)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = os.environ.get(CONFIG_ENV)
        if path:
            file = Path(path)
            if not file.is_file():
                raise FileNotFoundError(f"{CONFIG_ENV}={path}: no such file")
            if file.suffix in (".yaml", ".yml"):
                sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=file))
            elif file.suffix == ".toml":
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=file))
            else:
                raise ValueError(f"{CONFIG_ENV}={path}: expected a .yaml, .yml or .toml file")
        return tuple(sources)


def load_rules(**overrides: Any) -> CustomerRules:
    """Read the rules from env and the optional config file (raises on an invalid setting)."""
    return CustomerRules(**overrides)


@lru_cache(maxsize=1)
def get_rules() -> CustomerRules:
    return load_rules()
