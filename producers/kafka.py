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
