"""Deterministic batches cut from offset ranges (pure logic, unit-tested without Kafka).

Exactly-once into ClickHouse rests on a replay producing the *same* batches, hence the same
``insert_deduplication_token`` values, as the run that crashed. So a batch boundary never depends
on poll timing, only on the records themselves:

* size: a partition's batch ends at every multiple of ``batch_rows`` offsets (aligned, so a
  replay starting at any committed offset still cuts at the same places);
* time: a batch holds records whose Kafka timestamps fall in one ``batch_seconds`` bucket; the
  first record of a new bucket starts a new batch.

The open (last) batch of a partition is flushed on wall-clock time only once its bucket has ended
plus ``grace_seconds`` *and* the consumer has caught up with the partition, i.e. when no record
that could still belong to the bucket is known to exist. A replay then sees the next record in a
later bucket and cuts at the same offset. (A producer clock skewed by more than the grace can
still move a cut; the event_id-keyed ReplacingMergeTree keeps counts exact in that case too.)
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
    bucket: int | None
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
        self.bucket_ms = max(1, int(batch_seconds * 1000))
        self.grace_ms = int(grace_seconds * 1000)
        self.open: dict[Hashable, PartitionBatch] = {}
        self.ready: list[PartitionBatch] = []

    def _bucket(self, timestamp_ms: int | None) -> int | None:
        if timestamp_ms is None or timestamp_ms < 0:
            return None
        return timestamp_ms // self.bucket_ms

    def _close(self, key: Hashable) -> None:
        batch = self.open.pop(key)
        batch.closed = True
        self.ready.append(batch)

    def add(self, key: Hashable, offset: int, timestamp_ms: int | None, value: bytes | None,
            record_key: bytes | None = None) -> None:
        """Add one record; closes the partition's batch at size and time boundaries."""
        bucket = self._bucket(timestamp_ms)
        current = self.open.get(key)
        if current is not None and (offset % self.batch_rows == 0 or bucket != current.bucket):
            self._close(key)
            current = None
        if current is None:
            current = self.open[key] = PartitionBatch(key, offset, offset, bucket)
        current.values.append(value)
        current.offsets.append(offset)
        current.keys.append(record_key)
        current.end = offset + 1
        if (offset + 1) % self.batch_rows == 0:
            self._close(key)

    def close_due(self, now_ms: int, caught_up: dict[Hashable, bool]) -> None:
        """Close open batches whose time bucket ended (plus grace) on caught-up partitions."""
        for key in list(self.open):
            batch = self.open[key]
            if not caught_up.get(key, False):
                continue
            if batch.bucket is None or now_ms >= (batch.bucket + 1) * self.bucket_ms + self.grace_ms:
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
