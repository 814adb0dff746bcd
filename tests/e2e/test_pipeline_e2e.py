"""1,000 simulated events through the real pipeline: Tansu -> faust worker -> sink -> ClickHouse."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from producers.kafka import make_producer, send_all
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
from tests.conftest import Worker, consume_all

pytestmark = pytest.mark.e2e

N = 1000


def test_thousand_events_land_exactly_once_with_the_stage_scores(
    broker: TansuBroker, settings: Settings, clickhouse_url: str, start_worker: Callable[..., Worker]
) -> None:
    # English text on every event: the assertion below recomputes VADER, which scores English only
    # (phone surveys may carry no transcript, so they are left out here).
    sim = Simulator(seed=7, customers=200, mix={"en": 1.0}, channels={"chat": 1, "email": 1, "review": 1})
    events = list(sim.events(N))
    worker = start_worker()
    backend = connect(clickhouse_url)
    migrate(backend)
    sink = FeedbackSink(settings, backend)
    thread = threading.Thread(target=sink.run, daemon=True)
    thread.start()
    producer = make_producer(settings)
    try:
        send_all(producer, events[:500])
        # A malformed record in the middle of the stream: dead-lettered, the worker keeps going.
        producer.send(topics.RAW, key=b"c-bad", value=b'{"event_id": "bad", "channel": "fax"}').get(30)
        send_all(producer, events[500:])

        def landed() -> bool:
            assert worker.alive(), worker.tail()
            return int(backend.query("SELECT count() FROM feedback_events")[0][0]) >= N

        wait_until(landed, 120, f"{N} rows in ClickHouse", interval=0.2)
    finally:
        producer.close()
        sink.stop_event.set()
        thread.join(20)

    count, distinct = backend.query("SELECT count(), uniqExact(event_id) FROM feedback_events FINAL")[0]
    assert (int(count), int(distinct)) == (N, N)
    # The stored score is exactly what the (pure) scoring stage computes for that event.
    stored = {r[0]: r[1] for r in backend.query("SELECT event_id, sentiment FROM feedback_events")}
    for ev in events:
        expected = score_event(ev).sentiment
        if expected is None:
            assert stored[ev.event_id] is None
        else:
            assert stored[ev.event_id] == pytest.approx(expected, abs=1e-6)

    # Only the scoring stage's dead letters: the windows stage also dead-letters these simulated January
    # events as window_expired (older than its retention), which is its own documented behaviour.
    dead: list[DeadLetter] = []

    def scoring_dead_letters() -> bool:
        records = consume_all(broker.bootstrap, topics.DEADLETTER, 1)
        dead[:] = [d for d in (parse(DeadLetter, m.value) for m in records) if d.stage == "score"]
        return bool(dead)

    wait_until(scoring_dead_letters, 60, "the scoring stage's dead letter")
    assert len(dead) == 1
    assert (dead[0].stage, dead[0].reason, dead[0].topic) == ("score", "invalid_event", topics.RAW)
    assert dead[0].original() == b'{"event_id": "bad", "channel": "fax"}'
    assert worker.alive(), "the worker must survive a malformed record"
    backend.close()


def test_raw_complaint_becomes_a_customer_alert_in_the_scoring_pass(
    broker: TansuBroker, settings: Settings, start_worker: Callable[..., Worker]
) -> None:
    """Fused stages (the default): a raw complaint reaches alerts.customer.v1 without a second agent."""
    from datetime import UTC, datetime

    from ripple.contracts import CustomerAlert, RawFeedback

    worker = start_worker()
    now = datetime.now(UTC)
    events = [
        RawFeedback(event_id="fa-1", customer_id="angry-1", channel="email", event_time=now,
                    text="Worst service ever. The parcel never arrived, nobody answers, I'm going to the competition."),
        RawFeedback(event_id="fa-2", customer_id="happy-1", channel="chat", event_time=now,
                    text="Thank you, the agent was friendly and solved everything in five minutes!"),
    ]
    producer = make_producer(settings)
    try:
        send_all(producer, events)
    finally:
        producer.close()
    alerts = [parse(CustomerAlert, m.value) for m in consume_all(broker.bootstrap, topics.CUSTOMER_ALERTS, 1, 90)]
    assert worker.alive(), worker.tail()
    assert {a.customer_id for a in alerts} == {"angry-1"}
    assert alerts[0].trigger_event_id == "fa-1" and alerts[0].kind.value == "opened"


def test_worker_serves_prometheus_metrics(
    broker: TansuBroker, settings: Settings, start_worker: Callable[..., Worker]
) -> None:
    """RIPPLE_METRICS_PORT: the worker exposes ripple_* metrics for Prometheus to scrape."""
    import urllib.request

    from ripple.dev.procs import free_port

    port = free_port()
    worker = start_worker(RIPPLE_METRICS_PORT=str(port))
    producer = make_producer(settings)
    try:
        send_all(producer, list(Simulator(seed=3, mix={"en": 1.0}).events(20)))
    finally:
        producer.close()
    consume_all(broker.bootstrap, topics.SCORED, 20, 90)

    def scraped() -> bool:
        assert worker.alive(), worker.tail()
        try:
            body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
        except OSError:
            return False
        return 'ripple_stream_events_total{stage="score"} 20.0' in body

    wait_until(scraped, 30, "the worker's /metrics to count 20 scored events")
