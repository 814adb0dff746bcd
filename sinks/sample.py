"""Realistic scored events without running the scorers: for sink tests and the sink benchmark.

The sink's cost is independent of how a score was computed, so the benchmark and tests build
``ScoredFeedback`` from the simulator's raw events with a cheap stand-in score. Deterministic for a
seed, so counts per channel and label can be asserted exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from producers.simulator import Simulator
from ripple.contracts import ScoredFeedback, SentimentLabel

_WORDS = {
    SentimentLabel.NEGATIVE: ("late", "broken"),
    SentimentLabel.POSITIVE: ("great",),
    SentimentLabel.NEUTRAL: (),
}


def scored_events(
    n: int, seed: int = 7, prefix: str = "ev", customers: int = 500
) -> Iterator[ScoredFeedback]:
    sim = Simulator(seed=seed, customers=customers, prefix=prefix)
    for raw in sim.events(n):
        text = raw.text.lower()
        if any(w in text for w in ("late", "broken", "terrible", "never", "worst", "still")):
            label, sentiment = SentimentLabel.NEGATIVE, -0.6
        elif any(w in text for w in ("thank", "great", "love", "perfect", "fast")):
            label, sentiment = SentimentLabel.POSITIVE, 0.7
        else:
            label, sentiment = SentimentLabel.NEUTRAL, 0.0
        yield ScoredFeedback(
            **raw.model_dump(),
            language="en",
            language_confidence=0.99,
            sentiment=sentiment,
            label=label,
            reliable=True,
            scorer="sample",
            scorer_version="1",
            drivers=_WORDS[label],
            satisfaction=sentiment,
            aspects=("delivery",) if "deliver" in text or "parcel" in text else (),
            scored_at=raw.event_time + timedelta(seconds=1),
        )


def far_future() -> datetime:
    """A valid contract time that ClickHouse's DateTime cannot store (a realistic poison value)."""
    return datetime(2200, 1, 1, tzinfo=UTC)
