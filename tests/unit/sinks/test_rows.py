"""Row mappers: every topic's record becomes a row, or a RowError with a dead-letter reason."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from ripple import topics
from ripple.contracts import DeadLetter
from sinks.clickhouse.rows import (
    CUSTOMER_ALERT_COLUMNS,
    DEAD_LETTER_COLUMNS,
    FEEDBACK_COLUMNS,
    MAPPINGS,
    MINUTE_COLUMNS,
    SPIKE_ALERT_COLUMNS,
    RowError,
    Source,
    feedback_row,
    scored_rows,
)
from sinks.sample import far_future, scored_events


def _one(topic: str, record: dict[str, object] | bytes, offset: int = 7) -> object:
    value = record if isinstance(record, bytes) else orjson.dumps(record)
    [out] = MAPPINGS[topic].map_batch([value], [Source(1, offset, b"k")])
    return out


def test_scored_batch_maps_every_column_and_isolates_bad_records() -> None:
    evs = list(scored_events(5))
    values = [e.to_json() for e in evs]
    values.insert(2, b"{broken")
    values.insert(4, orjson.dumps({"event_id": "x"}))
    values.insert(5, evs[0].model_copy(update={"event_time": far_future()}).to_json())
    out = scored_rows(values, [Source(0, i) for i in range(len(values))])
    kinds = [o.reason if isinstance(o, RowError) else "row" for o in out]
    assert kinds == [
        "row",
        "row",
        "invalid_json",
        "row",
        "invalid_contract",
        "value_out_of_range",
        "row",
        "row",
    ]
    row = out[0]
    assert isinstance(row, tuple) and len(row) == len(FEEDBACK_COLUMNS)
    d = dict(zip(FEEDBACK_COLUMNS, row, strict=True))
    assert d["event_id"] == evs[0].event_id and d["channel"] == evs[0].channel.value
    assert d["event_time"] == evs[0].event_time.replace(tzinfo=None) and d["kafka_offset"] == 0
    assert row == feedback_row(evs[0], 0, 0)


def test_customer_alert_defaults_version_to_offset_and_keeps_lists() -> None:
    row = _one(
        topics.CUSTOMER_ALERTS,
        {
            "alert_id": "a1",
            "customer_id": "c1",
            "kind": "sla_breach",
            "priority": 3,
            "reasons": ["late"],
            "event_time": "2026-03-02T10:00:00+02:00",
            "due_by": "2026-03-02T18:00:00Z",
        },
    )
    assert isinstance(row, tuple)
    d = dict(zip(CUSTOMER_ALERT_COLUMNS, row, strict=True))
    assert d["event_time"] == datetime(2026, 3, 2, 8, 0) and d["emitted_at"] == d["event_time"]
    assert d["due_by"] == datetime(2026, 3, 2, 18, 0) and d["version"] == 7 and d["reasons"] == ["late"]
    assert d["priority"] == 3.0 and d["evidence"] == []


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"customer_id": "c1", "kind": "opened", "event_time": "2026-03-02T10:00:00Z"}, "missing_field"),
        (
            {"alert_id": "a", "customer_id": "c1", "kind": "opened", "event_time": "2026-03-02T10:00:00"},
            "invalid_field",
        ),
        (
            {
                "alert_id": "a",
                "customer_id": "c1",
                "kind": "opened",
                "event_time": "2026-03-02T10:00:00Z",
                "priority": "high",
            },
            "invalid_field",
        ),
        (
            {
                "alert_id": "a",
                "customer_id": "c1",
                "kind": "opened",
                "event_time": "2026-03-02T10:00:00Z",
                "version": -1,
            },
            "invalid_field",
        ),
        (b"[1, 2]", "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
    ],
)
def test_bad_alerts_become_row_errors(record: dict[str, object] | bytes, reason: str) -> None:
    out = _one(topics.CUSTOMER_ALERTS, record)
    assert isinstance(out, RowError) and out.reason == reason


def test_spike_alert_reads_series_and_nullable_resolution() -> None:
    firing = _one(
        topics.SPIKE_ALERTS,
        {
            "spike_id": "s1",
            "state": "firing",
            "observed": 40,
            "expected": 6.5,
            "series": {"channel": "chat", "aspect": "delivery", "language": "en"},
            "window_start": "2026-03-02T10:01:00Z",
        },
    )
    assert isinstance(firing, tuple)
    d = dict(zip(SPIKE_ALERT_COLUMNS, firing, strict=True))
    assert (d["channel"], d["aspect"], d["language"]) == ("chat", "delivery", "en")
    assert d["resolved_at"] is None and d["started_at"] == datetime(2026, 3, 2, 10, 1)


def test_minute_aggregate_and_dead_letter_rows() -> None:
    agg = _one(
        topics.AGGREGATES,
        {
            "window_start": "2026-03-02T10:01:00Z",
            "channel": "email",
            "count": 12,
            "negative": 5,
            "satisfaction_sum": -3.5,
            "satisfaction_n": 10,
        },
    )
    assert isinstance(agg, tuple)
    d = dict(zip(MINUTE_COLUMNS, agg, strict=True))
    assert d["count"] == 12 and d["version"] == 7 and d["aspect"] == "" and d["late"] == 0
    assert isinstance(
        _one(topics.AGGREGATES, {"window_start": "2026-03-02T10:01:00Z", "count": -1}), RowError
    )

    dl = DeadLetter.of(
        "score", "invalid_json", b"{x", "bad", topic=topics.RAW, partition=1, offset=9, key=b"c42"
    )
    row = _one(topics.DEADLETTER, dl.to_json())
    assert isinstance(row, tuple)
    d = dict(zip(DEAD_LETTER_COLUMNS, row, strict=True))
    assert d["key"] == "c42" and d["original"] == dl.original_b64 and d["offset"] == 9
    assert d["failed_at"] == dl.failed_at.astimezone(UTC).replace(tzinfo=None)


def test_every_sink_topic_has_a_table() -> None:
    assert set(MAPPINGS) == {
        topics.SCORED,
        topics.AGGREGATES,
        topics.CUSTOMER_ALERTS,
        topics.SPIKE_ALERTS,
        topics.DEADLETTER,
    }
    assert len({m.table for m in MAPPINGS.values()}) == len(MAPPINGS)
