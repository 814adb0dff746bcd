"""Versioned, forward-only migrations that apply on ClickHouse 18.16 and on current ClickHouse.

Each migration is a function of the server's capabilities returning SQL statements, so features
that need a newer server (LowCardinality, TTL, dedup windows) are used only where they exist.
Applied versions are recorded in ``ripple_migrations``; running ``migrate`` twice is a no-op and a
database that only has the first migrations moves forward. Every statement is itself idempotent
(``IF NOT EXISTS``), so a migration interrupted half-way is simply re-run.

Keys are chosen for idempotency: every table is a ReplacingMergeTree whose sorting key is the
record's identity (``event_id``; ``alert_id``+``kind``; the minute window and its series; the dead
letter's own topic position), so a replayed insert collapses on merge and exact reads (``FINAL``,
``uniqExact``, ``argMax``; see ``sinks/clickhouse/queries.py``) never count it twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sinks.clickhouse.backend import Backend, ClickHouseError

DEFAULT_RETENTION_DAYS = 90


@dataclass(frozen=True)
class Capabilities:
    """What the connected server can do, derived from its version."""

    version: tuple[int, ...]

    @property
    def low_cardinality(self) -> bool:
        # 19.x had it behind allow_experimental_low_cardinality_type; default from 19.9 on.
        return self.version >= (19, 9)

    @property
    def ttl(self) -> bool:
        return self.version >= (19, 6)

    @property
    def dedup_window(self) -> bool:
        """``non_replicated_deduplication_window`` + ``insert_deduplication_token``."""
        return self.version >= (22, 2)

    @property
    def mutations_sync(self) -> bool:
        """``SETTINGS mutations_sync`` (wait for ALTER ... DELETE); older servers are polled instead."""
        return self.version >= (19, 15)

    def lc(self, inner: str = "String") -> str:
        return f"LowCardinality({inner})" if self.low_cardinality else inner

    def merge_tree_settings(self) -> str:
        parts = ["index_granularity = 8192"]
        if self.dedup_window:
            parts.append("non_replicated_deduplication_window = 1000")
        return " SETTINGS " + ", ".join(parts)


@dataclass(frozen=True)
class AddColumn:
    """``ALTER TABLE .. ADD COLUMN`` made idempotent on 18.16 (which lacks ``IF NOT EXISTS``)."""

    table: str
    name: str
    type: str


Statement = str | AddColumn


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: Callable[[Capabilities], Sequence[Statement]]


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


def _m2_customer_alerts(c: Capabilities) -> list[str]:
    # One row per (alert, lifecycle step); repeated "updated" emissions collapse to the highest
    # version. Unpartitioned: alerts are few, and the key must never straddle partitions.
    return [
        f"""
