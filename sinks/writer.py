"""The ClickHouse sink: one consumer group (librdkafka, ``sinks.kafka_client``) writing every sink topic to its table.

Delivery is at-least-once made exact by idempotent writes:

* batches are cut deterministically from offset ranges (``sinks.batching``), one partition per
  batch, so a replay after a crash rebuilds the same batches and the same dedup tokens;
* each insert carries ``insert_deduplication_token`` = table:topic:partition:first-end where the
  server has tokens (22.2+), and every table is a ReplacingMergeTree keyed by the record's
  identity, read with dedup-safe queries, so a repeated insert is never counted twice on 18.16
  either;
* offsets are committed only after the insert (and any dead letters) succeeded.

While ClickHouse is down, every assigned partition is paused (memory stays bounded), ``poll`` keeps
being called so the group membership stays alive, and the insert is retried with exponential
backoff and full jitter. A record that cannot be mapped, or that the server rejects, goes to the
dead-letter topic with the reason; a rejected batch is bisected so one poison record never blocks
the others. On a rebalance, unwritten rows of revoked partitions are dropped: their offsets were
not committed, so the new owner reads them again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from ripple import topics
from ripple.contracts import DeadLetter
from ripple.settings import Settings
from sinks import metrics
from sinks.batching import Batcher, PartitionBatch
from sinks.clickhouse.backend import Backend, ClickHouseError, Columns
from sinks.clickhouse.rows import (
    FEEDBACK_COLUMNS,
    MAPPINGS,
    Row,
    RowError,
    Source,
    Sources,
    TableMapping,
    dead_letter_row,
)
from sinks.clickhouse.schema import Capabilities

log = logging.getLogger("ripple.sink")


def backoff_delays(base: float = 0.2, cap: float = 10.0) -> Callable[[int], float]:
    """Full-jitter exponential backoff (AWS architecture blog): random in [0, min(cap, base*2^n)]."""
    return lambda attempt: random.uniform(0, min(cap, base * (2**attempt)))


_EVENT_TIME = FEEDBACK_COLUMNS.index("event_time")
_LIVE_S = 3600.0


def _observe_e2e_latency(rows: list[Row] | Columns, every: int = 10) -> None:
    """Feedback given -> row in ClickHouse, for live traffic only (imports of old exports would swamp it).

    Every ``every``-th row is observed: the histogram is for dashboards and alerts, and one observe per
    row would cost the sink ~2% of its throughput. ``Columns`` hold event times as epoch seconds.
    """
    if isinstance(rows, Columns):
        now_s = time.time()
        ages = [now_s - t for t in rows.data[_EVENT_TIME][::every]]
    else:
        now = datetime.now(UTC).replace(tzinfo=None)
        ages = [(now - row[_EVENT_TIME]).total_seconds() for row in rows[::every]]
    for age in ages:
        if 0 <= age <= _LIVE_S:
            metrics.E2E_LATENCY.observe(age)


def tune_gc() -> None:
    """Tune the cyclic garbage collector for a process whose main job is the sink (``ripple sink``).

    The sink allocates a few container objects per record (librdkafka messages, row values) and
    keeps whole batches alive between polls, so with the default thresholds the collector ran full
    collections over every live batch: ~9% of the sink's CPU in profiles. Nothing on the hot path
    creates reference cycles, so collecting far less often is safe; startup objects are frozen out
    of every scan. Called by the CLI (and the benchmark), not by ``Sink`` itself, since it is
    process-wide.
    """
    import gc

    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


class Sink:
    """Consume the sink topics and write them to ClickHouse; ``run`` until ``stop_event`` is set."""

    def __init__(
        self,
        settings: Settings,
        backend: Backend,
        group_id: str | None = None,
        topic_names: Sequence[str] | None = None,
        mappings: dict[str, TableMapping] | None = None,
    ) -> None:
        from sinks.kafka_client import DeadLetterProducer, SinkConsumer

        self.settings = settings
        self.backend = backend
        known = mappings or MAPPINGS
        self.mappings: dict[str, TableMapping] = {t: known[t] for t in (topic_names or list(known))}
        self.caps = Capabilities(backend.version())
        self.consumer = SinkConsumer(
            settings.broker_list(),
            group_id or settings.sink_group,
            list(self.mappings),
            on_revoked=self._revoked,
            on_assigned=self._assigned,
            max_poll_records=settings.sink_max_poll_records,
            max_poll_interval_ms=int(max(settings.max_poll_interval_s, 8) * 1000),
            session_timeout_ms=int(max(settings.session_timeout_s, 6) * 1000),
        )
        self.producer = DeadLetterProducer(settings.broker_list())
        self.batcher = Batcher(
            settings.sink_batch_rows, settings.sink_batch_seconds, settings.sink_grace_seconds
        )
        self.stop_event = threading.Event()
        self.delay = backoff_delays(settings.sink_retry_base_s, settings.sink_retry_cap_s)
        self.rows_written = 0
        self.dead_lettered = 0
        self._to_commit: dict[Any, int] = {}
        self.committed: dict[Any, int] = {}
        """Last committed offset per partition (for tests, tools and the lag gauge)."""
        self.max_pending = 0
        self.max_inflight = 2
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ripple-sink-insert")
        self._inflight: deque[tuple[PartitionBatch, Future[None]]] = deque()
        self._dl_pending = False
        self._attempt = 0
        self._retry_at = 0.0
        self._down = False
        self._paused = False
        self._last_lag = 0.0
        # Servers without TTL get the retention mutation at start and then every interval.
        self._last_retention = float("-inf") if not self.caps.ttl else float("inf")

    # -- the loop -----------------------------------------------------------------------------
    def run(self) -> None:
        """Consume until ``stop_event`` is set. Unflushed rows are left uncommitted (redelivered)."""
        if self.settings.metrics_port:
            metrics.serve(self.settings.metrics_port)
        try:
            while not self.stop_event.is_set():
                self.step()
        finally:
            self.close()

    def step(self) -> None:
        """One iteration: poll, cut batches, insert what is ready, commit, apply backpressure."""
        now = time.monotonic()
        if self._inflight:
            timeout_ms = 50 if self._down else 10  # a probe may hang: poll calmly meanwhile
        elif self._down:
            timeout_ms = max(0, min(1000, int((self._retry_at - now) * 1000)))
        else:
            timeout_ms = 100
        records = self.consumer.poll(timeout_ms=timeout_ms)
        for tp, (offsets, timestamps, values, keys) in records.items():
            self.batcher.extend(tp, offsets, timestamps, values, keys)
        self.batcher.close_due(int(time.time() * 1000), self._caught_up())
        self._flush_ready()
        self._commit()
        self._backpressure()
        if time.monotonic() - self._last_lag >= 1.0:
            self._update_lag()
        if time.monotonic() - self._last_retention >= self.settings.sink_retention_interval_s:
            self._retention()

    def _caught_up(self) -> dict[Hashable, bool]:
        out: dict[Hashable, bool] = {}
        for tp in self.batcher.open:
            try:
                hw = self.consumer.highwater(tp)
                pos = self.consumer.position(tp) if hw is not None else None
            except Exception:
                hw, pos = None, None
            out[tp] = hw is not None and pos is not None and pos >= hw
        return out

    # -- inserting ----------------------------------------------------------------------------
    # Inserts run on one background thread so the next batch is fetched and validated while the
    # server writes the previous one. Completions are handled strictly in submission order, and
    # only here, on the consumer's thread, are offsets committed (the consumer is used from this
    # thread only; its rebalance callbacks run inside ``poll`` here too).
    def _flush_ready(self) -> None:
        self._reap(block=False)
        if self._down and time.monotonic() < self._retry_at:
            return
        # After an outage a single batch probes the server; the consumer thread never blocks on
        # it (a hung server can hold an insert for the whole socket timeout) and keeps polling.
        limit = 1 if self._down else self.max_inflight
        while self.batcher.ready and len(self._inflight) < limit:
            batch = self.batcher.ready.pop(0)
            self._inflight.append((batch, self._executor.submit(self._write, batch)))

    def _reap(self, block: bool) -> None:
        """Handle finished inserts in order; on a retryable failure requeue everything in flight."""
        while self._inflight:
            batch, future = self._inflight[0]
            if not block and not future.done():
                return
            try:
                future.result()
            except ClickHouseError as exc:
                # Later in-flight batches must not be committed before this one: wait for them and
                # put all back, in order (a repeat insert is absorbed by token / ReplacingMergeTree).
                requeue = [b for b, f in self._inflight]
                for _, f in self._inflight:
                    f.exception()
                self._inflight.clear()
                self.batcher.ready[:0] = requeue
                self._outage(exc)
                return
            self._inflight.popleft()
            self._to_commit[batch.key] = batch.end
            if self._down:
                log.warning("ClickHouse is back after %d retries", self._attempt)
            self._down = False
            self._attempt = 0

    def _write(self, batch: PartitionBatch) -> None:
        """Map and insert one batch; dead-letter what cannot be written. Raises only retryable errors."""
        tp: Any = batch.key
        mapping = self.mappings[tp.topic]
        if batch.mapped is None:  # map (and dead-letter) once, even if the insert is retried
            batch.mapped = self._map(mapping, tp, batch)
        rows, sources, values = batch.mapped
        prefix = f"{mapping.table}:{tp.topic}:{tp.partition}"
        self._insert_isolating(mapping, tp, prefix, batch, rows, sources, values, top=True)

    def _map(
        self, mapping: TableMapping, tp: Any, batch: PartitionBatch
    ) -> tuple[list[Row] | Columns, Sequence[Source], list[bytes]]:
        rows: list[Row] = []
        sources: list[Source] = []
        values: list[bytes] = []
        if None in batch.values:  # tombstones (value None, e.g. after an erasure) carry nothing to write
            live = [
                (v, o, k)
                for v, o, k in zip(batch.values, batch.offsets, batch.keys, strict=True)
                if v is not None
            ]
            vals: list[bytes] = [v for v, _, _ in live]
            srcs: Sequence[Source] = [Source(tp.partition, o, k) for _, o, k in live]
        else:
            vals = batch.values  # type: ignore[assignment]  # no None in it (checked above)
            srcs = Sources(tp.partition, batch.offsets, batch.keys)
        if vals and mapping.map_columns is not None:
            cols, kept, rejects = mapping.map_columns(vals, srcs)
            for i, err in rejects:
                self._reject(mapping, tp, vals[i], srcs[i], err.reason, err.detail, rows, sources, values)
            if len(kept) == len(vals):
                return cols, srcs, vals
            return cols, [srcs[i] for i in kept], [vals[i] for i in kept]
        if vals:
            for value, src, mapped in zip(vals, srcs, mapping.map_batch(vals, srcs), strict=True):
                if isinstance(mapped, RowError):
                    self._reject(mapping, tp, value, src, mapped.reason, mapped.detail, rows, sources, values)
                else:
                    rows.append(mapped)
                    sources.append(src)
                    values.append(value)
        return rows, sources, values

    def _insert_isolating(
        self,
        mapping: TableMapping,
        tp: Any,
        prefix: str,
        batch: PartitionBatch,
        rows: list[Row] | Columns,
        sources: Sequence[Source],
        values: list[bytes],
        top: bool = False,
    ) -> None:
        """Insert; when the server rejects the rows, bisect to dead-letter only the bad ones."""
        if not rows:
            return
        token = batch.token(prefix) if top else batch.token(prefix, sources[0].offset, sources[-1].offset + 1)
        started = time.perf_counter()
        try:
            self.backend.insert(mapping.table, mapping.columns, rows, dedup_token=token)
        except ClickHouseError as exc:
            metrics.INSERT_FAILURES.labels(mapping.table, str(exc.retryable).lower()).inc()
            if not exc.data_error:
                raise
            if len(rows) == 1:
                log.error("%s rejected record %s@%d: %s", mapping.table, tp.topic, sources[0].offset, exc)
                self._reject(mapping, tp, values[0], sources[0], "insert_rejected", str(exc), [], [], [])
                return
            mid = len(rows) // 2
            self._insert_isolating(mapping, tp, prefix, batch, rows[:mid], sources[:mid], values[:mid])
            self._insert_isolating(mapping, tp, prefix, batch, rows[mid:], sources[mid:], values[mid:])
            return
        metrics.INSERT_SECONDS.labels(mapping.table).observe(time.perf_counter() - started)
        metrics.ROWS_WRITTEN.labels(mapping.table).inc(len(rows))
        metrics.BATCH_ROWS.labels(mapping.table).observe(len(rows))
        self.rows_written += len(rows)
        if mapping.table == "feedback_events":
            _observe_e2e_latency(rows)

    def _reject(
        self,
        mapping: TableMapping,
        tp: Any,
        value: bytes,
        src: Source,
        reason: str,
        detail: str,
        rows: list[Row],
        sources: list[Source],
        values: list[bytes],
    ) -> None:
        """Send a record the sink cannot write to the dead-letter topic with stage and reason.

        A broken record *of the dead-letter topic itself* is not sent back there (that would loop);
        it becomes a ``dead_letters`` row of its own, appended to the batch being built.
        """
        metrics.DEADLETTERS.labels(reason).inc()
        self.dead_lettered += 1
        dl = DeadLetter.of(
            "sink",
            reason,
            value,
            detail,
            topic=tp.topic,
            partition=tp.partition,
            offset=src.offset,
            key=src.key,
        )
        if tp.topic == topics.DEADLETTER:
            row = dead_letter_row(dl.model_dump(mode="json"), src)
            if reason != "insert_rejected":
                rows.append(row)
                sources.append(src)
                values.append(value)
            else:
                log.error("dropping unwritable dead letter %s@%d: %s", tp.topic, src.offset, detail[:200])
            return
        self.producer.send(topics.DEADLETTER, src.key, dl.to_json())
        self._dl_pending = True

    def _outage(self, exc: ClickHouseError) -> None:
        wait = self.delay(self._attempt)
        self._attempt += 1
        self._retry_at = time.monotonic() + wait
        if not self._down:
            log.warning("ClickHouse unavailable (%s); pausing consumption and retrying", exc)
        else:
            log.info("ClickHouse still unavailable (%s); retry %d in %.1fs", exc, self._attempt, wait)
        self._down = True

    def _commit(self) -> None:
        if not self._to_commit:
            return
        if self._dl_pending:
            # Reset before flushing: a dead letter sent meanwhile by the insert thread keeps the
            # flag for the next commit, and everything sent so far is covered by this flush.
            self._dl_pending = False
            # Dead letters must be durable before their offsets are committed: an undelivered one
            # raises here, nothing is committed, and the records are read (and dead-lettered) again.
            self.producer.flush()
        assigned = self.consumer.assignment()
        offsets = {tp: off for tp, off in self._to_commit.items() if tp in assigned}
        self._to_commit = {}
        if offsets:
            try:
                self.consumer.commit(offsets)
                self.committed.update(offsets)
            except Exception as exc:
                log.warning("offset commit failed (rows will be replayed idempotently): %s", exc)

    # -- flow control and rebalances ------------------------------------------------------------
    def _backpressure(self) -> None:
        pending = self.batcher.pending() + sum(len(b) for b, _ in self._inflight)
        self.max_pending = max(self.max_pending, pending)
        metrics.PENDING_ROWS.set(pending)
        should_pause = self._down or pending >= self.settings.sink_max_pending_rows
        if should_pause and not self._paused:
            self.consumer.pause(*self.consumer.assignment())
            self._paused = True
        elif not should_pause and self._paused:
            self.consumer.resume(*self.consumer.paused())
            self._paused = False
        metrics.PAUSED.set(1 if self._paused else 0)

    def _revoked(self, revoked: set[Any]) -> None:
        self._reap(block=True)  # let running inserts finish so what they wrote is committed now
        self._commit()
        dropped = self.batcher.drop(revoked)
        for tp in revoked:
            self._to_commit.pop(tp, None)
        if dropped:
            log.info(
                "rebalance: dropped %d unwritten records of %d revoked partitions", dropped, len(revoked)
            )

    def _assigned(self, assigned: set[Any]) -> None:
        if self._paused and assigned:
            self.consumer.pause(*assigned)

    def _update_lag(self) -> None:
        self._last_lag = time.monotonic()
        lag: dict[str, int] = {}
        for tp in self.consumer.assignment():
            try:
                hw = self.consumer.highwater(tp)
                pos = self.consumer.position(tp)
            except Exception:
                continue
            if hw is not None and pos is not None:
                table = self.mappings[tp.topic].table
                lag[table] = lag.get(table, 0) + max(0, hw - pos)
        for table, value in lag.items():
            metrics.LAG.labels(table).set(value)

    def _retention(self) -> None:
        from sinks.clickhouse.retention import enforce

        self._last_retention = time.monotonic()
        try:
            enforce(self.backend, self.settings.retention_days, wait=False)
        except ClickHouseError as exc:
            log.warning("retention run failed (will retry next interval): %s", exc)

    def close(self) -> None:
        try:
            self._reap(block=True)
            self._commit()
        except Exception as exc:
            log.warning("final commit failed: %s", exc)
        self._executor.shutdown(wait=True)
        try:
            self.consumer.close()
        finally:
            self.producer.close(timeout=5)


FeedbackSink = Sink
"""The original single-topic name, kept for callers (demo, CLI)."""
