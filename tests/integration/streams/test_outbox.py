"""The worker's outbox against the real broker: order per partition, tail records, sent offsets."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from kafka import KafkaConsumer, TopicPartition

from ripple.dev.tansu import TansuBroker, create_topics
from streams.outbox import Outbox
from tests.conftest import consume_all

pytestmark = pytest.mark.integration


class _FaustProducer:
    """What the outbox uses of faust's Producer: the started aiokafka producer underneath."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer

    def _ensure_producer(self) -> AIOKafkaProducer:
        return self.producer


Record = tuple[str, int, bytes, bytes | None]


async def _write(bootstrap: str, tail: bool, records: Sequence[Record]) -> dict[Any, int]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_batch_size=512 * 1024)
    await producer.start()
    try:
        box = Outbox(_FaustProducer(producer))
        sent: dict[Any, int] = {}
        box.on_sent("t.changelog", lambda tp, offset: sent.__setitem__(tp, offset))
        if tail:
            box.tail_record("t.changelog")
        for topic, partition, key, value in records:
            box.append(topic, partition, key, value)
        await box.flush()
        assert box.pending == 0
        return sent
    finally:
        await producer.stop()


def _end_offset(bootstrap: str, topic: str, partition: int) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        tp = TopicPartition(topic, partition)
        return int(consumer.end_offsets([tp])[tp])
    finally:
        consumer.close()


def test_tail_record_makes_the_reported_end_offset_exact(broker: TansuBroker) -> None:
    create_topics(broker.bootstrap, ["t.changelog", "t.out"], 1)
    records: list[Record] = [("t.changelog", 0, f"k{i % 4}".encode(), f"v{i}".encode()) for i in range(10)]
    records += [("t.out", 0, b"x", b"1"), ("t.changelog", 0, b"k1", None)]  # a tombstone last
    sent = asyncio.run(_write(broker.bootstrap, True, records))

    # 11 changelog records and the repeated last one; Tansu reports the end as last batch base + 1,
    # so only the one-record tail batch makes it exact.
    assert _end_offset(broker.bootstrap, "t.changelog", 0) == 12
    got = consume_all(broker.bootstrap, "t.changelog", 12)
    changelog = [(k, v) for topic, _, k, v in records if topic == "t.changelog"]
    assert [(m.key, m.value) for m in sorted(got, key=lambda m: m.offset)] == [*changelog, (b"k1", None)]
    assert list(sent.values()) == [11]  # the persisted-offset callback sees the last offset written
    assert _end_offset(broker.bootstrap, "t.out", 0) == 1


def test_without_the_tail_tansu_under_reports_the_end(broker: TansuBroker) -> None:
    """Why the tail exists: if this starts failing, Tansu fixed its end offsets and the tail can go."""
    create_topics(broker.bootstrap, ["t.changelog"], 1)
    asyncio.run(_write(broker.bootstrap, False, [("t.changelog", 0, b"k", b"v%d" % i) for i in range(10)]))
    assert _end_offset(broker.bootstrap, "t.changelog", 0) == 1


def test_order_per_partition_across_full_batches(broker: TansuBroker) -> None:
    create_topics(broker.bootstrap, ["t.out"], 2)
    big = b"x" * 60_000  # ~9 records fill a 512 KiB batch: several batches per partition
    records = [("t.out", i % 2, b"%d" % i, big + b"%d" % i) for i in range(40)]
    asyncio.run(_write(broker.bootstrap, False, records))
    got = consume_all(broker.bootstrap, "t.out", 40)
    for partition in (0, 1):
        keys = [m.key for m in sorted((m for m in got if m.partition == partition), key=lambda m: m.offset)]
        assert keys == [b"%d" % i for i in range(partition, 40, 2)]
