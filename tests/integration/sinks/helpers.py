"""Shared pieces of the sink's integration tests: produce records, run a sink, await its commits."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ripple import topics
from ripple.contracts import DeadLetter
from ripple.dev.procs import wait_until
from ripple.settings import Settings
from sinks.clickhouse.backend import Backend
from sinks.sample import scored_events
from sinks.writer import Sink

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def produce(bootstrap: str, topic: str, items: Iterable[tuple[bytes | None, bytes | None]]) -> int:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    n = 0
    for key, value in items:
        producer.send(topic, key=key, value=value)
        n += 1
    producer.flush()
    producer.close()
    return n


def end_offsets(bootstrap: str, names: Iterable[str]) -> dict[Any, int]:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        tps = [TopicPartition(t, p) for t in names for p in (consumer.partitions_for_topic(t) or ())]
        return {tp: off for tp, off in consumer.end_offsets(tps).items() if off}
    finally:
        consumer.close()


@contextmanager
def running(sink: Sink) -> Iterator[Sink]:
    """Run ``sink`` in a thread; stop it and wait for it on the way out."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            sink.run()
        except BaseException as exc:  # surfaced to the test below
            errors.append(exc)

    thread = threading.Thread(target=target, name="sink", daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        sink.stop_event.set()
        thread.join(timeout=30)
    assert not thread.is_alive(), "sink did not stop"
    if errors:
        raise errors[0]


def wait_committed(sink: Sink, bootstrap: str, names: Iterable[str], timeout: float = 90) -> None:
    """Until the sink committed every partition of ``names`` up to its end."""
    ends = end_offsets(bootstrap, names)
    wait_until(
        lambda: all(sink.committed.get(tp, 0) >= off for tp, off in ends.items()),
        timeout,
        f"sink commits to reach {sum(ends.values())} records",
    )


def scored_items(n: int, prefix: str = "ev", seed: int = 7) -> list[tuple[bytes, bytes]]:
    return [(e.customer_id.encode(), e.to_json()) for e in scored_events(n, seed=seed, prefix=prefix)]


def customer_alert(alert_id: str, customer: str, kind: str, minute: int, version: int) -> bytes:
    """A valid ``alerts.customer.v1`` record (the CustomerAlert contract of issue 5)."""
    from ripple.contracts import AlertReason, CustomerAlert

    at = T0 + timedelta(minutes=minute)
    closed = kind == "closed"
    return CustomerAlert(
        alert_id=alert_id, version=version, kind=kind, status="closed" if closed else "open",  # type: ignore[arg-type]
        customer_id=customer, episode=1, severity="high", priority=0.5,  # type: ignore[arg-type]
        reasons=(AlertReason(rule="negative_review", event_ids=("e1",), channels=("review",),  # type: ignore[arg-type]
                             detail="1 star", snippet="parcel ten days late"),),
        estimated_reach=9, recommended_action="call back", opened_at=T0, due_by=T0 + timedelta(hours=10),
        closed_at=at if closed else None, time_to_close_s=(at - T0).total_seconds() if closed else None,
        event_time=at, emitted_at=at + timedelta(seconds=1),
    ).to_json()


def spike_alert(spike_id: str, state: str, minute: int) -> bytes:
    return orjson.dumps(
        {
            "spike_id": spike_id,
            "series": {"channel": "chat", "aspect": "delivery", "language": "en"},
            "state": state,
            "observed": 40.0,
            "expected": 6.5,
            "severity": "page",
            "window_start": (T0 + timedelta(minutes=minute)).isoformat(),
            "started_at": T0.isoformat(),
            "resolved_at": (T0 + timedelta(minutes=minute)).isoformat() if state == "resolved" else None,
            "emitted_at": (T0 + timedelta(minutes=minute, seconds=5)).isoformat(),
        }
    )


def minute_agg(minute: int, channel: str, count: int, version: int) -> bytes:
    return orjson.dumps(
        {
            "window_start": (T0 + timedelta(minutes=minute)).isoformat(),
            "channel": channel,
            "aspect": "delivery",
            "language": "en",
            "count": count,
            "negative": count // 2,
            "satisfaction_sum": -0.5 * count,
            "satisfaction_n": count,
            "promoters": 1,
            "passives": 1,
            "detractors": 2,
            "late": 0,
            "version": version,
        }
    )


def dead_letter(i: int) -> bytes:
    return DeadLetter.of(
        "score",
        "invalid_json",
        b"{not json %d" % i,
        "bad",
        topic=topics.RAW,
        partition=0,
        offset=i,
        key=b"c%06d" % i,
    ).to_json()


def fast(settings: Settings, **extra: Any) -> Settings:
    """Short batches so tests finish quickly (the cutting rules stay the same)."""
    base: dict[str, Any] = {"sink_batch_seconds": 0.3, "sink_grace_seconds": 0.3, "sink_batch_rows": 1000}
    return settings.model_copy(update={**base, **extra})


def make_sink(settings: Settings, backend: Backend, group: str, **kw: Any) -> Sink:
    return Sink(settings, backend, group_id=group, **kw)


class OutageBackend:
    """Fault injection at the backend boundary: a real backend whose inserts fail while "down".

    Used for chDB, which runs in-process and cannot be stopped like a server. While down, every
    insert raises the same retryable ``ClickHouseError`` the server backend raises on a lost
    connection; everything else goes to the real ClickHouse underneath.
    """

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name
        self.down_until = 0.0
        self.failed_inserts = 0

    def down_for(self, seconds: float) -> None:
        import time

        self.down_until = time.monotonic() + seconds

    def version(self) -> tuple[int, ...]:
        return self.inner.version()

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        self.inner.execute(sql, params)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.inner.query(sql, params)

    def query_dicts(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self.inner.query_dicts(sql, params)

    def insert(self, table: str, columns: Any, rows: Any, dedup_token: str | None = None) -> None:
        import time

        from sinks.clickhouse.backend import ClickHouseError

        if time.monotonic() < self.down_until:
            self.failed_inserts += 1
            raise ClickHouseError(
                "ClickHouse unreachable: [Errno 111] Connection refused (injected)", retryable=True
            )
        self.inner.insert(table, columns, rows, dedup_token)

    def close(self) -> None:
        self.inner.close()
