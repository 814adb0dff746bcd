"""Schema SQL per server capability, error classification and backoff (no server needed)."""

from __future__ import annotations

import pytest

from sinks.clickhouse.backend import ClickHouseError
from sinks.clickhouse.schema import MIGRATIONS, AddColumn, Capabilities, retention_ttl_statements
from sinks.writer import backoff_delays

OLD = Capabilities((18, 16, 1))
NEW = Capabilities((26, 9, 2))


def _sql(caps: Capabilities) -> str:
    out = []
    for m in MIGRATIONS:
        for s in m.statements(caps):
            out.append(s if isinstance(s, str) else f"ALTER TABLE {s.table} ADD COLUMN {s.name} {s.type}")
    return "\n".join(out)


def test_old_servers_get_no_newer_features() -> None:
    sql = _sql(OLD)
    for feature in ("LowCardinality", "TTL", "non_replicated_deduplication_window"):
        assert feature not in sql
    assert retention_ttl_statements(OLD, 90) == []


def test_new_servers_get_low_cardinality_dedup_window_and_ttl() -> None:
    sql = _sql(NEW)
    assert "LowCardinality(String)" in sql and "non_replicated_deduplication_window = 1000" in sql
    ttl = retention_ttl_statements(NEW, 30)
    assert any("text String TTL event_time + INTERVAL 30 DAY" in s for s in ttl)


def test_every_table_is_a_replacing_merge_tree_created_idempotently() -> None:
    for m in MIGRATIONS:
        for stmt in m.statements(OLD):
            if isinstance(stmt, AddColumn):
                continue
            if "CREATE TABLE" in stmt:
                assert "IF NOT EXISTS" in stmt and "ReplacingMergeTree" in stmt, m.name
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


@pytest.mark.parametrize(
    ("message", "code", "data", "retryable"),
    [
        ("Code: 27. DB::Exception: Cannot parse input", None, True, False),
        ("Code: 252. Too many parts", None, False, True),
        ("x", 53, True, False),
        ("Code: 60. Table default.nope doesn't exist", None, False, True),
    ],
)
def test_server_errors_are_classified_by_code(
    message: str, code: int | None, data: bool, retryable: bool
) -> None:
    err = ClickHouseError.from_server(message, code)
    assert (err.data_error, err.retryable) == (data, retryable)


def test_backoff_is_full_jitter_and_capped() -> None:
    delay = backoff_delays(base=0.5, cap=4.0)
    samples = [delay(n) for n in range(12) for _ in range(50)]
    assert all(0 <= s <= 4.0 for s in samples)
    assert max(delay(0) for _ in range(200)) <= 0.5
    assert max(delay(10) for _ in range(200)) > 2.0
