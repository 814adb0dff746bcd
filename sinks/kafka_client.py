"""The sink's Kafka clients: librdkafka (confluent-kafka) behind the few calls the writer makes.

Why not kafka-python here (the rest of Ripple uses it): the sink must take >= 50k records/s on one
core, and kafka-python decodes record batches, checks CRCs and builds one object per record in
Python -- alone it delivered 36-48k records/s on the development machine, less than the target, and
under the GIL that time adds to validation and insert encoding. librdkafka fetches and decodes in
its own C threads; the writer's thread only reads each message's offset, timestamp, key and value
(100-200k records/s measured alone in the same benchmark runs). Keys of partitions stay ``kafka.structs.TopicPartition``
(a named tuple) so the rest of the code and the tests see the same types as before.

Semantics the writer relies on, kept here:

* no auto-commit: offsets are committed explicitly and synchronously, only for written batches;
* rebalance callbacks run inside :meth:`SinkConsumer.poll`, on the writer's thread;
* pausing stops delivery until resume; librdkafka then fetches again from the consumed position,
  so nothing is skipped;
* ``highwater`` is the high watermark of the last fetch (cached, no request), ``position`` the next
  offset the application will get.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from itertools import compress
from typing import Any

from kafka.structs import TopicPartition

log = logging.getLogger("ripple.sink.kafka")

Records = dict[TopicPartition, tuple[list[int], list[int | None], list[bytes | None], list[bytes | None]]]
"""Per partition: offsets, timestamps (ms), values, keys -- parallel lists in offset order."""


def _tp(ctp: Any) -> TopicPartition:
    return TopicPartition(ctp.topic, ctp.partition)


class SinkConsumer:
    """A subscribed librdkafka consumer with manual commits and the writer's rebalance listener."""

    def __init__(
        self,
        brokers: Sequence[str],
        group_id: str,
        topic_names: Sequence[str],
        *,
        on_revoked: Callable[[set[TopicPartition]], None],
        on_assigned: Callable[[set[TopicPartition]], None],
        max_poll_records: int,
        max_poll_interval_ms: int,
        session_timeout_ms: int,
    ) -> None:
        from confluent_kafka import Consumer

        self.max_poll_records = max_poll_records
        self._consumer = Consumer(
            {
                "bootstrap.servers": ",".join(brokers),
                "group.id": group_id,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                "session.timeout.ms": session_timeout_ms,
                "max.poll.interval.ms": max(max_poll_interval_ms, session_timeout_ms),
                "heartbeat.interval.ms": 1000,
                "fetch.max.bytes": 64 * 1024 * 1024,
                "max.partition.fetch.bytes": 8 * 1024 * 1024,
                # The local prefetch queue (one for all partitions): a few batches, bounded in bytes;
                # with RIPPLE_SINK_MAX_PENDING_ROWS this bounds the sink's memory.
                "queued.max.messages.kbytes": 64 * 1024,
                "client.id": "ripple-sink",
            },
            logger=logging.getLogger("ripple.sink.librdkafka"),
        )
        self._paused: set[TopicPartition] = set()

        def revoked(_: Any, parts: list[Any]) -> None:
            gone = {_tp(p) for p in parts}
            self._paused -= gone
            on_revoked(gone)

        def assigned(_: Any, parts: list[Any]) -> None:
            on_assigned({_tp(p) for p in parts})

        self._consumer.subscribe(list(topic_names), on_assign=assigned, on_revoke=revoked, on_lost=revoked)

    def poll(self, timeout_ms: int) -> Records:
        """Up to ``max_poll_records`` records, grouped by partition; waits at most ``timeout_ms``."""
        from confluent_kafka import Message

        msgs = self._consumer.consume(num_messages=self.max_poll_records, timeout=timeout_ms / 1000)
        if not msgs:
            return {}
        # map() over the unbound accessors: C-level loops, this runs for every record.
        errors = list(map(Message.error, msgs))
        if errors.count(None) != len(errors):
            for m, err in zip(msgs, errors, strict=True):
                if err is not None:
                    log.warning("consumer error on %s [%s]: %s", m.topic(), m.partition(), err)
            msgs = [m for m, err in zip(msgs, errors, strict=True) if err is None]
        keys = list(zip(map(Message.topic, msgs), map(Message.partition, msgs), strict=True))
        distinct = dict.fromkeys(keys)  # first-seen order
        out: Records = {}
        for key in distinct:
            ms = msgs if len(distinct) == 1 else list(compress(msgs, map(key.__eq__, keys)))
            out[TopicPartition(*key)] = (
                list(map(Message.offset, ms)),
                [ts for _, ts in map(Message.timestamp, ms)],
                list(map(Message.value, ms)),
                list(map(Message.key, ms)),
            )
        return out

    def _ctps(self, tps: Iterable[TopicPartition], offsets: dict[TopicPartition, int] | None = None) -> list[Any]:
        from confluent_kafka import TopicPartition as CTP

        if offsets is None:
            return [CTP(tp.topic, tp.partition) for tp in tps]
        return [CTP(tp.topic, tp.partition, offsets[tp]) for tp in tps]

    def assignment(self) -> set[TopicPartition]:
        return {_tp(p) for p in self._consumer.assignment()}

    def pause(self, *tps: TopicPartition) -> None:
        if tps:
            self._consumer.pause(self._ctps(tps))
            self._paused.update(tps)

    def resume(self, *tps: TopicPartition) -> None:
        if tps:
            self._consumer.resume(self._ctps(tps))
            self._paused.difference_update(tps)

    def paused(self) -> set[TopicPartition]:
        return set(self._paused)

    def highwater(self, tp: TopicPartition) -> int | None:
        _, high = self._consumer.get_watermark_offsets(self._ctps([tp])[0], cached=True)
        return high if high is not None and high >= 0 else None

    def position(self, tp: TopicPartition) -> int | None:
        offset = self._consumer.position(self._ctps([tp]))[0].offset
        return offset if offset >= 0 else None

    def commit(self, offsets: dict[TopicPartition, int]) -> None:
        """Commit synchronously; raises ``confluent_kafka.KafkaException`` when the broker refuses."""
        self._consumer.commit(offsets=self._ctps(offsets, offsets), asynchronous=False)

    def close(self) -> None:
        self._consumer.close()


