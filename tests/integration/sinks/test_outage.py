"""A 30 s ClickHouse outage in the middle of a stream loses nothing and duplicates nothing.

Server: the real 18.16 process is SIGSTOPped for 30 s (it stops answering, keeps its data).
chDB: in-process, so the outage is injected at the backend boundary (inserts fail retryably).
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from ripple import topics
from ripple.dev.clickhouse_server import ClickHouseServer
from ripple.dev.procs import wait_until
from ripple.dev.tansu import TansuBroker
from ripple.settings import Settings
from sinks.clickhouse import connect
from sinks.clickhouse.queries import FEEDBACK_BY_CHANNEL_LABEL, exact_totals, raw_totals
from sinks.clickhouse.schema import migrate
from sinks.sample import scored_events
from tests.integration.sinks.helpers import OutageBackend, fast, make_sink, produce, running, wait_committed

pytestmark = [pytest.mark.integration, pytest.mark.reliability]

HALF = 2000
OUTAGE_S = 30.0


def test_a_30s_outage_loses_nothing_and_duplicates_nothing(
    broker: TansuBroker, settings: Settings, clickhouse_url: str, unique: str, request: pytest.FixtureRequest
) -> None:
    server: ClickHouseServer | None = None
    if clickhouse_url.startswith("clickhouse://"):
        server = request.getfixturevalue("clickhouse_server")
        # Short socket timeouts so the stopped server surfaces as a retryable error quickly.
        clickhouse_url += "?send_receive_timeout=4&connect_timeout=2&sync_request_timeout=2"
    base = connect(clickhouse_url)
    migrate(base)
    backend = OutageBackend(base)
    events = list(scored_events(2 * HALF, prefix=f"o{unique}"))
    items = [(e.customer_id.encode(), e.to_json()) for e in events]
    produce(broker.bootstrap, topics.SCORED, items[:HALF])
    cfg = fast(settings, sink_max_pending_rows=1500, sink_max_poll_records=500, sink_retry_cap_s=3.0)

    with running(make_sink(cfg, backend, f"sink-{unique}", topic_names=[topics.SCORED])) as sink:
        wait_until(lambda: sink.rows_written > 0, 60, "the first rows")
        started = time.monotonic()
        if server is not None:
            server.pause()
        else:
            backend.down_for(OUTAGE_S)
        try:
            produce(broker.bootstrap, topics.SCORED, items[HALF:])
            wait_until(lambda: sink._down and sink._paused, 30, "the sink to notice the outage and pause")
            written_during = sink.rows_written
            # The outage lasts its full length on purpose (not a condition to await).
            time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - started)))
            assert sink.rows_written == written_during
            assert sink._paused
        finally:
            if server is not None:
                server.resume()
        wait_committed(sink, broker.bootstrap, [topics.SCORED], timeout=120)
        # Memory stayed bounded: consumption paused at the limit (plus at most one poll).
        assert sink.max_pending <= cfg.sink_max_pending_rows + cfg.sink_max_poll_records
        assert sink.dead_lettered == 0

    assert exact_totals(base)["feedback_events"] == 2 * HALF
    expected = Counter((e.channel.value, e.label.value) for e in events)
    got = {(c, lab): int(n) for c, lab, n in base.query(FEEDBACK_BY_CHANNEL_LABEL)}
    assert got == dict(expected)
    if server is None:
        assert backend.failed_inserts > 0
        # Retries reused the batch's dedup token, so not even a physical duplicate exists.
        assert raw_totals(base)["feedback_events"] == 2 * HALF
    base.close()
