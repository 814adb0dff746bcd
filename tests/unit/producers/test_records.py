"""Chat, review and IVR adapters on real-format files; ids; errors that name the field and the record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from producers import ids
from producers.adapters.base import AdapterContext, RecordError
from producers.adapters.files import adapt_record, read_paths
from ripple.contracts import Channel, RawFeedback

DATA = Path(__file__).resolve().parents[2] / "data" / "producers"
CTX = AdapterContext(secret=b"unit-secret", assume_utc=True)


def test_review_csv_with_quoted_commas_and_newlines() -> None:
    items = list(read_paths([DATA / "reviews.csv"], Channel.REVIEW, CTX))
    assert len(items) == 4
    first, second, bad, fourth = items
    assert isinstance(first, RawFeedback) and first.stars == 1 and first.subject == "Broken, twice"
    assert first.text == (
        "The blender stopped working after two uses. The replacement, which took 3 weeks, "
        "broke too.\nI want my money back."
    )
    assert first.public and first.url == "https://reviews.example/r/1001" and first.product == "Blender X200"
    assert first.customer_value == 120.5 and first.customer_id.startswith("au:")
    assert isinstance(second, RawFeedback) and 'packaging was "perfect", and' in second.text
    assert second.event_time == datetime(2026, 1, 5, 11, 30, tzinfo=UTC)  # naive export time taken as UTC
    assert isinstance(bad, RecordError) and bad.field == "stars" and bad.record == 5  # line 5 of the file
    assert isinstance(fourth, RawFeedback) and fourth.event_time == datetime(2026, 1, 6, 6, 0, tzinfo=UTC)


def test_ivr_csv() -> None:
    items = list(read_paths([DATA / "ivr.csv"], Channel.PHONE_SURVEY, CTX))
    ok = [i for i in items if isinstance(i, RawFeedback)]
    errors = [i for i in items if isinstance(i, RecordError)]
    assert len(ok) == 3 and len(errors) == 1
    first = ok[0]
    assert (
        first.csat,
        first.nps,
        first.asr_confidence,
        first.duration_s,
        first.hold_time_s,
        first.rings,
    ) == (1, 2, 0.82, 2710, 2400, 7)
    assert first.agent_id == "agent07" and first.customer_id.startswith("ph:")
    assert first.text == "waited forty minutes on hold, then the line dropped"
    assert ok[1].text == "" and ok[1].asr_confidence is None
    assert ok[2].text == "நல்ல சேவை, நன்றி"
    assert errors[0].field == "transcript" and "one of csat, nps or transcript" in errors[0].reason
    assert b"555" not in first.to_json()  # the caller's number is not in the event


def test_chat_transcript() -> None:
    [ev] = list(read_paths([DATA / "chat.json"], Channel.CHAT, CTX))
    assert isinstance(ev, RawFeedback)
    assert ev.text == (
        "My order 5521 is a week late and tracking shows nothing.\n"
        "This is the third time. I'm going to the competition."
    )
    assert ev.duration_s == 300 and ev.conversation_id == "conv-42" and ev.agent_id == "agent05"
    assert ev.event_time == datetime(2026, 1, 5, 10, 3, 40, tzinfo=UTC)
    assert (ev.customer_value, ev.segment) == (2400, "vip")


def test_event_ids_are_deterministic_per_channel_and_source_id() -> None:
    a = ids.event_id("review", "r-1")
    assert a == ids.event_id("review", "r-1") and a != ids.event_id("chat", "r-1") and a.startswith("re-")
    again = list(read_paths([DATA / "reviews.csv"], Channel.REVIEW, CTX))
    assert [getattr(i, "event_id", None) for i in again] == [
        getattr(i, "event_id", None) for i in read_paths([DATA / "reviews.csv"], Channel.REVIEW, CTX)
    ]


def test_records_without_source_id_get_a_content_hash_id() -> None:
    row = {"stars": "4", "text": "fine", "author": "x", "created_at": "2026-01-05T10:00:00Z"}
    a, b = (
        adapt_record(Channel.REVIEW, row, CTX, "s", 1),
        adapt_record(Channel.REVIEW, dict(row), CTX, "s", 9),
    )
    c = adapt_record(Channel.REVIEW, {**row, "text": "other"}, CTX, "s", 2)
    assert isinstance(a, RawFeedback) and isinstance(b, RawFeedback) and isinstance(c, RawFeedback)
    assert a.event_id == b.event_id != c.event_id


def test_future_and_naive_times() -> None:
    fixed = datetime(2026, 1, 5, 12, tzinfo=UTC)
    ctx = AdapterContext(secret=b"k", now=lambda: fixed, max_future=timedelta(hours=24))
    row = {"stars": 3, "author": "x", "created_at": (fixed + timedelta(hours=25)).isoformat()}
    err = adapt_record(Channel.REVIEW, row, ctx, "s", 1)
    assert isinstance(err, RecordError) and err.field == "created_at" and "future" in err.reason
    near = adapt_record(
        Channel.REVIEW, {**row, "created_at": (fixed + timedelta(hours=23)).isoformat()}, ctx, "s", 1
    )
    assert isinstance(near, RawFeedback)
    naive = adapt_record(Channel.REVIEW, {**row, "created_at": "2026-01-05T10:00:00"}, ctx, "s", 1)
    assert isinstance(naive, RecordError) and "timezone" in naive.reason  # only file imports assume UTC


@pytest.mark.parametrize(
    ("channel", "record", "field"),
    [
        (Channel.CHAT, {"conversation_id": "c", "customer_id": "x", "messages": []}, "messages"),
        (Channel.CHAT, ["not", "an", "object"], "record"),
        (Channel.REVIEW, {"stars": 3, "created_at": "2026-01-05T10:00:00Z"}, "customer_id"),
        (
            Channel.PHONE_SURVEY,
            {
                "call_id": "c",
                "called_at": "2026-01-05T10:00:00Z",
                "customer_id": "x",
                "csat": 3,
                "duration_s": 10,
                "hold_time_s": 20,
            },
            "hold_time_s",
        ),
    ],
)
def test_errors_name_the_field(channel: Channel, record: object, field: str) -> None:
    err = adapt_record(channel, record, CTX, "src", 7)
    assert isinstance(err, RecordError) and err.field == field and err.reason.startswith(field)
    assert err.as_dict() == {"source": "src", "record": 7, "field": field, "reason": err.reason}


def test_bad_files_are_errors_not_crashes(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{nope")
    (tmp_path / "latin1.csv").write_bytes("review_id,stars\nr1,4\nr2,caf\xe9\n".encode("latin-1"))
    (tmp_path / "ragged.csv").write_text("review_id,stars,author,created_at\nr1,4,a\n")
    (tmp_path / "notes.txt").write_text("ignored: not a review export extension")
    items = list(read_paths([tmp_path], Channel.REVIEW, CTX))
    fields = sorted(i.field for i in items if isinstance(i, RecordError))
    assert fields == ["encoding", "json", "row"]
    assert all(isinstance(i, RecordError) for i in items)
