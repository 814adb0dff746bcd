"""A real Tansu broker and a real faust worker: windows close on the wall clock with no further
traffic, and a restarted worker recovers its window state from the faust table's changelog."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from producers.kafka import make_producer, send_all
from ripple import topics
from ripple.contracts import Channel, RawFeedback, WindowAggregate, parse
from ripple.dev.procs import free_port, wait_until
from ripple.dev.tansu import TansuBroker
from ripple.settings import Settings
from tests.conftest import Worker

pytestmark = pytest.mark.integration

SIZE = 5  # seconds: short windows so the test need not wait for a minute boundary
LATENESS = 1.0
GRACE = 1.0
WINDOW_ENV = {"RIPPLE_WINDOW_SIZE_S": str(SIZE), "RIPPLE_WINDOW_LATENESS_S": str(LATENESS),
              "RIPPLE_WINDOW_IDLE_GRACE_S": str(GRACE), "RIPPLE_WINDOW_TICK_S": "0.5"}


def window_env(**extra: str) -> dict[str, str]:
    """faust's worker command enables its web server on 6066 whatever the app says; a free port per
    worker keeps concurrent test runs apart (faust reads WEB_PORT)."""
    return {**WINDOW_ENV, "WEB_PORT": str(free_port()), **extra}


class Aggregates:
    """Follows feedback.aggregates.v1 from the beginning and notes when each record arrived."""

    def __init__(self, bootstrap: str) -> None:
        from kafka import KafkaConsumer, TopicPartition

        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                      auto_offset_reset="earliest")
        parts = self.consumer.partitions_for_topic(topics.AGGREGATES) or set()
        tps = [TopicPartition(topics.AGGREGATES, p) for p in parts]
        self.consumer.assign(tps)
        self.consumer.seek_to_beginning(*tps)
        self.seen: list[tuple[float, WindowAggregate]] = []

    def poll(self) -> None:
        for msgs in self.consumer.poll(timeout_ms=100).values():
            now = time.time()
            self.seen.extend((now, parse(WindowAggregate, m.value)) for m in msgs)

    def total(self, window_start: datetime) -> tuple[float, WindowAggregate] | None:
        """The latest all-dimensions row of a window, with its arrival time."""
        rows = [(t, a) for t, a in self.seen
                if a.window_start == window_start and (a.channel, a.aspect, a.language) == ("*", "*", "*")]
        return max(rows, key=lambda r: r[1].version) if rows else None

    def close(self) -> None:
        self.consumer.close()


def feedback(i: int, tag: str, when: datetime) -> RawFeedback:
    return RawFeedback(event_id=f"{tag}-{i}", customer_id=f"c{i % 7}", channel=Channel.CHAT, event_time=when,
                       text="My parcel is ten days late, terrible service.", nps=3)


def window_of(ts: float) -> datetime:
    return datetime.fromtimestamp(int(ts // SIZE) * SIZE, UTC)


def wait_for_window_start(margin: float = 0.3) -> float:
    """Sleep to just after a window boundary so a test window is entirely in the future."""
    now = time.time()
    time.sleep(SIZE - (now % SIZE) + margin)
    return time.time()


def test_window_is_emitted_within_seconds_of_its_end_without_further_traffic(
    broker: TansuBroker, settings: Settings, start_worker: Callable[..., Worker]
) -> None:
    worker = start_worker(**window_env())
    producer = make_producer(settings)
    agg = Aggregates(broker.bootstrap)
    try:
        # Warm-up: the first aggregate proves the worker joined the group and its timer runs.
        send_all(producer, [feedback(0, "warm", datetime.now(UTC))])

        def warmed() -> bool:
            assert worker.alive(), worker.tail()
            agg.poll()
            return bool(agg.seen)

        wait_until(warmed, 90, "the warm-up window's aggregate", interval=0)

        sent_at = wait_for_window_start()
        window = window_of(sent_at)
        n = 3
        send_all(producer, [feedback(i, "test", datetime.now(UTC)) for i in range(n)])
        end = window.timestamp() + SIZE
        # ...and then nothing: no later event will push the window closed.

        def emitted() -> bool:
            assert worker.alive(), worker.tail()
            agg.poll()
            keys = {(a.channel, a.aspect, a.language) for _, a in agg.seen if a.window_start == window}
            return {("*", "*", "*"), ("chat", "*", "*"), ("chat", "*", "en")} <= keys

        wait_until(emitted, 30, f"the aggregate of window {window.isoformat()}", interval=0)
        result = agg.total(window)
        assert result is not None
        arrived, row = result
    finally:
        producer.close()
        agg.close()
    delay = arrived - end
    # lateness + idle grace + one timer tick + pipeline delay: a few seconds, not "when traffic resumes"
    assert delay < LATENESS + GRACE + 3.0, f"window emitted {delay:.2f}s after its end"
    assert delay >= LATENESS  # and not before the allowed lateness ran out
    assert (row.count, row.negative, row.detractors, row.late, row.version) == (n, n, n, 0, n)
    assert row.key == f"{window.strftime('%Y-%m-%dT%H:%M:%SZ')}|*|*|*"
    rows = [a for _, a in agg.seen if a.window_start == window]
    assert all(a.count == n and a.version == n for a in rows)  # every series of the window, emitted once
    assert len(rows) == len({a.key for a in rows})


def test_window_state_survives_a_worker_crash(
    broker: TansuBroker, settings: Settings, start_worker: Callable[..., Worker]
) -> None:
    """Events counted before a SIGKILL are recovered from the changelog and emitted once, fully."""
    env = {"RIPPLE_WINDOW_SIZE_S": "20", "RIPPLE_WINDOW_LATENESS_S": "1"}
    size = 20
    worker = start_worker(**window_env(**env))
    producer = make_producer(settings)
    agg = Aggregates(broker.bootstrap)
    from kafka import KafkaConsumer, TopicPartition

    def scored_count() -> int:
        c = KafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False)
        tps = [TopicPartition(topics.SCORED, p) for p in c.partitions_for_topic(topics.SCORED) or set()]
        c.assign(tps)
        c.seek_to_end(*tps)
        total = sum(c.position(tp) for tp in tps)
        c.close()
        return total

    try:
        send_all(producer, [feedback(0, "warm", datetime.now(UTC))])
        wait_until(lambda: worker.alive() and scored_count() >= 1, 90, "the worker to score", interval=0.2)
        # start right after a 20 s boundary so the window stays open across the crash
        now = time.time()
        time.sleep(size - (now % size) + 0.3)
        window = datetime.fromtimestamp(int(time.time() // size) * size, UTC)
        first = [feedback(i, "before", datetime.now(UTC)) for i in range(4)]
        changelog = f"{worker.env['RIPPLE_WORKER_ID']}-windows-state-changelog"
        base = _topic_size(broker.bootstrap, changelog)
        send_all(producer, first)
        wait_until(lambda: _topic_size(broker.bootstrap, changelog) > base, 30, "window state in the changelog",
                   interval=0.2)
        worker.stop(deadline=0.1)  # SIGTERM then SIGKILL almost at once: no orderly shutdown
        assert time.time() < window.timestamp() + size, "the window closed before the crash; test timing"
        worker = start_worker(**window_env(**env))
        second = [feedback(i, "after", datetime.now(UTC)) for i in range(2)]
        send_all(producer, second)

        def emitted() -> bool:
            assert worker.alive(), worker.tail()
            agg.poll()
            got = agg.total(window)
            return got is not None and got[1].count >= 6

        try:
            wait_until(emitted, 90, f"the full aggregate of window {window.isoformat()}", interval=0)
        except TimeoutError as exc:
            raise AssertionError(f"{exc}; rows seen: {[(a.key, a.count) for _, a in agg.seen]}\n"
                                 f"{worker.tail(6000)}") from exc
    finally:
        producer.close()
        agg.close()
    result = agg.total(window)
    assert result is not None
    assert result[1].count == 6  # 4 before the crash + 2 after, nothing doubled or lost


def _topic_size(bootstrap: str, topic: str) -> int:
    from kafka import KafkaConsumer, TopicPartition

    c: Any = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        parts = c.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in parts]
        if not tps:
            return 0
        c.assign(tps)
        c.seek_to_end(*tps)
        return int(sum(c.position(tp) for tp in tps))
    finally:
        c.close()
