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


def produce_acked(producer: Any, events: list[RawFeedback], source: str, timeout: float,
                  topic: str = topics.RAW) -> None:
    """Send ``events`` and block until every one is acknowledged (acks=all) or raise ``ProduceFailed``.

    Metrics are counted per channel so a failing channel is visible on its own.
    """
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
