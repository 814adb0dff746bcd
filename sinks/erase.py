"""Erasure of one customer (``ripple erase --customer ID``): ClickHouse rows and Kafka tombstones.

Rows are deleted with ``ALTER TABLE ... DELETE WHERE customer_id = %(c)s`` — the id is bound as a
parameter and validated against the contract's identifier pattern, never spliced into SQL. Then a
tombstone (key = customer_id, value = None) is written to each compacted topic keyed by customer
id, so log compaction removes the customer's records from Kafka as well. Minute aggregates and
spike alerts hold no customer data and stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ripple import topics
from ripple.settings import Settings
from sinks.clickhouse.backend import Backend
from sinks.clickhouse.mutations import wait_mutations

# (table, column holding the customer id): constants only.
ERASE_TARGETS: tuple[tuple[str, str], ...] = (
    ("feedback_events", "customer_id"),
    ("customer_alerts", "customer_id"),
    ("dead_letters", "key"),
)
TOMBSTONE_TOPICS: tuple[str, ...] = (topics.SCORED, topics.CUSTOMER_ALERTS)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$")


@dataclass(frozen=True)
class Erasure:
    customer_id: str
    rows: dict[str, int]
    tombstones: tuple[str, ...]


def valid_customer_id(customer_id: str) -> bool:
    """Same rule as ``ripple.contracts.Id``: printable ASCII, no spaces, 1-128 characters."""
    return bool(_ID.match(customer_id))


def erase_rows(backend: Backend, customer_id: str, timeout: float = 300.0) -> dict[str, int]:
    """Delete the customer's rows from every table holding them; returns rows found per table."""
    if not valid_customer_id(customer_id):
        raise ValueError(f"not a valid customer id: {customer_id[:80]!r}")
    params = {"c": customer_id}
    found: dict[str, int] = {}
    for table, column in ERASE_TARGETS:
        found[table] = int(backend.query(f"SELECT count() FROM {table} WHERE {column} = %(c)s", params)[0][0])
        if found[table]:
            backend.execute(f"ALTER TABLE {table} DELETE WHERE {column} = %(c)s", params)
    wait_mutations(backend, [t for t, n in found.items() if n], timeout)
    return found


def write_tombstones(settings: Settings, customer_id: str, names: tuple[str, ...] = TOMBSTONE_TOPICS) -> None:
    """Produce key=customer_id, value=None to each compacted topic and wait for the acks."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=settings.broker_list(), acks="all", enable_idempotence=True)
    try:
        for topic in names:
            producer.send(topic, key=customer_id.encode(), value=None)
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=5)


def erase_customer(backend: Backend, settings: Settings, customer_id: str) -> Erasure:
    rows = erase_rows(backend, customer_id)
    write_tombstones(settings, customer_id)
    return Erasure(customer_id, rows, TOMBSTONE_TOPICS)
