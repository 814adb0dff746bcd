"""A poison record is dead-lettered with its reason and the sink keeps going, on both backends."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import pytest

from ripple import topics
from ripple.dev.tansu import TansuBroker, create_topics
from ripple.settings import Settings
from sinks.clickhouse import connect
from sinks.clickhouse.queries import DEAD_LETTERS_BY_REASON, exact_totals
from sinks.clickhouse.rows import MAPPINGS, Row, RowError, Source, TableMapping
from sinks.clickhouse.schema import migrate
from sinks.sample import far_future, scored_events
from tests.integration.sinks.helpers import fast, make_sink, produce, running, wait_committed

pytestmark = pytest.mark.integration

POISON_TOPIC = "test.poison.v1"


def _passthrough(values: Sequence[bytes], sources: Sequence[Source]) -> list[Row | RowError]:
    """Maps without type checks, so a bad value reaches ClickHouse and is rejected *there*."""
    out: list[Row | RowError] = []
    for v in values:
        d: Mapping[str, Any] = orjson.loads(v)
        out.append((d["id"], d["n"]))
    return out


def test_poison_records_are_dead_lettered_and_the_sink_keeps_going(
    broker: TansuBroker, settings: Settings, clickhouse_url: str, unique: str
) -> None:
    create_topics(broker.bootstrap, [POISON_TOPIC], 1)
    backend = connect(clickhouse_url)
    migrate(backend)
    backend.execute("CREATE TABLE poison_t (id String, n UInt8) ENGINE = MergeTree() ORDER BY id")

    good = [(e.customer_id.encode(), e.to_json()) for e in scored_events(300, prefix=f"p{unique}")]
    future = next(iter(scored_events(1, prefix="future"))).model_copy(update={"event_time": far_future()})
    poison = [
        (b"c1", b"{this is not json"),
        (b"c2", orjson.dumps({"event_id": "x1", "customer_id": "c2"})),  # violates the contract
        (b"c3", future.to_json()),  # valid contract, but not storable in DateTime
        (b"c4", None),  # a tombstone (erasure): nothing to write, not an error
    ]
    produce(broker.bootstrap, topics.SCORED, good[:150] + poison + good[150:])
    rows = [orjson.dumps({"id": f"r{i}", "n": i}) for i in range(40)]
    rows.insert(17, orjson.dumps({"id": "bad", "n": "not a number"}))  # rejected by ClickHouse itself
    produce(broker.bootstrap, POISON_TOPIC, [(None, r) for r in rows])

    mappings = {**MAPPINGS, POISON_TOPIC: TableMapping(POISON_TOPIC, "poison_t", ("id", "n"), _passthrough)}
    sink = make_sink(
        fast(settings),
        backend,
        f"sink-{unique}",
        mappings=mappings,
        topic_names=[topics.SCORED, topics.DEADLETTER, POISON_TOPIC],
    )
    with running(sink):
        wait_committed(sink, broker.bootstrap, [topics.SCORED, POISON_TOPIC])
        # Dead letters were flushed before those commits; the sink also stores them in dead_letters.
        wait_committed(sink, broker.bootstrap, [topics.DEADLETTER])
        assert sink.dead_lettered == 4

    assert exact_totals(backend)["feedback_events"] == 300
    assert int(backend.query("SELECT count() FROM poison_t")[0][0]) == 40
    reasons = {(s, r): int(n) for s, r, n in backend.query(DEAD_LETTERS_BY_REASON)}
    assert reasons == {
        ("sink", "invalid_json"): 1,
        ("sink", "invalid_contract"): 1,
        ("sink", "value_out_of_range"): 1,
        ("sink", "insert_rejected"): 1,
    }
    originals = {r[0]: r[1] for r in backend.query("SELECT reason, original FROM dead_letters")}
    assert base64.b64decode(originals["invalid_json"]) == b"{this is not json"
    assert base64.b64decode(originals["insert_rejected"]) == rows[17]
    keys = {
        r[0] for r in backend.query("SELECT key FROM dead_letters WHERE topic = %(t)s", {"t": topics.SCORED})
    }
    assert keys == {"c1", "c2", "c3"}
    backend.close()
