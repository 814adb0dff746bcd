from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sinks import metrics
from sinks.clickhouse.rows import FEEDBACK_COLUMNS
from sinks.writer import _observe_e2e_latency


def _row(event_time: datetime) -> tuple[object, ...]:
    row: list[object] = [None] * len(FEEDBACK_COLUMNS)
    row[FEEDBACK_COLUMNS.index("event_time")] = event_time.replace(tzinfo=None)
    return tuple(row)


def _count() -> float:
    return sum(s.value for m in metrics.E2E_LATENCY.collect() for s in m.samples if s.name.endswith("_count"))


def test_only_live_rows_are_observed_and_sampled() -> None:
    now = datetime.now(UTC)
    before = _count()
    live = [_row(now - timedelta(seconds=2)) for _ in range(20)]
    historical = [_row(now - timedelta(days=30)) for _ in range(20)]
    _observe_e2e_latency(live + historical, every=10)
    assert _count() - before == 2  # rows 0 and 10 are live; rows 20 and 30 are a month old


def test_columns_from_the_fast_path_are_observed_from_epoch_seconds() -> None:
    import time

    from sinks.clickhouse.backend import Columns

    now = int(time.time())
    times = [now - 2] * 20 + [now - 30 * 86_400] * 20
    data: list[list[object]] = [[None] * 40 for _ in FEEDBACK_COLUMNS]
    data[FEEDBACK_COLUMNS.index("event_time")] = list(times)
    before = _count()
    _observe_e2e_latency(Columns(data), every=10)
    assert _count() - before == 2
