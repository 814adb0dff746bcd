"""CI-sized soak: bench/soak.py for a minute at 300 events/s on the test broker and ClickHouse server.

The full soak (30 minutes at 1000 events/s) is ``bench/soak.py``; this runs the same code path and
asserts its checks: worker and sink alive, every event acknowledged, RSS growth after warm-up within
the threshold, both consumer groups' lag back to 0 once the producer stops.
"""

from __future__ import annotations

import io

import pytest

from bench import soak
from ripple.dev.tansu import TansuBroker

pytestmark = pytest.mark.reliability


def test_short_soak_keeps_memory_flat_and_drains(broker: TansuBroker, server_db: str) -> None:
    out = io.StringIO()
    summary = soak.run(soak.parse_args(["--minutes", "1", "--rate", "300", "--warmup-s", "20"]),
                       broker.bootstrap, server_db, out)
    print("\n" + out.getvalue())
    assert summary.ok, summary.failures
    assert summary.alive and summary.acked == summary.sent == 18_000
    assert len(summary.samples) >= 12
    assert summary.final_lag == {"worker": 0, "sink": 0}
    assert all(s.worker_rss > 0 and s.sink_rss > 0 for s in summary.samples)
    assert summary.rss["worker"]["growth"] <= 64 and summary.rss["sink"]["growth"] <= 64
