"""The customers stage in a real faust worker against a real Tansu broker.

SLA timers must fire with no further events, follow-ups close the loop, and a SIGKILLed worker
recovers customer state from the changelog without re-raising closed alerts.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from producers.kafka import make_producer
from ripple import topics
from ripple.contracts import AlertKind, AlertStatus, CustomerAlert, FollowupEvent, ScoredFeedback, parse
from ripple.dev.procs import free_port, stop_process, wait_until
from ripple.settings import Settings
from streams.customers.followups import send_followup
from streams.customers.journeys import scored

pytestmark = pytest.mark.integration

ON_TIME_S = 0.2 + 1.5 + 1.3  # timer interval + Tansu's held fetch + produce/consume slack on a busy box


class Alerts:
    """Reads alerts.customer.v1 from the beginning (no consumer group) and keeps everything seen."""

    def __init__(self, bootstrap: str) -> None:
        from kafka import KafkaConsumer, TopicPartition

        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
        )
        tps = [
            TopicPartition(topics.CUSTOMER_ALERTS, p)
            for p in self.consumer.partitions_for_topic(topics.CUSTOMER_ALERTS) or set()
        ]
        self.consumer.assign(tps)
        self.consumer.seek_to_beginning(*tps)
        self.seen: list[tuple[CustomerAlert, float]] = []  # (alert, broker timestamp in s)

    def wait_for(
        self, pred: Callable[[CustomerAlert], bool], what: str, timeout: float = 60
    ) -> CustomerAlert:
        def check() -> bool:
            for msgs in self.consumer.poll(timeout_ms=100).values():
                self.seen.extend((parse(CustomerAlert, m.value), m.timestamp / 1000) for m in msgs)
            return any(pred(a) for a, _ in self.seen)

        wait_until(check, timeout, what, interval=0)
        return next(a for a, _ in self.seen if pred(a))

    def of(self, customer_id: str) -> list[CustomerAlert]:
        return [a for a, _ in self.seen if a.customer_id == customer_id]

    def close(self) -> None:
        self.consumer.close()


def produce(settings: Settings, *records: ScoredFeedback | FollowupEvent) -> None:
    producer = make_producer(settings)
    try:
        futures: list[Any] = []
        for r in records:
            if isinstance(r, FollowupEvent):
                futures.append(send_followup(producer, r))
            else:
                futures.append(producer.send(topics.SCORED, key=r.customer_id.encode(), value=r.to_json()))
        producer.flush()
        for f in futures:
            f.get(timeout=30)
    finally:
        producer.close()


def run_worker(start_worker: Callable[..., Any], **env: str) -> Any:
    """A worker whose customers stage runs as its own agent over feedback.scored.v1 (not fused into the
    scoring pass), because these tests feed scored events directly."""
    return start_worker(WEB_PORT=str(free_port()), RIPPLE_FUSED_STAGES="false", **env)


def now() -> datetime:
    return datetime.now(UTC)


def completed(alert: CustomerAlert, eid: str) -> FollowupEvent:
    return FollowupEvent(
        event_id=eid,
        customer_id=alert.customer_id,
        alert_id=alert.alert_id,
        kind="followup.completed",
        owner="team-a",
        at=now(),
    )


def is_(customer: str, kind: AlertKind) -> Callable[[CustomerAlert], bool]:
    return lambda a: a.customer_id == customer and a.kind is kind


def test_sla_warning_and_breach_fire_on_time_without_further_events(
    broker: Any, settings: Settings, start_worker: Callable[..., Any]
) -> None:
    worker = run_worker(
        start_worker,
        RIPPLE_CUSTOMERS_WARN_SECONDS="3",
        RIPPLE_CUSTOMERS_SLA_SECONDS="5",
        RIPPLE_CUSTOMERS_TICK_INTERVAL_S="0.2",
    )
    alerts = Alerts(broker.bootstrap)
    try:
        # Warm-up: the worker has joined the group and processes events once this alert appears.
        produce(settings, scored("warm", "w1", now(), -0.9))
        alerts.wait_for(is_("warm", AlertKind.OPENED), "warm-up alert", timeout=90)
        produce(
            settings,
            scored("late", "l1", now(), -0.9, text="Terrible, still waiting"),
            scored("fixed", "f1", now(), -0.1, cues=("churn_threat",)),
        )
        opened = alerts.wait_for(is_("fixed", AlertKind.OPENED), "alert for 'fixed'")
        produce(settings, completed(opened, "fu-1"))
        closed = alerts.wait_for(is_("fixed", AlertKind.CLOSED), "closed for 'fixed'")
        assert closed.status is AlertStatus.CLOSED and closed.owner == "team-a"
        assert closed.time_to_close_s is not None and 0 <= closed.time_to_close_s < 5
        # Nothing else is produced from here on: only the timer can make these appear.
        warn = alerts.wait_for(is_("late", AlertKind.SLA_WARNING), "SLA warning", timeout=30)
        breach = alerts.wait_for(is_("late", AlertKind.SLA_BREACH), "SLA breach", timeout=30)
        assert warn.warn_at is not None and breach.due_by is not None
        # On time: one timer interval plus one hop through the broker. Tansu holds a fetch for up to
        # faust's 1.5 s fetch wait before it hands over the tick, hence the bound (Kafka answers at once).
        late_warn = (warn.emitted_at - warn.warn_at).total_seconds()
        late_breach = (breach.emitted_at - breach.due_by).total_seconds()
        assert 0 <= late_warn < ON_TIME_S and 0 <= late_breach < ON_TIME_S, (late_warn, late_breach)
        assert (breach.due_by - warn.warn_at) == timedelta(seconds=2)
        assert warn.alert_id == breach.alert_id and breach.version == warn.version + 1
        # Give the closed alert's deadline time to pass too: it must stay quiet.
        wait_until(lambda: (now() - closed.opened_at).total_seconds() > 6.5, 15, "closed alert's deadline")
        alerts.wait_for(is_("warm", AlertKind.SLA_BREACH), "warm-up breach")
        kinds_fixed = [a.kind for a in alerts.of("fixed")]
        assert AlertKind.SLA_WARNING not in kinds_fixed and AlertKind.SLA_BREACH not in kinds_fixed
        assert [a.kind for a in alerts.of("late")].count(AlertKind.SLA_BREACH) == 1
        assert worker.alive(), worker.tail()
    finally:
        alerts.close()


def test_abuse_path_and_supervisor_alert(
    broker: Any, settings: Settings, start_worker: Callable[..., Any]
) -> None:
    run_worker(start_worker, RIPPLE_CUSTOMERS_TIMEZONE="Asia/Yerevan")
    alerts = Alerts(broker.bootstrap)
    try:
        morning = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)  # 09:30 in Yerevan
        produce(
            settings,
            scored("rude1", "r1", morning, -0.9, cues=("abuse",), agent_id="ag7", duration_s=720.0),
            scored(
                "rude2",
                "r2",
                morning + timedelta(minutes=40),
                -0.8,
                cues=("abuse",),
                agent_id="ag7",
                duration_s=900.0,
            ),
        )
        sup = alerts.wait_for(lambda a: a.kind is AlertKind.AGENT_ABUSE, "agent_abuse alert", timeout=90)
        assert sup.agent_id == "ag7" and sup.hostile_contacts == 2 and sup.exposure_s == 1620
        alerts.wait_for(is_("rude1", AlertKind.ABUSE), "abuse alert rude1")
        alerts.wait_for(is_("rude2", AlertKind.ABUSE), "abuse alert rude2")
        assert not [a for a, _ in alerts.seen if a.kind is AlertKind.OPENED]
    finally:
        alerts.close()


def test_bad_records_become_dead_letters(
    broker: Any, settings: Settings, start_worker: Callable[..., Any]
) -> None:
    from tests.conftest import consume_all

    run_worker(start_worker)
    producer = make_producer(settings)
    producer.send(topics.SCORED, key=b"c1", value=b"{not json")
    producer.send(topics.FOLLOWUPS, key=b"c1", value=b'{"event_id": "x"}')
    producer.send(topics.SCORED, key=b"other", value=scored("c1", "e1", now(), -0.9).to_json())
    producer.flush()
    producer.close()
    from ripple.contracts import DeadLetter

    # The windows stage dead-letters the unparseable scored record too (its own agent, its own letter).
    mine: list[DeadLetter] = []

    def three_of_ours() -> bool:
        records = consume_all(broker.bootstrap, topics.DEADLETTER, 3, timeout=90)
        mine[:] = [d for d in (parse(DeadLetter, m.value) for m in records) if d.stage == "customers"]
        return len(mine) >= 3

    wait_until(three_of_ours, 90, "three dead letters from the customers stage")
    assert {(d.stage, d.reason) for d in mine} == {
        ("customers", "invalid_event"),
        ("customers", "invalid_followup"),
        ("customers", "key_mismatch"),
    }


@pytest.mark.reliability
@pytest.mark.parametrize("store", ["memory://", "rocksdb://"])
def test_sigkill_keeps_state_and_never_re_raises_closed_alerts(
    broker: Any, settings: Settings, start_worker: Callable[..., Any], store: str
) -> None:
    env = {"RIPPLE_FAUST_STORE": store}
    worker = run_worker(start_worker, **env)
    alerts = Alerts(broker.bootstrap)
    try:
        produce(settings, scored("done", "d1", now(), -0.9), scored("open", "o1", now(), -0.9))
        first = alerts.wait_for(is_("done", AlertKind.OPENED), "opened 'done'", timeout=90)
        alerts.wait_for(is_("open", AlertKind.OPENED), "opened 'open'")
        produce(settings, completed(first, "fu-1"))
        alerts.wait_for(is_("done", AlertKind.CLOSED), "closed 'done'")
        assert worker.proc is not None
        stop_process(worker.proc, deadline=5, sig=signal.SIGKILL)
        worker.proc = None

        run_worker(start_worker, **env)
        # Both answers need the pre-kill state: a positive contact after a closed loop is a recovery
        # of the same alert; on the open customer it closes the open alert.
        produce(settings, scored("done", "d2", now(), 0.8), scored("open", "o2", now(), 0.7))
        rec_done = alerts.wait_for(is_("done", AlertKind.RECOVERED), "recovered 'done'", timeout=120)
        rec_open = alerts.wait_for(is_("open", AlertKind.RECOVERED), "recovered 'open'")
        assert rec_done.alert_id == first.alert_id and rec_done.recovery == pytest.approx(1.7)
        assert rec_open.status is AlertStatus.CLOSED and rec_open.sentiment_before == -0.9
        done = alerts.of("done")
        # Replays may repeat a publication (same id and version, deduped downstream) but never a new episode.
        assert {a.alert_id for a in done} == {first.alert_id}
        assert {(a.kind, a.version) for a in done} == {
            (AlertKind.OPENED, 1),
            (AlertKind.CLOSED, 2),
            (AlertKind.RECOVERED, 3),
        }
    finally:
        alerts.close()
