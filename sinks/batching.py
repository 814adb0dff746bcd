"""Deterministic batches cut from offset ranges (pure logic, unit-tested without Kafka).

Exactly-once into ClickHouse rests on a replay producing the *same* batches, hence the same
``insert_deduplication_token`` values (and the same materialised-view inputs), as the run that
crashed. So a batch boundary never depends on poll timing, only on the records themselves:

* size: a partition's batch ends at every multiple of ``batch_rows`` offsets (aligned, so a
  replay starting at any committed offset still cuts at the same places);
* time: a batch spans at most ``span`` seconds of Kafka record time, anchored at its first
  record: the first record stamped ``first + span`` or later starts a new batch.

The open (last) batch of a partition is flushed on wall-clock time only once ``span`` has passed
since its first record's timestamp (plus ``grace`` for clock skew) *and* the consumer has caught up
with the partition. Any record arriving after that flush carries a timestamp past the span, so a
replay cuts at the same offset. (A producer clock skewed by more than the grace can still move a
cut; the event_id-keyed ReplacingMergeTree keeps counts exact in that case too.)

The price of determinism: when a backlog is replayed, a batch holds at most ``span`` seconds of
production, so a slowly produced backlog drains in smaller inserts than ``batch_rows``. ``span``
(``RIPPLE_SINK_BATCH_SECONDS``) trades that against the end-to-end latency of live data.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PartitionBatch:
    """Records of one topic-partition in one offset range ``[start, end)``."""

    key: Hashable
    start: int
    end: int
    first_ts: int | None
    values: list[bytes | None] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    keys: list[bytes | None] = field(default_factory=list)
    closed: bool = False
    mapped: Any = None
    """The writer's mapped rows, kept so a retried insert does not map or dead-letter twice."""

    def token(self, prefix: str, first: int | None = None, end: int | None = None) -> str:
        """Dedup token for this range (or a sub-range of it); the same range gives the same token."""
        return f"{prefix}:{first if first is not None else self.start}-{end if end is not None else self.end}"

    def __len__(self) -> int:
        return len(self.offsets)


class Batcher:
    """Accumulates records per partition and hands out closed batches in offset order."""

    def __init__(self, batch_rows: int, batch_seconds: float, grace_seconds: float) -> None:
        self.batch_rows = max(1, int(batch_rows))
        self.span_ms = max(1, int(batch_seconds * 1000))
        self.grace_ms = int(grace_seconds * 1000)
        self.open: dict[Hashable, PartitionBatch] = {}
        self.ready: list[PartitionBatch] = []

    def _close(self, key: Hashable) -> None:
        batch = self.open.pop(key)
        batch.closed = True
        self.ready.append(batch)

    def add(
        self,
        key: Hashable,
        offset: int,
        timestamp_ms: int | None,
        value: bytes | None,
        record_key: bytes | None = None,
    ) -> None:
        """Add one record; closes the partition's batch at size and time boundaries."""
        ts = timestamp_ms if timestamp_ms is not None and timestamp_ms >= 0 else None
        current = self.open.get(key)
        if current is not None and (offset % self.batch_rows == 0 or self._past_span(current, ts)):
            self._close(key)
            current = None
        if current is None:
            current = self.open[key] = PartitionBatch(key, offset, offset, ts)
        current.values.append(value)
        current.offsets.append(offset)
        current.keys.append(record_key)
        current.end = offset + 1
        if (offset + 1) % self.batch_rows == 0:
            self._close(key)

    def extend(
        self,
        key: Hashable,
        offsets: list[int],
        timestamps: list[int | None],
        values: list[bytes | None],
        record_keys: list[bytes | None],
    ) -> None:
        """``add`` for a run of one partition's records (parallel lists, offset order): same cuts.

        The sink's hot path: the records between two cuts are appended as slices instead of one
        call per record.
        """
        n = len(offsets)
        rows = self.batch_rows
        i = 0
        while i < n:
            ts = timestamps[i]
            if ts is not None and ts < 0:
                ts = None
            current = self.open.get(key)
            if current is not None and (offsets[i] % rows == 0 or self._past_span(current, ts)):
                self._close(key)
                current = None
            if current is None:
                current = self.open[key] = PartitionBatch(key, offsets[i], offsets[i], ts)
            # j: the first record after i that must start a new batch (aligned size cut or span end).
            limit = current.first_ts + self.span_ms if current.first_ts is not None else None
            j = i + 1
            while j < n:
                if offsets[j] % rows == 0 or (offsets[j - 1] + 1) % rows == 0:
                    break
                t = timestamps[j]
                if limit is not None and t is not None and t >= limit:
                    break
                j += 1
            current.values.extend(values[i:j])
            current.offsets.extend(offsets[i:j])
            current.keys.extend(record_keys[i:j])
            current.end = offsets[j - 1] + 1
            if current.end % rows == 0:
                self._close(key)
            i = j

    def _past_span(self, batch: PartitionBatch, ts: int | None) -> bool:
        return ts is not None and batch.first_ts is not None and ts >= batch.first_ts + self.span_ms

    def close_due(self, now_ms: int, caught_up: dict[Hashable, bool]) -> None:
        """Close open batches whose span ended (plus grace) on caught-up partitions."""
        for key in list(self.open):
            batch = self.open[key]
            if not caught_up.get(key, False):
                continue
            if batch.first_ts is None or now_ms >= batch.first_ts + self.span_ms + self.grace_ms:
                self._close(key)

    def drop(self, keys: set[Hashable]) -> int:
        """Forget everything pending for ``keys`` (revoked partitions); returns records dropped."""
        dropped = 0
        for key in keys:
            b = self.open.pop(key, None)
            dropped += len(b) if b else 0
        keep = []
        for b in self.ready:
            if b.key in keys:
                dropped += len(b)
            else:
                keep.append(b)
        self.ready = keep
        return dropped

    def pending(self) -> int:
        return sum(len(b) for b in self.open.values()) + sum(len(b) for b in self.ready)
