"""Event-time windows: roll-ups, lateness, idle closing, idempotent re-emission, persistence."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from ripple.contracts import Channel, ScoredFeedback, SentimentLabel, WindowAggregate, parse
from streams.windows.records import aggregate_record
from streams.windows.windows import (
    ALL,
    AggregateRow,
    Outcome,
    StateWrite,
    Window,
    WindowConfig,
    WindowStore,
    aggregate_key,
    series_keys,
    state_key,
)

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a window boundary
E0 = T0.timestamp()


@dataclass(frozen=True)
class Ev:
    event_id: str
    event_time: datetime
    channel: str = "chat"
    aspects: tuple[str, ...] = ("delivery",)
    language: str = "en"
    label: str = "negative"
    satisfaction: float | None = -0.5
    nps: int | None = None


def ev(i: int, second: float, **kw: object) -> Ev:
    return Ev(f"e{i}", T0 + timedelta(seconds=second), **kw)  # type: ignore[arg-type]


def rows_by_key(rows: list[AggregateRow]) -> dict[str, AggregateRow]:
    return {r.key: r for r in rows}


def test_an_event_counts_in_each_aspect_and_once_in_every_rollup() -> None:
    keys = series_keys("chat", ("delivery", "price"), "en")
    assert len(keys) == 2 * 3 * 2
    assert ("chat", ALL, "en") in keys and (ALL, ALL, ALL) in keys
    store = WindowStore(WindowConfig(lateness_s=0, idle_grace_s=0))
    store.add(ev(1, 5, aspects=("delivery", "price", "delivery")), 0, E0 + 5)
    store.add(ev(2, 6, aspects=(), label="positive", satisfaction=0.8, nps=10), 0, E0 + 6)
    _, rows = store.close_due(E0 + 61)
    by = {(r.channel, r.aspect, r.language): r.counts for r in rows}
    assert by[("chat", "delivery", "en")].count == 1
    assert by[("chat", "price", "en")].count == 1
    assert by[("chat", "none", "en")].count == 1
    assert by[(ALL, ALL, ALL)].count == 2  # multi-aspect event counted once in totals
    assert by[(ALL, ALL, ALL)].negative == 1
    assert by[(ALL, ALL, ALL)].promoters == 1
    assert by[(ALL, ALL, ALL)].satisfaction_mean == pytest.approx(0.15)


def test_nps_buckets() -> None:
    store = WindowStore(WindowConfig(lateness_s=0, idle_grace_s=0))
    for i, nps in enumerate([10, 9, 8, 7, 6, 0, None]):
        store.add(ev(i, 1, nps=nps), 0, E0 + 1)
    _, rows = store.close_due(E0 + 60)
    total = rows_by_key(rows)[aggregate_key(int(E0), (ALL, ALL, ALL))].counts
    assert (total.promoters, total.passives, total.detractors, total.count) == (2, 2, 2, 7)


def test_window_stays_open_until_watermark_passes_its_end() -> None:
    store = WindowStore(WindowConfig(lateness_s=5, idle_grace_s=1))
    store.add(ev(1, 10), 0, E0 + 10)
    store.add(ev(2, 64), 0, E0 + 64)  # next window; event watermark = 59 < 60
    closed, rows = store.close_due(E0 + 64)
    assert closed == [] and rows == []
    store.add(ev(3, 65.5), 0, E0 + 65.5)  # event watermark 60.5 >= 60
    closed, rows = store.close_due(E0 + 65.5)
    assert [c.start for c in closed] == [int(E0)]
    assert {r.window_start for r in rows} == {int(E0)}


def test_window_closes_on_wall_clock_without_further_events() -> None:
    """The faust-streaming #250 failure mode: no event after the window, yet it must close."""
    cfg = WindowConfig(lateness_s=5, idle_grace_s=1)
    store = WindowStore(cfg)
    store.add(ev(1, 50), 0, E0 + 50.2)
    assert store.close_due(E0 + 65.9) == ([], [])
    closed, rows = store.close_due(E0 + 60 + 5 + 1 + 0.3)
    assert [c.start for c in closed] == [int(E0)]
    assert rows and all(r.window_start == int(E0) for r in rows)


def test_replayed_backlog_is_driven_by_event_time_not_wall_clock() -> None:
    """Old events replayed fast are on time: the idle term only advances while input is quiet."""
    store = WindowStore(WindowConfig(lateness_s=5, idle_grace_s=1))
    wall = E0 + 30 * 86400  # a month later
    outcomes = [store.add(ev(i, i * 2.0), 0, wall + i * 0.001) for i in range(90)]
    assert set(outcomes) == {Outcome.ON_TIME}
    closed, _ = store.close_due(wall + 0.1)
    assert [c.start - int(E0) for c in closed] == [0, 60]  # event time 178 s - lateness: two windows


