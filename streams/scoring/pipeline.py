"""Raw bytes in, a scored event or a failure out: the whole scoring stage as one pure function.

Errors are data: anything wrong with a record comes back as a ``Failure`` (reason + detail) for the
agent to dead-letter, so a bad record never crashes the worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from pydantic import ValidationError

from ripple.contracts import RawFeedback, ScoredFeedback, SentimentLabel
from streams.scoring.english import SCORER, VERSION, score_english
from streams.scoring.language import detect_language

NEUTRAL_BAND = 0.05  # VADER's published threshold for the 3-class label


@dataclass(frozen=True)
class Failure:
    reason: str
    detail: str


def label_for(compound: float | None) -> SentimentLabel:
    if compound is None:
        return SentimentLabel.UNSCORED
    if compound >= NEUTRAL_BAND:
        return SentimentLabel.POSITIVE
    if compound <= -NEUTRAL_BAND:
        return SentimentLabel.NEGATIVE
    return SentimentLabel.NEUTRAL


def score_event(raw: RawFeedback, now: datetime | None = None) -> ScoredFeedback:
    """Score one validated event. Languages without a scorer are marked unscored, never neutral."""
    lang = detect_language(raw.text)
    if lang.code == "en":
        s = score_english(raw.text)
        sentiment: float | None = s.compound
        drivers = s.drivers
        scorer, version, reliable = SCORER, VERSION, lang.reliable
    else:
        sentiment, drivers, scorer, version, reliable = None, (), "none", "0", False
    return ScoredFeedback(
        **raw.model_dump(),
        language=lang.code,
        language_confidence=lang.confidence,
        sentiment=sentiment,
        label=label_for(sentiment),
        reliable=reliable,
        scorer=scorer,
        scorer_version=version,
        drivers=drivers,
        satisfaction=sentiment,
        scored_at=now or datetime.now(UTC),
    )


def process_raw(value: bytes | None) -> ScoredFeedback | Failure:
    """Parse, validate and score one raw record."""
    if not value:
        return Failure("empty_record", "record has no value")
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        return Failure("invalid_json", str(exc))
    if not isinstance(data, dict):
        return Failure("invalid_event", f"expected a JSON object, got {type(data).__name__}")
    try:
        raw = RawFeedback.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        return Failure("invalid_event", f"{where}: {first['msg']} ({exc.error_count()} error(s))")
    return score_event(raw)
