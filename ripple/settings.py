"""One settings object for every deployable, read from ``RIPPLE_*`` environment variables.

Faust also reads its own *unprefixed* environment variables (e.g. ``BROKER_MAX_POLL_RECORDS``)
and those override what Ripple passes as keyword arguments; the README says so.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RIPPLE_", env_file=".env", extra="ignore")

    brokers: str = Field(default="127.0.0.1:9092", description="Kafka bootstrap servers, comma separated.")
    partitions: int = Field(default=4, ge=1, description="Partitions for topics Ripple creates.")
    replication_factor: int = Field(default=1, ge=1)
    clickhouse_url: str = Field(
        default="chdb://.ripple/chdb",
        description="clickhouse://user:pass@host:9000/db (server) or chdb://PATH (embedded).",
    )
    clickhouse_password: SecretStr | None = Field(
        default=None, description="Overrides the password in clickhouse_url so it need not sit in a URL."
    )
    data_dir: Path = Field(default=Path(".ripple"), description="Local state: faust tables, demo files.")
    worker_id: str = Field(default="ripple-worker", description="faust app id (consumer group).")
    faust_store: str = Field(default="memory://", description="faust table store: memory:// or rocksdb://")
    max_poll_interval_s: float = Field(
        default=8.0, description="Short by default: Tansu makes group joins wait for this long."
    )
    rebalance_timeout_s: float = Field(
        default=3.0, gt=0, description="Tansu holds every group join for the rebalance timeout; keep it short here."
    )
    fetch_max_wait_ms: int = Field(
        default=100, ge=1, le=1500,
        description="Worker consumer fetch wait. Tansu holds fetches this long even when data is there.",
    )
    session_timeout_s: float = Field(default=6.0, gt=0)
    max_poll_records: int = Field(default=500, ge=1)
    fused_stages: bool = Field(
        default=True,
        description="Run the per-scored-event stages (customers, windows) inside the scoring agent's own pass "
        "instead of as agents over feedback.scored.v1: one faust traversal and no re-parse per event.",
    )
    changelog_tail_record: bool = Field(
        default=True,
        description="End each batch of table changelog records with a one-record batch, so Tansu's end "
        "offsets (last batch base + 1) are exact and table recovery reads to the end. Not needed on Kafka.",
    )
    stages: str = Field(
        default="score,customers,windows",
        pattern=r"^((score|customers|windows)(,(score|customers|windows))*)?$",
        description="Stages this worker runs (comma-separated, from score, customers, windows). With score, "
        "the others run fused in the scoring pass (RIPPLE_FUSED_STAGES); without it they consume "
        "feedback.scored.v1 - e.g. windows in a process of its own beside score,customers workers.",
    )
    sink_group: str = "ripple-sink"
    sink_batch_rows: int = Field(default=20_000, ge=1, description="Flush when a batch reaches this many rows.")
    sink_batch_seconds: float = Field(default=1.0, gt=0, description="...or when the oldest row is this old.")
    sink_grace_seconds: float = Field(
        default=1.0, ge=0, description="Wait this long past a batch's span for late records before flushing."
    )
    sink_max_pending_rows: int = Field(
        default=200_000, ge=1, description="Pause consumption above this many unwritten rows."
    )
    sink_max_poll_records: int = Field(default=5_000, ge=1)
    sink_retry_base_s: float = Field(default=0.2, gt=0, description="First backoff when ClickHouse is down.")
    sink_retry_cap_s: float = Field(default=10.0, gt=0, description="Longest backoff between insert retries.")
    retention_days: int = Field(default=90, ge=1, description="Days feedback text is kept; scores stay.")
    sink_retention_interval_s: float = Field(
        default=3600.0, gt=0, description="How often the sink enforces retention on servers without TTL."
    )
    metrics_port: int = Field(default=0, ge=0, description="Prometheus /metrics port; 0 = disabled.")
    log_level: str = "info"

    def broker_list(self) -> list[str]:
        return [b.strip() for b in self.brokers.split(",") if b.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
