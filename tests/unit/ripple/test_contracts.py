from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from pydantic import ValidationError

from ripple.contracts import (
    AlertReason,
    Channel,
    CustomerAlert,
    DeadLetter,
    RawFeedback,
    ScoredFeedback,
    SentimentLabel,
    parse,
)

BASE = {
    "event_id": "ev-1",
    "customer_id": "c-1",
    "channel": "review",
    "event_time": "2026-03-01T10:00:00+02:00",
    "text": "The parcel arrived broken.",
    "stars": 1,
    "public": True,
}


def test_valid_raw_round_trips_through_json() -> None:
    ev = RawFeedback.model_validate(BASE)
    again = parse(RawFeedback, ev.to_json())
    assert again == ev
    assert again.event_time == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert again.event_time.utcoffset() == timedelta(0)
    assert orjson.loads(ev.to_json())["schema_version"] == 1


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"event_time": "2026-03-01T10:00:00"}, "event_time"),  # naive time is ambiguous
        ({"channel": "fax"}, "channel"),
        ({"stars": 6}, "stars"),
        ({"stars": 0}, "stars"),
        ({"nps": 11}, "nps"),
        ({"csat": "five"}, "csat"),
        ({"event_id": ""}, "event_id"),
        ({"event_id": "has space"}, "event_id"),
        ({"customer_id": None}, "customer_id"),
        ({"text": "x" * 20_001}, "text"),
        ({"text": "bell\x07"}, "text"),
        ({"surprise": 1}, "surprise"),
        ({"schema_version": 2}, "schema_version"),
    ],
)
def test_invalid_raw_names_the_field(patch: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        RawFeedback.model_validate({**BASE, **patch})
    assert field in {str(e["loc"][0]) for e in info.value.errors()}


def test_missing_required_fields_are_reported() -> None:
    with pytest.raises(ValidationError) as info:
        RawFeedback.model_validate({"event_id": "x"})
    missing = {e["loc"][0] for e in info.value.errors() if e["type"] == "missing"}
    assert missing == {"customer_id", "channel", "event_time"}


def test_models_are_frozen() -> None:
    ev = RawFeedback.model_validate(BASE)
    with pytest.raises(ValidationError):
        ev.text = "changed"  # type: ignore[misc]


def test_scored_keeps_raw_fields_and_normalises_times() -> None:
    raw = RawFeedback.model_validate(BASE)
    scored = ScoredFeedback(**raw.model_dump(), language="en", language_confidence=1.0, sentiment=-0.5,
                            label=SentimentLabel.NEGATIVE, reliable=True, scorer="vader", scorer_version="3.3.2",
                            scored_at=datetime(2026, 3, 1, 12, tzinfo=timezone(timedelta(hours=3))))
    assert scored.channel is Channel.REVIEW and scored.stars == 1
    assert scored.scored_at.tzinfo == UTC and scored.scored_at.hour == 9
    assert parse(ScoredFeedback, scored.to_json()) == scored


def test_dead_letter_keeps_original_bytes() -> None:
    original = b"\xff\xfe not json"
    dl = DeadLetter.of("score", "invalid_json", original, "bad", topic="t", partition=1, offset=7, key=b"k")
    back = parse(DeadLetter, dl.to_json())
    assert back.original() == original and back.offset == 7 and back.stage == "score"


@pytest.mark.parametrize("text", ["Η παραγγελία ήρθε σπασμένη", "Посылка пришла \"разбитой\"\n", "😡 <b>&</b>",
                                  "தாமதம்", "Առաքումը ուշացավ", "\u2028 line sep", "tab\there \\ back"])
def test_wire_bytes_are_those_of_the_json_dump(text: str) -> None:
    """to_json writes through pydantic's serializer: byte for byte what consumers got from orjson over
    model_dump(mode="json") before, for every field type the contracts use."""
    raw = RawFeedback.model_validate({**BASE, "text": text, "event_time": "2026-03-01T10:00:00.123456+02:00"})
    scored = ScoredFeedback(**raw.model_dump(), language="el", language_confidence=0.8125, sentiment=-1e-05,
                            label=SentimentLabel.NEGATIVE, reliable=False, scorer="lexicon", scorer_version="1",
                            scored_at=datetime(2026, 3, 1, 12, 0, 0, 7, tzinfo=UTC), aspects=("delivery",),
                            satisfaction=0.3333333333333333, drivers=("late", "σπασμένη"))
    dl = DeadLetter.of("score", "invalid_json", text.encode(), "bad", topic="t", partition=1, offset=7, key=None)
    t = datetime(2026, 3, 2, 8, 0, 0, 500, tzinfo=UTC)
    alert = CustomerAlert(alert_id="a1", version=3, kind="closed", status="closed", customer_id="c1", episode=2,
                          severity="high", priority=3.7071067811865475, estimated_reach=9, recommended_action="call",
                          reasons=(AlertReason(rule="public_threat", event_ids=("e1",), channels=("review",),
                                               detail="1 star", snippet=text),),
                          opened_at=t, due_by=t, closed_at=t, time_to_close_s=5400.0, recovery=-0.125,
                          event_time=t, emitted_at=t)
    for model in (raw, scored, dl, alert):
        assert model.to_json() == orjson.dumps(model.model_dump(mode="json")), type(model).__name__
