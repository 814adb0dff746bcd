"""Records the stages produce, sent as one Kafka record batch per partition.

Why: faust's ``Topic.send`` (and a table's changelog write, which goes the same way) builds a
``FutureMessage``, an ``Event``, sensor state and a callback for every record and hashes the key in
pure Python; for a scored event that cost more than scoring it (profile in bench/README.md).
aiokafka's batch API (``create_batch`` / ``send_batch``) appends a record to a C-built batch for a
few microseconds. The partition is given, not hashed: a scored event goes to its raw record's
partition (same key, same partition count), which is where that customer's state lives.

Order: ``append`` is synchronous and ``flush`` sends batches in append order under a lock, so the
records of one partition reach the broker in the order they were appended, from whichever task.
That is what a changelog needs: every writer of a table must use the outbox (``put``), never
``table[key] = ...``, or a write through faust's own path could overtake an older one here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiokafka.partitioner import DefaultPartitioner
from faust.types import TP

_partitioner = DefaultPartitioner()
SentCallback = Callable[[TP, int], None]
"""(topic partition, offset of the last record sent) -> None, called once the broker has them."""


class Outbox:
    """Collects (topic, partition, key, value) in order; ``flush`` sends and awaits them."""

    def __init__(self, producer: Any) -> None:
        self._producer = producer  # faust's Producer; its aiokafka producer exists once started
        self._open: dict[tuple[str, int], Any] = {}
        self._full: list[tuple[Any, str, int]] = []
        self._on_sent: dict[str, SentCallback] = {}
        self._tailed: set[str] = set()
        self._last: dict[tuple[str, int], tuple[bytes | None, bytes | None]] = {}
        self._lock = asyncio.Lock()
        self.pending = 0

    def on_sent(self, topic: str, callback: SentCallback) -> None:
        """Call ``callback`` after each flush with the last offset written to each partition of ``topic``."""
        self._on_sent[topic] = callback

    def tail_record(self, topic: str) -> None:
        """End every flush to ``topic``'s partitions with a single-record batch repeating the last record.

        Why: Tansu reports a partition's end offset as the last batch's base offset + 1, so after a
        multi-record batch faust's table recovery stops short of the partition's real end and loses
        the tail of the changelog. A one-record batch at the end makes the reported end exact; for a
        compacted changelog the repeat is a no-op (same key, same value). Apache Kafka does not need
        it (``RIPPLE_CHANGELOG_TAIL_RECORD=false``).
        """
        self._tailed.add(topic)

    def append(self, topic: str, partition: int, key: bytes | None, value: bytes | None) -> None:
        """Queue one record (``value=None`` is a tombstone); nothing is sent before ``flush``."""
        tp = (topic, partition)
        if topic in self._tailed:
            self._last[tp] = (key, value)
        builder = self._open.get(tp)
        if builder is None:
            builder = self._open[tp] = self._producer._ensure_producer().create_batch()
        if builder.append(key=key, value=value, timestamp=None) is None:
            # The builder is full: queue it (order within the partition is kept) and start another.
            self._full.append((builder, topic, partition))
            builder = self._open[tp] = self._producer._ensure_producer().create_batch()
            if builder.append(key=key, value=value, timestamp=None) is None:
                raise ValueError(f"a record of {len(value or b'')} bytes does not fit an empty batch for {topic}")
        self.pending += 1

    async def append_keyed(self, topic: str, key: bytes, value: bytes) -> None:
        """Queue a record on the partition Kafka's default partitioner gives ``key`` (murmur2)."""
        producer = self._producer._ensure_producer()
        partitions = producer.client.cluster.partitions_for_topic(topic)
        if not partitions:
            await producer.client._wait_on_metadata(topic)
            partitions = producer.client.cluster.partitions_for_topic(topic)
        ordered = sorted(partitions)
        self.append(topic, _partitioner(key, ordered, ordered), key, value)

    async def flush(self) -> None:
        """Send everything appended so far and wait until the broker has it (acks as configured).

        Two phases: outputs first (every topic without ``on_sent``: scored events, alerts, aggregates),
        then table changelogs. The state is the stages' replay guard ("this event is already in"), so it
        must never be durable while the outputs it accounts for are not: a crash between the phases
        replays the input and repeats the same publications, never loses one.
        """
        if not self.pending:
            return
        async with self._lock:  # a second flusher must not hand its later batches over first
            batches = self._full + [(b, t, p) for (t, p), b in self._open.items()]
            producer = self._producer._ensure_producer()
            for (topic, partition), (key, value) in self._last.items():
                tail = producer.create_batch()
                tail.append(key=key, value=value, timestamp=None)
                batches.append((tail, topic, partition))
            self._full, self._open, self._last, self.pending = [], {}, {}, 0
            outputs = [b for b in batches if b[1] not in self._on_sent]
            state = [b for b in batches if b[1] in self._on_sent]
            await self._send(producer, outputs)
            last = await self._send(producer, state)
        for tp, offset in last.items():
            self._on_sent[tp.topic](tp, offset)

    async def _send(self, producer: Any, batches: list[tuple[Any, str, int]]) -> dict[TP, int]:
        """Hand ``batches`` over in order and wait for all; the last offset written per partition."""
        sent = [(topic, partition, builder.record_count(),
                 await producer.send_batch(builder, topic, partition=partition))
                for builder, topic, partition in batches]
        last: dict[TP, int] = {}
        for topic, partition, count, future in sent:
            meta = await future
            last[TP(topic, partition)] = meta.offset + count - 1
        return last


def put(outbox: Outbox, table: Any, partition: int, key: bytes, value: bytes | None) -> None:
    """``table[key] = value`` (``None``: delete) with the changelog record sent through ``outbox``.

    Must run with the event of ``partition`` as faust's current event (inside an agent, or in the
    batch path): the RocksDB store picks its per-partition database from it.
    """
    if value is None:
        table.data.pop(key, None)
    else:
        table.data[key] = value
    outbox.append(table.changelog_topic.get_topic_name(), partition, key, value)


def register_table(outbox: Outbox, table: Any, tail_record: bool) -> None:
    """Set up a table whose changelog goes through ``outbox``.

    Keeps the store's persisted changelog offset current, as faust's own changelog callback does
    (RocksDB keeps it per partition so a restart recovers only what it has not got; the memory store
    ignores it), and, on Tansu, ends each flush with a tail record (see ``Outbox.tail_record``).
    """
    topic = table.changelog_topic.get_topic_name()
    outbox.on_sent(topic, lambda tp, offset: table.data.set_persisted_offset(tp, offset))
    if tail_record:
        outbox.tail_record(topic)
