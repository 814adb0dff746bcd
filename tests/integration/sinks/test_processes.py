"""``ripple sink --processes 2``: two sink processes in one group write every record exactly once."""

from __future__ import annotations

import threading

import pytest

from ripple import topics
from ripple.dev.procs import wait_until
from ripple.dev.tansu import TansuBroker
from ripple.settings import Settings
from sinks.clickhouse import connect
from sinks.clickhouse.schema import migrate
from sinks.processes import run_processes
from tests.integration.sinks.helpers import fast, produce, scored_items
from tests.reliability.harness import group_lag

pytestmark = pytest.mark.integration

N = 4000


def test_two_processes_share_the_partitions_and_write_each_record_once(
    broker: TansuBroker, server_db: str, settings: Settings
) -> None:
    backend = connect(server_db)
    migrate(backend)
    produce(broker.bootstrap, topics.SCORED, scored_items(N, prefix="mp"))
    stop = threading.Event()
    codes: list[int] = []
    runner = threading.Thread(
        target=lambda: codes.append(run_processes(fast(settings), server_db, 2, stop)), name="sinks", daemon=True
    )
    runner.start()
    try:
        wait_until(lambda: group_lag(broker.bootstrap, settings.sink_group, topics.SCORED) == 0, 120,
                   "both sink processes to commit every scored record")  # fmt: skip
    finally:
        stop.set()
        runner.join(90)
    assert codes == [0]
    distinct, rows = backend.query("SELECT uniqExact(event_id), count() FROM feedback_events")[0]
    assert distinct == N
    assert rows >= N  # a rebalance while both join may write a batch twice; ReplacingMergeTree collapses it
    q = "SELECT kafka_partition, uniqExact(event_id) FROM feedback_events GROUP BY kafka_partition"
    by_partition = dict(backend.query(q))
    assert sorted(by_partition) == [0, 1] and sum(by_partition.values()) == N
