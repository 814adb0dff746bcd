from __future__ import annotations

import orjson
import pytest

from ripple.contracts import RawFeedback, SentimentLabel
from streams.scoring import Failure, process_raw, score_event
from streams.scoring.pipeline import label_for


def raw(text: str, **kw: object) -> RawFeedback:
    return RawFeedback.model_validate({"event_id": "e1", "customer_id": "c1", "channel": "chat",
                                       "event_time": "2026-01-01T00:00:00Z", "text": text, **kw})


@pytest.mark.parametrize(
    ("compound", "label"),
    [(0.05, SentimentLabel.POSITIVE), (0.049, SentimentLabel.NEUTRAL), (-0.049, SentimentLabel.NEUTRAL),
     (-0.05, SentimentLabel.NEGATIVE), (None, SentimentLabel.UNSCORED)],
)
def test_label_thresholds_follow_vader(compound: float | None, label: SentimentLabel) -> None:
    assert label_for(compound) is label


def test_english_text_gets_vader_compound_and_drivers() -> None:
    text = "The agent was rude and the delivery was terrible."
    scored = score_event(raw(text))
    assert scored.language == "en" and scored.reliable
    assert scored.label is SentimentLabel.NEGATIVE
    assert scored.sentiment is not None and scored.sentiment < -0.5
    assert {"rude", "terrible"} <= set(scored.drivers)


def test_unknown_script_is_unscored_not_neutral() -> None:
    scored = score_event(raw("这个包裹到得太晚了"))
    assert scored.label is SentimentLabel.UNSCORED
    assert scored.sentiment is None and not scored.reliable


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"", "empty_record"),
        (None, "empty_record"),
        (b"{not json", "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        (b"[1, 2]", "invalid_event"),
        (b'{"event_id": "x"}', "invalid_event"),
        (orjson.dumps({"event_id": "e", "customer_id": "c", "channel": "chat", "event_time": "2026-01-01",
                       "text": "hi", "nps": 42}), "invalid_event"),
    ],
)
def test_bad_records_become_failures_with_reason(value: bytes | None, reason: str) -> None:
    result = process_raw(value)
    assert isinstance(result, Failure)
    assert result.reason == reason and result.detail


def test_process_raw_scores_a_valid_record() -> None:
    result = process_raw(raw("Great service, thank you!").to_json())
    assert not isinstance(result, Failure)
    assert result.label is SentimentLabel.POSITIVE