def test_late_event_is_counted_and_reemitted_with_higher_version() -> None:
    store = WindowStore(WindowConfig(lateness_s=2, idle_grace_s=0))
    store.add(ev(1, 10), 0, E0 + 10)
    _, rows = store.close_due(E0 + 70)
    first = rows_by_key(rows)[aggregate_key(int(E0), ("chat", "delivery", "en"))]
    assert first.counts.count == 1 and first.version == 1
    assert store.add(ev(2, 20), 0, E0 + 80) is Outcome.LATE
    closed, rows = store.close_due(E0 + 81)
    assert closed == []  # the detector judged the window once; corrections are aggregates only
    again = rows_by_key(rows)[aggregate_key(int(E0), ("chat", "delivery", "en"))]
    assert (again.counts.count, again.counts.late, again.version) == (2, 1, 2)
    assert store.close_due(E0 + 90) == ([], [])  # nothing changed -> nothing re-emitted


def test_duplicates_are_not_double_counted() -> None:
    store = WindowStore(WindowConfig(lateness_s=0, idle_grace_s=0))
    assert store.add(ev(1, 1), 0, E0 + 1) is Outcome.ON_TIME
    assert store.add(ev(1, 1), 0, E0 + 2) is Outcome.DUPLICATE
    _, rows = store.close_due(E0 + 61)
    assert rows_by_key(rows)[aggregate_key(int(E0), (ALL, ALL, ALL))].counts.count == 1


def test_events_older_than_retention_are_reported_expired() -> None:
    store = WindowStore(WindowConfig(lateness_s=0, idle_grace_s=0, retention_s=120))
    store.add(ev(1, 1000), 0, E0 + 1000)
    assert store.add(ev(2, 1), 0, E0 + 1000) is Outcome.EXPIRED
    assert store.add(ev(3, 900), 0, E0 + 1000) is Outcome.LATE


def test_empty_windows_are_closed_for_the_detector() -> None:
    store = WindowStore(WindowConfig(lateness_s=0, idle_grace_s=0))
    store.add(ev(1, 1), 0, E0 + 1)
    closed, _ = store.close_due(E0 + 240)
    assert [c.start - int(E0) for c in closed] == [0, 60, 120, 180]
    assert closed[1].series == {}


def test_future_event_time_cannot_close_everything() -> None:
    store = WindowStore(WindowConfig(lateness_s=0, idle_grace_s=0, max_future_skew_s=20))
    store.add(ev(1, 3600 * 5), 0, E0 + 1)  # producer clock five hours ahead
    assert store.add(ev(2, 30), 0, E0 + 2) is Outcome.ON_TIME


def _feed(events: list[Ev], seed: int) -> dict[str, tuple[int, tuple[int, ...]]]:
    rng = random.Random(seed)
    order = events[:]
    rng.shuffle(order)
    store = WindowStore(WindowConfig(lateness_s=30, idle_grace_s=0))
    final: dict[str, tuple[int, tuple[int, ...]]] = {}
    now = E0
    for e in order:
        now = max(now, e.event_time.timestamp()) + 0.01
        store.add(e, int(e.event_id[1:]) % 2, now)  # same event, same partition (keyed)
        for r in store.close_due(now)[1]:
            prev = final.get(r.key)
            if prev is None or r.version >= prev[0]:  # ReplacingMergeTree(version) semantics
                final[r.key] = (r.version, tuple(r.counts.as_list()[:-1]))
    for r in store.close_due(now + 10_000)[1]:
        prev = final.get(r.key)
        if prev is None or r.version >= prev[0]:
            final[r.key] = (r.version, tuple(r.counts.as_list()[:-1]))
    return final


def test_replays_in_any_order_converge_to_the_same_aggregates() -> None:
    """Highest version per key equals the full recomputation, whatever arrived late (minus `late`)."""
    rng = random.Random(7)
    events = [ev(i, rng.uniform(0, 600), channel=rng.choice(["chat", "email"]),
                 aspects=tuple(rng.sample(["delivery", "price", "staff"], rng.randint(0, 2))),
                 label=rng.choice(["negative", "positive"]), satisfaction=round(rng.uniform(-1, 1), 3),
                 nps=rng.choice([None, 3, 8, 10])) for i in range(400)]
    a = _feed(events, 1)
    b = _feed(events, 2)
    c = _feed(events + events[:50], 3)  # redelivered duplicates
    assert a == b == c
    assert a[aggregate_key(int(E0), (ALL, ALL, ALL))][1][0] == sum(1 for e in events if e.event_time < T0 +
                                                                   timedelta(seconds=60))


