"""One way to put raw feedback on the topic: kafka-python, acks=all, idempotent, keyed by customer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ripple import topics
from ripple.contracts import RawFeedback
from ripple.settings import Settings


def make_producer(settings: Settings, **overrides: Any) -> Any:
    from kafka import KafkaProducer

    conf: dict[str, Any] = dict(
        bootstrap_servers=settings.broker_list(),
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        batch_size=256 * 1024,
        max_in_flight_requests_per_connection=5,
        retries=10,
    )
    conf.update(overrides)
    return KafkaProducer(**conf)


def send_raw(producer: Any, event: RawFeedback, topic: str = topics.RAW) -> Any:
    """Send one event keyed by customer id; returns kafka-python's future."""
    return producer.send(topic, key=event.customer_id.encode(), value=event.to_json())


def send_all(producer: Any, events: Iterable[RawFeedback], topic: str = topics.RAW) -> int:
    """Send and wait for every acknowledgement; raises if any send failed."""
    futures = [send_raw(producer, e, topic) for e in events]
    producer.flush()
    for f in futures:
        f.get(timeout=30)
    return len(futures)


class ProduceFailed(RuntimeError):
    """The broker did not acknowledge every event (timeout, broker down, not enough replicas)."""


def produce_acked(
    producer: Any, events: list[RawFeedback], source: str, timeout: float, topic: str = topics.RAW
) -> None:
    """kafka-python variant: send ``events``, block until each is acked or raise ``ProduceFailed``."""
    import time
    from collections import Counter as Tally

    from producers import metrics

    per_channel = Tally(e.channel.value for e in events)
    start = time.perf_counter()
    try:
        futures = [send_raw(producer, e, topic) for e in events]
        deadline = start + timeout
        for f in futures:
            f.get(timeout=max(0.001, deadline - time.perf_counter()))
    except Exception as exc:
        for channel, n in per_channel.items():
            metrics.FAILED.labels(channel, source).inc(n)
        raise ProduceFailed(f"{type(exc).__name__}: {exc}") from exc
    elapsed = time.perf_counter() - start
    for channel, n in per_channel.items():
        metrics.PRODUCED.labels(channel, source).inc(n)
        metrics.ACK_LATENCY.labels(channel, source).observe(elapsed)


