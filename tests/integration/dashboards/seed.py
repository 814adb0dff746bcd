"""Seed ClickHouse with realistic rows through the real migration and the sink's row mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from producers.simulator import Simulator
from ripple.contracts import ScoredFeedback
from sinks.clickhouse.backend import Backend
from sinks.clickhouse.rows import FEEDBACK_COLUMNS, feedback_row
from sinks.clickhouse.schema import migrate
from streams.scoring.pipeline import score_event

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ASPECTS = ("delivery", "price", "staff", "product_quality", "billing")
FOREIGN = ("Η παράδοση άργησε πολύ και κανείς δεν απάντησε", "Доставка опоздала, никто не ответил на звонок")


def scored_events(n: int, start: datetime = START) -> list[ScoredFeedback]:
    """``n`` simulated events scored by the real scorer, with the aspects and cues later stages add."""
    sim = Simulator(seed=7, customers=60, start=start)
    out = []
    for i, raw in enumerate(sim.events(n)):
        if i % 17 == 0:  # a language without a scorer: must show up as unscored, not neutral
            raw = raw.model_copy(update={"text": FOREIGN[i % 2]})
        ev = score_event(raw, now=raw.event_time + timedelta(seconds=1))
        aspects = (ASPECTS[i % len(ASPECTS)],) + ((ASPECTS[(i + 2) % len(ASPECTS)],) if i % 3 == 0 else ())
        cues = ("abuse",) if ev.agent_id and i % 5 == 0 else ()
        out.append(ev.model_copy(update={"aspects": aspects, "cues": cues}))
    return out


def seed(backend: Backend, n: int = 400, replays: int = 2) -> list[ScoredFeedback]:
    """Migrate, then insert every row ``replays`` times (a redelivery): dashboards must count each once."""
    migrate(backend)
    events = scored_events(n)
    rows = [feedback_row(ev, partition=i % 2, offset=i) for i, ev in enumerate(events)]
    backend.insert("feedback_events", FEEDBACK_COLUMNS, rows)
    for _ in range(replays - 1):
        # Redelivered in other batch boundaries, so block-level insert dedup (newer servers) cannot
        # hide it: only the queries' FINAL / uniqExact keeps the counts exact.
        half = len(rows) // 2
        backend.insert("feedback_events", FEEDBACK_COLUMNS, rows[half:])
        backend.insert("feedback_events", FEEDBACK_COLUMNS, rows[:half])
    return events