def _apply(table: dict[str, bytes], writes: list[StateWrite]) -> None:
    """What the faust table (and its compacted changelog) ends up holding."""
    for w in writes:
        if w.value is None:
            table.pop(w.key, None)
        else:
            table[w.key] = w.value


def test_window_state_round_trips_through_table_records() -> None:
    cfg = WindowConfig(lateness_s=0, idle_grace_s=0)
    store = WindowStore(cfg)
    table: dict[str, bytes] = {}
    store.add(ev(1, 1), 0, E0 + 1)
    store.add(ev(2, 2, channel="email"), 1, E0 + 2)
    _apply(table, store.state_writes())
    store.add(ev(3, 3), 0, E0 + 3)
    writes = store.state_writes()
    _apply(table, writes)
    # one record per window per persist, carrying the counters and only the new ids
    assert [w.key for w in writes] == [state_key(0, int(E0), 1)]
    assert orjson.loads(writes[0].value or b"")["ids"] == ["e3"]
    fresh = WindowStore(cfg)
    assert fresh.restore_state(table.items(), {0, 1}, E0 + 4) == 2
    for i in (1, 3):
        assert fresh.add(ev(i, i), 0, E0 + 4) is Outcome.DUPLICATE  # ids survive a restart
    _, before = store.close_due(E0 + 61)
    _, after = fresh.close_due(E0 + 61)
    assert {(r.key, r.version) for r in before} == {(r.key, r.version) for r in after}
    only_p1 = WindowStore(cfg)
    assert only_p1.restore_state(table.items(), {1}, E0 + 4) == 1


def test_ids_are_forgotten_after_the_dedupe_horizon_and_windows_after_retention() -> None:
    cfg = WindowConfig(lateness_s=0, idle_grace_s=0, dedupe_s=120, retention_s=600)
    store = WindowStore(cfg)
    table: dict[str, bytes] = {}
    store.add(ev(1, 1), 0, E0 + 1)
    _apply(table, store.state_writes())
    store.add(ev(2, 200), 0, E0 + 200)  # watermark 200: window 0 ended 140 s ago
    store.expire(E0 + 200)
    _apply(table, store.state_writes())
    assert state_key(0, int(E0), 0) not in table  # the record holding the id is gone
    assert Window.loads(table[state_key(0, int(E0), 1)]).ids_dropped
    assert store.windows[(0, int(E0))].seen == set()
    restored = WindowStore(cfg)
    restored.restore_state(table.items(), {0}, E0 + 201)
    assert restored.windows[(0, int(E0))].series[(ALL, ALL, ALL)].count == 1
    store.add(ev(3, 800), 0, E0 + 800)
    gone = store.expire(E0 + 800)
    _apply(table, store.state_writes())
    assert gone == [(0, int(E0))]
    assert not any(k.startswith(f"0|{int(E0)}|") for k in table)


def test_aggregate_record_validates_and_round_trips() -> None:
    store = WindowStore(WindowConfig(lateness_s=0, idle_grace_s=0))
    store.add(ev(1, 1, satisfaction=0.25, nps=9), 0, E0 + 1)
    _, rows = store.close_due(E0 + 61)
    rec = aggregate_record(rows[0], datetime.now(UTC))
    back = parse(WindowAggregate, rec.to_json())
    assert back == rec and back.version == back.count
    assert back.key.startswith("2026-03-02T10:00:00Z|")


def test_scored_feedback_satisfies_the_protocol() -> None:
    sf = ScoredFeedback(event_id="x1", customer_id="c1", channel=Channel.CHAT, event_time=T0, text="late again",
                        language="en", language_confidence=0.9, sentiment=-0.4, label=SentimentLabel.NEGATIVE,
                        reliable=True, scorer="vader", scorer_version="1", satisfaction=-0.4,
                        aspects=("delivery",), scored_at=T0)
    store = WindowStore(WindowConfig(lateness_s=0, idle_grace_s=0))
    assert store.add(sf, 0, E0) is Outcome.ON_TIME
    _, rows = store.close_due(E0 + 60)
    assert {(r.channel, r.aspect, r.language) for r in rows} >= {("chat", "delivery", "en")}
    assert all(r.counts.negative == 1 for r in rows)
