from __future__ import annotations

import pytest

from producers.kafka import make_producer, send_all
from producers.simulator import Simulator
from ripple import topics
from ripple.contracts import RawFeedback, parse
from ripple.dev.procs import port_open
from ripple.dev.tansu import TansuBroker, broker_ready
from ripple.settings import Settings
from tests.conftest import consume_all

pytestmark = pytest.mark.integration


def test_produce_consume_round_trip_keeps_key_and_payload(broker: TansuBroker, settings: Settings) -> None:
    events = list(Simulator(seed=1).events(50))
    producer = make_producer(settings)
    assert send_all(producer, events) == 50
    producer.close()
    got = consume_all(broker.bootstrap, topics.RAW, 50)
    assert len(got) == 50
    decoded = {parse(RawFeedback, m.value).event_id: m for m in got}
    assert set(decoded) == {e.event_id for e in events}
    for e in events:
        assert decoded[e.event_id].key == e.customer_id.encode()
    # Keyed by customer: all of one customer's events share a partition.
    by_customer: dict[bytes, set[int]] = {}
    for m in got:
        by_customer.setdefault(m.key, set()).add(m.partition)
    assert all(len(p) == 1 for p in by_customer.values())


def test_broker_stops_cleanly_and_port_is_released() -> None:
    b = TansuBroker().start()
    assert broker_ready(b.bootstrap)
    proc = b.proc
    b.stop()
    assert proc is not None and proc.poll() is not None
    assert not port_open(b.port)