class DeadLetterProducer:
    """Idempotent acks=all producer for dead letters; :meth:`flush` raises if any was not delivered.

    The writer commits a batch's offsets only after its dead letters are durable, so a delivery
    failure must stop that commit (the records are then read, and dead-lettered, again).
    """

    def __init__(self, brokers: Sequence[str]) -> None:
        from confluent_kafka import Producer

        self._producer = Producer(
            {
                "bootstrap.servers": ",".join(brokers),
                "acks": "all",
                "enable.idempotence": True,
                "linger.ms": 5,
                "client.id": "ripple-sink-deadletters",
            },
            logger=logging.getLogger("ripple.sink.librdkafka"),
        )
        self._failed: list[str] = []

    def _delivered(self, err: Any, _msg: Any) -> None:
        if err is not None:
            self._failed.append(str(err))

    def send(self, topic: str, key: bytes | None, value: bytes) -> None:
        while True:
            try:
                self._producer.produce(topic, value=value, key=key, on_delivery=self._delivered)
                return
            except BufferError:  # local queue full: let deliveries drain, then retry
                self._producer.poll(0.1)

    def flush(self, timeout: float = 60.0) -> None:
        left = self._producer.flush(timeout)
        failed, self._failed = self._failed, []
        if left or failed:
            raise RuntimeError(f"dead letters not delivered ({left} pending): {'; '.join(failed[:3])}")

    def close(self, timeout: float = 5.0) -> None:
        self._producer.flush(timeout)