class FastProducer:
    """The producer the gateway, import and simulator use: librdkafka via confluent-kafka.

    Why librdkafka here: ``produce()`` never blocks the caller (the gateway calls it on the event loop and
    awaits acks as asyncio futures instead of parking a thread per request), ``message.timeout.ms`` gives
    every event a hard deadline after which its delivery fails (so the gateway answers 503 instead of
    hanging), and batching/retries run in C. Raw throughput is not the reason: measured in the same run
    (bench/producers.py) both clients acknowledge ~17-21k events/s on this machine, because the per-event
    Python work (serialisation, delivery callback, metrics) dominates. Settings match the kernel's
    producer: acks=all, idempotence on, and the Java client's murmur2 partitioner so a customer's events
    land on the same partition whichever Ripple producer sent them.

    A daemon thread polls delivery reports; per-event callbacks count produced/failed/latency per channel.
    ``message.timeout.ms`` bounds how long an unacknowledged event may wait: after it, the delivery fails
    and the caller reports it (503 in the gateway, a failed import) instead of hanging.
    """

    def __init__(
        self,
        settings: Settings,
        source: str,
        *,
        linger_ms: int = 5,
        timeout_s: float = 30.0,
        topic: str = topics.RAW,
        **overrides: Any,
    ) -> None:
        import logging
        import threading

        from confluent_kafka import Producer

        conf: dict[str, Any] = {
            "bootstrap.servers": ",".join(settings.broker_list()),
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": linger_ms,
            "batch.size": 1024 * 1024,
            "message.timeout.ms": max(1, int(timeout_s * 1000)),
            "partitioner": "murmur2_random",
            "queue.buffering.max.messages": 500_000,
            "client.id": f"ripple-{source}",
        }
        conf.update(overrides)
        self.source = source
        self.topic = topic
        self._series: dict[str, tuple[Any, Any, Any]] = {}
        self._producer = Producer(conf, logger=logging.getLogger("ripple.kafka.librdkafka"))
        self._stop = threading.Event()
        self._poller = threading.Thread(target=self._poll, name=f"ripple-{source}-deliveries", daemon=True)
        self._poller.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._producer.poll(0.05)

    def send(self, event: RawFeedback, done: Any = None) -> None:
        """Queue one event; ``done(error_or_None)`` runs on the delivery thread once the broker answered."""
        import time

        from producers import metrics

        channel = event.channel.value
        series = self._series.get(channel)
        if series is None:  # label lookups are slow; resolve each channel's children once
            series = self._series[channel] = (
                metrics.PRODUCED.labels(channel, self.source),
                metrics.ACK_LATENCY.labels(channel, self.source),
                metrics.FAILED.labels(channel, self.source),
            )
        produced, latency, failed = series
        t0 = time.perf_counter()

        def report(err: Any, msg: Any) -> None:
            if err is None:
                produced.inc()
                latency.observe(time.perf_counter() - t0)
            else:
                failed.inc()
            if done is not None:
                done(None if err is None else ProduceFailed(str(err)))

        key, value = event.customer_id.encode(), event.to_json()
        while True:
            try:
                self._producer.produce(self.topic, key=key, value=value, on_delivery=report)
                return
            except BufferError:  # local queue full: the delivery thread is draining it
                time.sleep(0.002)

    def produce_acked(self, events: list[RawFeedback], timeout: float) -> None:
        """Send and block until all are acknowledged; ``ProduceFailed`` on any failure or timeout."""
        import threading

        remaining = [len(events)]
        errors: list[BaseException] = []
        lock = threading.Lock()
        finished = threading.Event()

        def done(err: BaseException | None) -> None:
            with lock:
                if err is not None:
                    errors.append(err)
                remaining[0] -= 1
                if remaining[0] == 0:
                    finished.set()

        if not events:
            return
        for e in events:
            self.send(e, done)
        if not finished.wait(timeout):
            raise ProduceFailed(
                f"{remaining[0]} of {len(events)} events not acknowledged within {timeout:g} s"
            )
        if errors:
            raise ProduceFailed(f"{len(errors)} of {len(events)} events failed: {errors[0]}")

    async def produce_acked_async(self, events: list[RawFeedback], timeout: float) -> None:
        """``produce_acked`` for an asyncio caller: the event loop is never blocked waiting for the broker."""
        import asyncio

        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in events]

        def resolver(fut: asyncio.Future[None]) -> Any:
            def done(err: BaseException | None) -> None:
                def settle() -> None:
                    if not fut.done():
                        if err is None:
                            fut.set_result(None)
                        else:
                            fut.set_exception(err)

                loop.call_soon_threadsafe(settle)

            return done

        for e, f in zip(events, futures, strict=True):
            self.send(e, resolver(f))
        try:
            results = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), timeout)
        except TimeoutError:
            raise ProduceFailed(f"not acknowledged within {timeout:g} s") from None
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise ProduceFailed(f"{len(failed)} of {len(events)} events failed: {failed[0]}")

    async def produce_bytes_acked_async(self, topic: str, key: bytes, value: bytes, timeout: float) -> None:
        """One already-serialised record to ``topic`` (e.g. a follow-up event), acks=all, awaited.

        The same idempotent librdkafka producer and partitioner as ``send``, so the gateway needs no second
        connection for topics other than ``feedback.raw.v1``.
        """
        import asyncio

        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()

        def settle(err: Any) -> None:
            if not fut.done():
                if err is None:
                    fut.set_result(None)
                else:
                    fut.set_exception(ProduceFailed(str(err)))

        def report(err: Any, msg: Any) -> None:
            loop.call_soon_threadsafe(settle, err)

        while True:
            try:
                self._producer.produce(topic, key=key, value=value, on_delivery=report)
                break
            except BufferError:
                await asyncio.sleep(0.002)
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise ProduceFailed(f"not acknowledged within {timeout:g} s") from None

    def flush(self, timeout: float = 30.0) -> int:
        """Wait for queued events; returns how many are still undelivered."""
        return int(self._producer.flush(timeout))

    def close(self, timeout: float = 10.0) -> int:
        left = self.flush(timeout)
        self._stop.set()
        self._poller.join(2)
        return left
