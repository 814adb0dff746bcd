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


def _alert(**over: object) -> bytes:
    from ripple.contracts import AlertReason, CustomerAlert

    t = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    fields: dict[str, object] = dict(
        alert_id="a1", version=3, kind="closed", status="closed", customer_id="c1", episode=2, severity="high",
        priority=3.0, estimated_reach=9, recommended_action="call back", opened_at=t,
        reasons=(AlertReason(rule="public_threat", event_ids=("e1",), channels=("review",), detail="1 star",
                             snippet="I will tell everyone"),
                 AlertReason(rule="churn_threat", event_ids=("e2",), detail="going to the competition")),
        due_by=datetime(2026, 3, 2, 18, 0, tzinfo=UTC), closed_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        time_to_close_s=5400.0, recovery=0.8, event_time=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        emitted_at=datetime(2026, 3, 2, 9, 30, 1, tzinfo=UTC),
    )
    fields.update(over)
    return CustomerAlert(**fields).to_json()  # type: ignore[arg-type]


def test_customer_alert_contract_maps_to_flat_and_lifecycle_columns() -> None:
    row = _one(topics.CUSTOMER_ALERTS, _alert())
    assert isinstance(row, tuple)
    d = dict(zip(CUSTOMER_ALERT_COLUMNS, row, strict=True))
    assert d["reasons"] == ["public_threat", "churn_threat"]
    assert d["evidence"] == ["I will tell everyone", "going to the competition"]
    assert d["channel"] == "review" and d["reach"] == 9.0 and d["version"] == 3 and d["status"] == "closed"
    assert d["opened_at"] == datetime(2026, 3, 2, 8, 0) and d["closed_at"] == datetime(2026, 3, 2, 9, 30)
    assert d["due_by"] == datetime(2026, 3, 2, 18, 0) and d["time_to_close_s"] == 5400.0
    assert d["episode"] == 2 and d["agent_id"] == "" and d["kafka_offset"] == 7


def test_customer_alerts_breaking_the_contract_are_rejected() -> None:
    bad = orjson.loads(_alert())
    bad["version"] = 0
    out = _one(topics.CUSTOMER_ALERTS, bad)
    assert isinstance(out, RowError) and out.reason == "invalid_contract"


SPIKE = {"spike_id": "s", "state": "firing", "window_start": "2026-03-02T10:00:00Z"}


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({k: v for k, v in SPIKE.items() if k != "spike_id"}, "missing_field"),
        ({**SPIKE, "window_start": "2026-03-02T10:00:00"}, "invalid_field"),
        ({**SPIKE, "observed": "high"}, "invalid_field"),
        ({**SPIKE, "version": -1}, "invalid_field"),
        ({**SPIKE, "window_start": "2200-01-01T00:00:00Z"}, "value_out_of_range"),
        (b"[1, 2]", "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
    ],
)
def test_bad_records_become_row_errors(record: dict[str, object] | bytes, reason: str) -> None:
    out = _one(topics.SPIKE_ALERTS, record)
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


def test_unforeseen_shapes_are_row_errors_not_crashes() -> None:
    odd = {"spike_id": "s", "state": "firing", "window_start": "2026-03-02T10:00:00Z", "series": {"channel": ["x"]}}
    out = _one(topics.SPIKE_ALERTS, odd)
    assert isinstance(out, RowError) and out.reason in {"invalid_field", "mapping_failed"}
