from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from producers.kafka import make_producer
from producers.simulator import Simulator
from ripple import topics
from ripple.contracts import DeadLetter, parse
from ripple.dev.procs import wait_until
from ripple.dev.tansu import TansuBroker
from ripple.settings import Settings
from sinks.clickhouse import connect
from sinks.clickhouse.schema import migrate
from sinks.writer import FeedbackSink
from streams.scoring import score_event
from tests.conftest import consume_all

pytestmark = pytest.mark.integration


def test_sink_writes_scored_events_and_dead_letters_poison(
    broker: TansuBroker, settings: Settings, clickhouse_url: str
) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    scored = [score_event(e, now) for e in Simulator(seed=3).events(300)]
    producer = make_producer(settings)
    for ev in scored[:150]:
        producer.send(topics.SCORED, key=ev.customer_id.encode(), value=ev.to_json())
    producer.send(topics.SCORED, key=b"c-poison", value=b'{"event_id": "broken"')
    for ev in scored[150:]:
        producer.send(topics.SCORED, key=ev.customer_id.encode(), value=ev.to_json())
    producer.flush()

    backend = connect(clickhouse_url)
    migrate(backend)
    sink = FeedbackSink(settings, backend)
    thread = threading.Thread(target=sink.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: backend.query("SELECT count() FROM feedback_events")[0][0] >= 300, 60, "300 rows")
    finally:
        sink.stop_event.set()
        thread.join(20)
    assert not thread.is_alive()
    rows = backend.query("SELECT count(), uniqExact(event_id) FROM feedback_events FINAL")
    assert tuple(int(x) for x in rows[0]) == (300, 300)
    # The simulator is multilingual: unscored events (no scorer for the text) are stored as NULL.
    got = {r[0]: r[1] for r in backend.query("SELECT event_id, sentiment FROM feedback_events")}
    for ev in scored:
        if ev.sentiment is None:
            assert got[ev.event_id] is None
        else:
            assert float(got[ev.event_id]) == pytest.approx(ev.sentiment, abs=1e-6)
    dead = [parse(DeadLetter, m.value) for m in consume_all(broker.bootstrap, topics.DEADLETTER, 1)]
    assert [(d.stage, d.reason) for d in dead] == [("sink", "invalid_json")]
    assert dead[0].original() == b'{"event_id": "broken"'
    backend.close()
