"""The ClickHouse sink: a kafka-python consumer group that writes scored feedback in batches.

Delivery is at-least-once made exact by idempotent writes: a batch is inserted first and its
offsets committed only afterwards, so a crash between the two replays the batch, and the
``event_id``-keyed ReplacingMergeTree (read with FINAL / uniqExact) absorbs the duplicate.
While ClickHouse is down the consumer is paused (bounded memory) and the insert is retried with
exponential backoff and jitter.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError

from ripple import topics
from ripple.contracts import DeadLetter, ScoredFeedback
from ripple.settings import Settings
from sinks import metrics
from sinks.clickhouse.backend import Backend, ClickHouseError
from sinks.clickhouse.rows import FEEDBACK_COLUMNS, feedback_row

log = logging.getLogger("ripple.sink")

TABLE = "feedback_events"


@dataclass
class Batch:
    """Rows pending for one flush, with the next offset to commit per partition."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    next_offsets: dict[Any, int] = field(default_factory=dict)
    started: float = 0.0

    def add(self, tp: Any, offset: int, row: tuple[Any, ...] | None) -> None:
        if not self.rows and not self.next_offsets:
            self.started = time.monotonic()
        if row is not None:
            self.rows.append(row)
        self.next_offsets[tp] = offset + 1

    def dedup_token(self, first_offsets: dict[Any, int]) -> str:
        """Deterministic for the same offset ranges, so a replayed batch is recognised."""
        parts = sorted(f"{tp.topic}:{tp.partition}:{first_offsets[tp]}-{end}" for tp, end in self.next_offsets.items())
        return "|".join(parts)

    def __len__(self) -> int:
        return len(self.rows)


def backoff_delays(base: float = 0.2, cap: float = 10.0) -> Callable[[int], float]:
    """Full-jitter exponential backoff (AWS architecture blog): random in [0, min(cap, base*2^n)]."""
    return lambda attempt: random.uniform(0, min(cap, base * (2**attempt)))


class FeedbackSink:
    def __init__(self, settings: Settings, backend: Backend, group_id: str | None = None) -> None:
        from kafka import KafkaConsumer, KafkaProducer

        self.settings = settings
        self.backend = backend
        self.consumer = KafkaConsumer(
            topics.SCORED,
            bootstrap_servers=settings.broker_list(),
            group_id=group_id or settings.sink_group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=max(settings.max_poll_records, 500),
            max_poll_interval_ms=int(max(settings.max_poll_interval_s, 8) * 1000),
            session_timeout_ms=int(max(settings.max_poll_interval_s, 8) * 1000),
            heartbeat_interval_ms=1000,
            fetch_max_bytes=64 * 1024 * 1024,
            max_partition_fetch_bytes=8 * 1024 * 1024,
        )
        self.producer = KafkaProducer(
            bootstrap_servers=settings.broker_list(), acks="all", enable_idempotence=True, linger_ms=5
        )
        self.stop_event = threading.Event()
        self.delay = backoff_delays()
        self.rows_written = 0
        self._batch = Batch()
        self._first: dict[Any, int] = {}

    # -- the loop -----------------------------------------------------------------------------
    def run(self) -> None:
        """Consume until ``stop_event`` is set; flush what is pending on the way out."""
        try:
            while not self.stop_event.is_set():
                records = self.consumer.poll(timeout_ms=100)
                for tp, msgs in records.items():
                    for msg in msgs:
                        self._first.setdefault(tp, msg.offset)
                        self._batch.add(tp, msg.offset, self._row(msg))
                if self._due():
                    self.flush()
            self.flush()
        finally:
            self.close()

    def _due(self) -> bool:
        b = self._batch
        if not b.next_offsets:
            return False
        age = time.monotonic() - b.started
        return len(b) >= self.settings.sink_batch_rows or age >= self.settings.sink_batch_seconds

    def _row(self, msg: Any) -> tuple[Any, ...] | None:
        try:
            ev = ScoredFeedback.model_validate_json(msg.value)
        except (ValidationError, ValueError) as exc:
            self._dead_letter(msg, "invalid_scored_event", str(exc))
            return None
        return feedback_row(ev, msg.partition, msg.offset)

    def _dead_letter(self, msg: Any, reason: str, detail: str) -> None:
        metrics.DEADLETTERS.labels(reason).inc()
        dl = DeadLetter.of("sink", reason, msg.value or b"", detail, topic=msg.topic, partition=msg.partition,
                           offset=msg.offset, key=msg.key)
        self.producer.send(topics.DEADLETTER, key=msg.key, value=dl.to_json())

    def flush(self) -> None:
        """Insert the batch (retrying while ClickHouse is down), then commit its offsets."""
        batch = self._batch
        if not batch.next_offsets:
            return
        token = batch.dedup_token(self._first)
        attempt = 0
        paused = False
        while True:
            try:
                started = time.perf_counter()
                self.backend.insert(TABLE, FEEDBACK_COLUMNS, batch.rows, dedup_token=token)
                metrics.INSERT_SECONDS.labels(TABLE).observe(time.perf_counter() - started)
                break
            except ClickHouseError as exc:
                metrics.INSERT_FAILURES.labels(TABLE, str(exc.retryable).lower()).inc()
                if not exc.retryable:
                    log.error("insert rejected, dead-lettering %d rows: %s", len(batch), exc)
                    self._dead_letter_batch(batch, str(exc))
                    break
                if not paused:
                    self.consumer.pause(*self.consumer.assignment())
                    paused = True
                wait = self.delay(attempt)
                attempt += 1
                log.warning("ClickHouse unavailable (%s); retry %d in %.1fs", exc, attempt, wait)
                # poll() while paused returns nothing but keeps the group membership alive.
                self.consumer.poll(timeout_ms=int(wait * 1000))
                if self.stop_event.is_set() and attempt > 3:
                    log.error("stopping with %d rows unwritten; they will be redelivered", len(batch))
                    self._reset()
                    return
        if paused:
            self.consumer.resume(*self.consumer.paused())
        metrics.ROWS_WRITTEN.labels(TABLE).inc(len(batch))
        metrics.BATCH_ROWS.labels(TABLE).observe(len(batch))
        self.rows_written += len(batch)
        self.producer.flush()
        from kafka.structs import OffsetAndMetadata

        self.consumer.commit({tp: OffsetAndMetadata(off, "", -1) for tp, off in batch.next_offsets.items()})
        self._reset()

    def _dead_letter_batch(self, batch: Batch, detail: str) -> None:
        for row in batch.rows:
            payload = dict(zip(FEEDBACK_COLUMNS, row, strict=True))
            raw = orjson.dumps(payload, default=str)
            dl = DeadLetter.of("sink", "insert_rejected", raw, detail, topic=topics.SCORED,
                               partition=int(payload["kafka_partition"]), offset=int(payload["kafka_offset"]))
            self.producer.send(topics.DEADLETTER, value=dl.to_json())
        metrics.DEADLETTERS.labels("insert_rejected").inc(len(batch))

    def _reset(self) -> None:
        self._batch = Batch()
        self._first = {}

    def close(self) -> None:
        try:
            self.consumer.close(autocommit=False)
        finally:
            self.producer.close(timeout=5)
