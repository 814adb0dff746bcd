"""Versioned, forward-only migrations that apply on ClickHouse 18.16 and on current ClickHouse.

Each migration is a function of the server's capabilities returning SQL statements, so features
that need a newer server (LowCardinality, TTL, dedup windows) are used only where they exist.
Applied versions are recorded in ``ripple_migrations``; running ``migrate`` twice is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sinks.clickhouse.backend import Backend


@dataclass(frozen=True)
class Capabilities:
    version: tuple[int, ...]

    @property
    def low_cardinality(self) -> bool:
        return self.version >= (19, 9)

    @property
    def ttl(self) -> bool:
        return self.version >= (19, 6)

    @property
    def dedup_window(self) -> bool:
        """``non_replicated_deduplication_window`` + ``insert_deduplication_token``."""
        return self.version >= (22, 2)

    def lc(self, inner: str = "String") -> str:
        return f"LowCardinality({inner})" if self.low_cardinality else inner

    def merge_tree_settings(self) -> str:
        parts = ["index_granularity = 8192"]
        if self.dedup_window:
            parts.append("non_replicated_deduplication_window = 1000")
        return " SETTINGS " + ", ".join(parts)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: Callable[[Capabilities], list[str]]


def _m1_feedback_events(c: Capabilities) -> list[str]:
    return [
        f"""
CREATE TABLE IF NOT EXISTS feedback_events (
    event_id String,
    customer_id String,
    channel {c.lc()},
    event_time DateTime,
    text String,
    stars Nullable(UInt8),
    csat Nullable(UInt8),
    nps Nullable(UInt8),
    agent_id String,
    conversation_id String,
    subject String,
    product String,
    public UInt8,
    duration_s Nullable(Float32),
    hold_time_s Nullable(Float32),
    rings Nullable(UInt16),
    customer_value Nullable(Float64),
    segment {c.lc()},
    incentivised UInt8,
    language {c.lc()},
    language_confidence Float32,
    sentiment Nullable(Float32),
    label {c.lc()},
    reliable UInt8,
    scorer {c.lc()},
    scorer_version {c.lc()},
    drivers Array(String),
    satisfaction Nullable(Float32),
    sarcasm UInt8,
    aspects Array(String),
    cues Array(String),
    pii_redacted UInt16,
    scored_at DateTime,
    kafka_partition UInt16,
    kafka_offset UInt64
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(event_time)
ORDER BY (toDate(event_time), event_id)
{c.merge_tree_settings()}
"""
    ]


MIGRATIONS: list[Migration] = [
    Migration(1, "feedback_events", _m1_feedback_events),
]


def ensure_migrations_table(backend: Backend) -> None:
    backend.execute(
        "CREATE TABLE IF NOT EXISTS ripple_migrations (version UInt32, name String, applied_at DateTime) "
        "ENGINE = MergeTree() ORDER BY version"
    )


def applied_versions(backend: Backend) -> set[int]:
    ensure_migrations_table(backend)
    return {int(r[0]) for r in backend.query("SELECT version FROM ripple_migrations")}


def migrate(backend: Backend, migrations: list[Migration] | None = None) -> list[Migration]:
    """Apply pending migrations in order; return the ones applied now (empty when up to date)."""
    caps = Capabilities(backend.version())
    done = applied_versions(backend)
    applied = []
    for m in sorted(migrations or MIGRATIONS, key=lambda m: m.version):
        if m.version in done:
            continue
        for stmt in m.statements(caps):
            backend.execute(stmt)
        backend.insert("ripple_migrations", ["version", "name", "applied_at"],
                       [(m.version, m.name, datetime.now(UTC).replace(tzinfo=None))])
        applied.append(m)
    return applied
