"""Migrations, retention and erasure on ClickHouse 18.16 (server) and chDB 26.x."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ripple import topics
from ripple.dev.tansu import TansuBroker
from sinks.clickhouse import connect
from sinks.clickhouse.backend import Backend
from sinks.clickhouse.rows import (
    CUSTOMER_ALERT_COLUMNS,
    DEAD_LETTER_COLUMNS,
    FEEDBACK_COLUMNS,
    Source,
    customer_alert_row,
    dead_letter_row,
    feedback_row,
)
from sinks.clickhouse.schema import MIGRATIONS, Capabilities, MigrationError, applied_versions, migrate
from sinks.sample import scored_events
from tests.conftest import consume_all

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


def _tables(backend: Backend) -> set[str]:
    return {r[0] for r in backend.query("SELECT name FROM system.tables WHERE database = currentDatabase()")}


def test_migrations_run_twice_are_a_noop_and_an_old_database_moves_forward(clickhouse_url: str) -> None:
    backend = connect(clickhouse_url)
    assert [m.version for m in migrate(backend, target=1)] == [1]  # an "old" database
    assert _tables(backend) == {"feedback_events", "ripple_migrations"}
    ev = next(iter(scored_events(1)))
    backend.insert("feedback_events", FEEDBACK_COLUMNS, [feedback_row(ev, 0, 0)])

    applied = migrate(backend)
    assert [m.version for m in applied] == [m.version for m in MIGRATIONS[1:]]
    assert {"customer_alerts", "spike_alerts", "feedback_minute", "dead_letters"} <= _tables(backend)
    assert migrate(backend) == []
    assert migrate(backend) == []
    assert int(backend.query("SELECT count() FROM ripple_migrations")[0][0]) == len(MIGRATIONS)
    assert applied_versions(backend) == {m.version for m in MIGRATIONS}
    assert backend.query("SELECT event_id FROM feedback_events")[0][0] == ev.event_id

    ddl = backend.query("SHOW CREATE TABLE feedback_events")[0][0]
    caps = Capabilities(backend.version())
    assert ("LowCardinality" in ddl) == caps.low_cardinality
    assert ("TTL" in ddl) == caps.ttl
    assert caps.ttl == (backend.name == "chdb")  # 18.16 has neither; chDB 26 has both

    backend.insert(
        "ripple_migrations",
        ["version", "name", "applied_at"],
        [(999, "from the future", datetime(2030, 1, 1))],
    )
    with pytest.raises(MigrationError, match="999"):
        migrate(backend)
    backend.close()


def _seed(backend: Backend, now: datetime) -> None:
    old, new = now - timedelta(days=200), now - timedelta(days=1)
    evs = list(scored_events(4, prefix="keep"))
    rows = []
    for i, (ev, when, cust) in enumerate(
        zip(evs, [old, new, old, new], ["c1", "c1", "c2", "c2"], strict=True)
    ):
        rows.append(
            feedback_row(
                ev.model_copy(
                    update={"event_time": when, "customer_id": cust, "text": f"text {i}", "subject": "s"}
                ),
                0,
                i,
            )
        )
    backend.insert("feedback_events", FEEDBACK_COLUMNS, rows)
    alerts = [
        customer_alert_row(
            {
                "alert_id": f"a{i}",
                "customer_id": c,
                "kind": "opened",
                "evidence": ["late"],
                "event_time": t.isoformat(),
            },
            Source(0, i),
        )
        for i, (c, t) in enumerate([("c1", old), ("c1", new), ("c2", new)])
    ]
    backend.insert("customer_alerts", CUSTOMER_ALERT_COLUMNS, alerts)
    dls = [
        dead_letter_row(
            {
                "stage": "score",
                "reason": "invalid_json",
                "key_b64": k,
                "original_b64": "e30=",
                "failed_at": t.isoformat(),
            },
            Source(0, i),
        )
        for i, (k, t) in enumerate([("YzE=", old), ("YzE=", new), ("YzI=", new)])
    ]  # c1, c1, c2
    backend.insert("dead_letters", DEAD_LETTER_COLUMNS, dls)


def test_retention_blanks_old_text_and_keeps_scores(clickhouse_url: str) -> None:
    from sinks.clickhouse.retention import enforce

    backend = connect(clickhouse_url)
    migrate(backend)
    _seed(backend, datetime.now(UTC))
    done = enforce(backend, 90)
    assert set(done.values()) == ({"ttl"} if Capabilities(backend.version()).ttl else {"mutation"})
    if backend.name == "chdb":
        for table in ("feedback_events", "customer_alerts", "dead_letters"):
            backend.execute(f"OPTIMIZE TABLE {table} FINAL")  # TTL is applied by merges
    texts = sorted(r[0] for r in backend.query("SELECT text FROM feedback_events"))
    assert texts == ["", "", "text 1", "text 3"]
    assert int(backend.query("SELECT count() FROM feedback_events")[0][0]) == 4  # scores stay
    evidence = sorted(len(r[0]) for r in backend.query("SELECT evidence FROM customer_alerts"))
    assert evidence == [0, 1, 1]
    assert int(backend.query("SELECT count() FROM dead_letters")[0][0]) == 2
    backend.close()


def test_erase_removes_a_customer_everywhere_and_writes_tombstones(
    clickhouse_url: str, broker: TansuBroker, tmp_path: Path
) -> None:
    backend = connect(clickhouse_url)
    migrate(backend)
    _seed(backend, datetime.now(UTC))
    backend.close()  # chDB: one process at a time; the CLI opens it next
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIPPLE_")}
    env.update(
        {"RIPPLE_BROKERS": broker.bootstrap, "RIPPLE_CLICKHOUSE_URL": clickhouse_url, "PYTHONPATH": str(ROOT)}
    )
    cmd = [sys.executable, "-m", "ripple", "erase", "--customer"]
    bad = subprocess.run([*cmd, "c1' OR 1=1 --"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "customer id" in bad.stderr and bad.stderr.count("\n") == 1
    done = subprocess.run([*cmd, "c1"], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "feedback_events: 2 row(s) deleted" in done.stdout

    backend = connect(clickhouse_url)
    for table, column in (
        ("feedback_events", "customer_id"),
        ("customer_alerts", "customer_id"),
        ("dead_letters", "key"),
    ):
        left = {r[0] for r in backend.query(f"SELECT {column} FROM {table}")}
        assert left == {"c2"}, table
    backend.close()
    for topic in (topics.SCORED, topics.CUSTOMER_ALERTS):
        [msg] = consume_all(broker.bootstrap, topic, 1)
        assert msg.key == b"c1" and msg.value is None