CREATE TABLE IF NOT EXISTS customer_alerts (
    alert_id String,
    customer_id String,
    kind {c.lc()},
    severity {c.lc()},
    priority Float64,
    reach Float64,
    reasons Array(String),
    evidence Array(String),
    channel {c.lc()},
    due_by DateTime,
    recommended_action String,
    event_time DateTime,
    emitted_at DateTime,
    version UInt64,
    kafka_partition UInt16,
    kafka_offset UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY tuple()
ORDER BY (alert_id, kind)
{c.merge_tree_settings()}
"""
    ]


def _m3_spike_alerts(c: Capabilities) -> list[str]:
    return [
        f"""
CREATE TABLE IF NOT EXISTS spike_alerts (
    spike_id String,
    channel {c.lc()},
    aspect {c.lc()},
    language {c.lc()},
    state {c.lc()},
    observed Float64,
    expected Float64,
    severity {c.lc()},
    window_start DateTime,
    started_at DateTime,
    resolved_at Nullable(DateTime),
    emitted_at DateTime,
    version UInt64,
    kafka_partition UInt16,
    kafka_offset UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY tuple()
ORDER BY (spike_id, state)
{c.merge_tree_settings()}
"""
    ]


def _m4_feedback_minute(c: Capabilities) -> list[str]:
    # A re-emitted window (late events, replays) carries a higher or equal version and replaces
    # the earlier row instead of adding to it.
    return [
        f"""
CREATE TABLE IF NOT EXISTS feedback_minute (
    window_start DateTime,
    channel {c.lc()},
    aspect {c.lc()},
    language {c.lc()},
    count UInt64,
    negative UInt64,
    satisfaction_sum Float64,
    satisfaction_n UInt64,
    promoters UInt64,
    passives UInt64,
    detractors UInt64,
    late UInt64,
    version UInt64,
    kafka_partition UInt16,
    kafka_offset UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (window_start, channel, aspect, language)
{c.merge_tree_settings()}
"""
    ]


def _m5_dead_letters(c: Capabilities) -> list[str]:
    # Keyed by the dead letter's own position on feedback.deadletter.v1, so re-reading that topic
    # never duplicates; ``key`` is the original record key (customer_id) so erasure can find it.
    return [
        f"""
CREATE TABLE IF NOT EXISTS dead_letters (
    stage {c.lc()},
    reason {c.lc()},
    detail String,
    topic {c.lc()},
    partition Nullable(Int32),
    offset Nullable(Int64),
    key String,
    original String,
    failed_at DateTime,
    kafka_partition UInt16,
    kafka_offset UInt64
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(failed_at)
ORDER BY (toDate(failed_at), kafka_partition, kafka_offset)
{c.merge_tree_settings()}
"""
    ]


def retention_ttl_statements(c: Capabilities, days: int) -> list[str]:
    """TTL clauses that expire feedback text (and dead-letter originals) after ``days`` days.

    Only where the server has TTL (19.6+); on older servers ``sinks.clickhouse.retention`` runs the
    equivalent ``ALTER ... UPDATE/DELETE`` mutation periodically instead. Scores and aggregates stay.
    """
    if not c.ttl:
        return []
    d = int(days)
    return [
        f"ALTER TABLE feedback_events MODIFY COLUMN text String TTL event_time + INTERVAL {d} DAY",
        f"ALTER TABLE feedback_events MODIFY COLUMN subject String TTL event_time + INTERVAL {d} DAY",
        f"ALTER TABLE customer_alerts MODIFY COLUMN evidence Array(String) TTL event_time + INTERVAL {d} DAY",
        f"ALTER TABLE dead_letters MODIFY TTL failed_at + INTERVAL {d} DAY",
    ]


def _m6_retention(c: Capabilities) -> list[str]:
    return retention_ttl_statements(c, DEFAULT_RETENTION_DAYS)


def _m7_customer_alert_lifecycle(c: Capabilities) -> list[Statement]:
    # The CustomerAlert contract (issue 5) carries its loop's state: who owns it, when it opened and
    # closed, how long that took and how far sentiment recovered; dashboards read these directly.
    cols = [
        ("status", c.lc()), ("episode", "UInt32"), ("owner", "String"), ("opened_at", "DateTime"),
        ("closed_at", "Nullable(DateTime)"), ("time_to_close_s", "Nullable(Float64)"),
        ("recovery", "Nullable(Float64)"), ("agent_id", "String"), ("customer_value", "Nullable(Float64)"),
        ("risk_score", "Float64"), ("segment", c.lc()),
    ]
    return [AddColumn("customer_alerts", name, typ) for name, typ in cols]


MIGRATIONS: list[Migration] = [
    Migration(1, "feedback_events", _m1_feedback_events),
    Migration(2, "customer_alerts", _m2_customer_alerts),
    Migration(3, "spike_alerts", _m3_spike_alerts),
    Migration(4, "feedback_minute", _m4_feedback_minute),
    Migration(5, "dead_letters", _m5_dead_letters),
    Migration(6, "text_retention_ttl", _m6_retention),
    Migration(7, "customer_alert_lifecycle", _m7_customer_alert_lifecycle),
]

TABLES: tuple[str, ...] = (
    "feedback_events",
    "customer_alerts",
    "spike_alerts",
    "feedback_minute",
    "dead_letters",
)


class MigrationError(ClickHouseError):
    """The database is in a state this version of Ripple cannot migrate."""


def ensure_migrations_table(backend: Backend) -> None:
    backend.execute(
        "CREATE TABLE IF NOT EXISTS ripple_migrations (version UInt32, name String, applied_at DateTime) "
        "ENGINE = MergeTree() ORDER BY version"
    )


def applied_versions(backend: Backend) -> set[int]:
    ensure_migrations_table(backend)
    return {int(r[0]) for r in backend.query("SELECT DISTINCT version FROM ripple_migrations")}


def _has_column(backend: Backend, table: str, name: str) -> bool:
    rows = backend.query(
        "SELECT count() FROM system.columns WHERE database = currentDatabase() AND table = %(t)s AND name = %(n)s",
        {"t": table, "n": name},
    )
    return int(rows[0][0]) > 0


def migrate(
    backend: Backend, migrations: list[Migration] | None = None, target: int | None = None
) -> list[Migration]:
    """Apply pending migrations in order (up to ``target``); return the ones applied now.

    Forward-only: a database recording a version this code does not know is refused rather than
    guessed at, so an old binary never "migrates" a newer schema.
    """
    known = sorted(migrations or MIGRATIONS, key=lambda m: m.version)
    caps = Capabilities(backend.version())
    done = applied_versions(backend)
    unknown = done - {m.version for m in known}
    if unknown:
        raise MigrationError(
            f"database has schema version(s) {sorted(unknown)} unknown to this Ripple "
            f"(latest known {known[-1].version}); upgrade Ripple instead"
        )
    applied = []
    for m in known:
        if m.version in done or (target is not None and m.version > target):
            continue
        for stmt in m.statements(caps):
            if isinstance(stmt, AddColumn):
                if not _has_column(backend, stmt.table, stmt.name):
                    backend.execute(f"ALTER TABLE {stmt.table} ADD COLUMN {stmt.name} {stmt.type}")
            else:
                backend.execute(stmt)
        backend.insert(
            "ripple_migrations",
            ["version", "name", "applied_at"],
            [(m.version, m.name, datetime.now(UTC).replace(tzinfo=None))],
        )
        applied.append(m)
    return applied
