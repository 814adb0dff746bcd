"""Replaying the same input leaves the aggregates in ClickHouse unchanged (both backends).

The table mirrors what the sink's ``feedback_minute`` is specified as: ReplacingMergeTree(version)
ordered by (window_start, channel, aspect, language). Rows are produced by the worker's own
WindowStore (with late corrections and duplicates), inserted as they are emitted, and read back
with FINAL.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ripple import topics
from ripple.contracts import WindowAggregate
from sinks.clickhouse import connect
from sinks.clickhouse.backend import Backend
from sinks.clickhouse.rows import MAPPINGS, RowError, Source
from sinks.clickhouse.schema import migrate
from streams.windows.records import aggregate_record
from streams.windows.windows import WindowConfig, WindowStore, series_keys
from tests.unit.windows.test_windows import Ev

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
COLUMNS = ["window_start", "channel", "aspect", "language", "count", "negative", "satisfaction_sum",
           "satisfaction_n", "promoters", "passives", "detractors", "late", "version"]
COMPARED = "window_start, channel, aspect, language, count, negative, satisfaction_sum, satisfaction_n, " \
           "promoters, passives, detractors, version"


def create_table(backend: Backend) -> None:
    backend.execute("""
        CREATE TABLE replay_minute (
            window_start DateTime, channel String, aspect String, language String,
            count UInt32, negative UInt32, satisfaction_sum Float64, satisfaction_n UInt32,
            promoters UInt32, passives UInt32, detractors UInt32, late UInt32, version UInt64
        ) ENGINE = ReplacingMergeTree(version)
        ORDER BY (window_start, channel, aspect, language)""")


def events(n: int = 600) -> list[Ev]:
    rng = random.Random(11)
    return [Ev(f"e{i}", T0 + timedelta(seconds=rng.uniform(0, 480)), rng.choice(["chat", "email", "review"]),
               tuple(rng.sample(["delivery", "price", "staff"], rng.randint(0, 2))), rng.choice(["en", "el"]),
               rng.choice(["negative", "positive", "neutral"]), round(rng.uniform(-1, 1), 4),
               rng.choice([None, 2, 7, 9])) for i in range(n)]


def replay(backend: Backend, evs: list[Ev], seed: int, sink: bool = False) -> int:
    """Feed events in a shuffled arrival order (many late), insert every emission; returns rows inserted."""
    rng = random.Random(seed)
    order = evs[:]
    rng.shuffle(order)
    store = WindowStore(WindowConfig(lateness_s=20, idle_grace_s=0))
    now = T0.timestamp()
    inserted = 0

    def flush(at: float) -> None:
        nonlocal inserted
        recs = [aggregate_record(r, datetime.now(UTC)) for r in store.close_due(at)[1]]
        if recs and sink:  # through the sink's own mapping into its feedback_minute table
            mapping = MAPPINGS[topics.AGGREGATES]
            out = mapping.map_batch([a.to_json() for a in recs],
                                    [Source(0, inserted + i) for i in range(len(recs))])
            assert not [o for o in out if isinstance(o, RowError)]
            backend.insert(mapping.table, mapping.columns, [o for o in out if isinstance(o, tuple)])
        elif recs:
            backend.insert("replay_minute", COLUMNS, [row(a) for a in recs])
        inserted += len(recs)

    for i, e in enumerate(order):
        now = max(now, e.event_time.timestamp()) + 0.05
        store.add(e, int(e.event_id[1:]) % 2, now)
        if i % 25 == 0:
            flush(now)
    flush(now + 3600)
    return inserted


def row(a: WindowAggregate) -> list[Any]:
    return [a.window_start.replace(tzinfo=None), a.channel, a.aspect, a.language, a.count, a.negative,
            a.satisfaction_sum, a.satisfaction_n, a.promoters, a.passives, a.detractors, a.late, a.version]


def snapshot(backend: Backend, table: str = "replay_minute") -> list[tuple[Any, ...]]:
    return [tuple(r) for r in backend.query(
        f"SELECT {COMPARED} FROM {table} FINAL ORDER BY window_start, channel, aspect, language")]


def test_replays_leave_clickhouse_aggregates_unchanged(clickhouse_url: str) -> None:
    backend = connect(clickhouse_url)
    try:
        create_table(backend)
        evs = events()
        first_rows = replay(backend, evs, seed=1)
        first = snapshot(backend)
        second_rows = replay(backend, evs, seed=2)  # another arrival order
        third_rows = replay(backend, evs + evs[:100], seed=3)  # with redelivered duplicates
        after = snapshot(backend)
    finally:
        backend.close()
    assert first_rows > len(first)  # late corrections really were re-emitted, and overwritten
    assert second_rows > len(first) and third_rows > len(first)
    assert after == first
    # and FINAL equals a recomputation from the raw events
    expected: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for e in evs:
        start = str(e.event_time.replace(second=0, microsecond=0).replace(tzinfo=None))
        for ch, asp, lang in series_keys(e.channel, e.aspects, e.language):
            expected[(start, ch, asp, lang)][0] += 1
            expected[(start, ch, asp, lang)][1] += e.label == "negative"
    got = {(str(r[0])[:19], r[1], r[2], r[3]): [int(r[4]), int(r[5])] for r in after}
    assert got == dict(expected)
    assert all(int(r[-1]) == int(r[4]) for r in after)  # version == count


def test_replays_leave_the_sinks_feedback_minute_unchanged(clickhouse_url: str) -> None:
    """The same through the sink's migrations and row mapping into its ``feedback_minute``."""
    backend = connect(clickhouse_url)
    try:
        migrate(backend)
        evs = events(300)
        replay(backend, evs, seed=1, sink=True)
        first = snapshot(backend, "feedback_minute")
        replay(backend, evs, seed=2, sink=True)
        replay(backend, evs + evs[:50], seed=3, sink=True)
        after = snapshot(backend, "feedback_minute")
    finally:
        backend.close()
    assert first and after == first
    totals = {str(r[0])[:19]: int(r[4]) for r in after if r[1:4] == ("*", "*", "*")}
    assert sum(totals.values()) == len(evs)
