"""Rows from chDB (JSON text) and from clickhouse-driver (Python values) normalise to one shape."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboards.catalog import load_dashboards, normalise, parse_dashboard


def test_both_backends_rows_look_alike() -> None:
    chdb_row = {"time": "2026-03-02 09:00:00", "channel": "chat", "events": "42", "share": 0.5,
                "due_by": "2026-03-02 19:00:00", "avg": None}
    driver_row = {"time": datetime(2026, 3, 2, 9, 0), "channel": "chat", "events": 42, "share": 0.5,
                  "due_by": datetime(2026, 3, 2, 19, 0, tzinfo=UTC), "avg": float("nan")}
    assert normalise([chdb_row]) == normalise([driver_row]) == [
        {"time": 1772442000000, "channel": "chat", "events": 42, "share": 0.5, "due_by": "2026-03-02 19:00:00",
         "avg": None}]


def test_labels_that_are_not_numbers_stay_text() -> None:
    assert normalise([{"agent": "agent07", "x": "1e3", "y": "-2.5"}]) == [{"agent": "agent07", "x": 1000.0, "y": -2.5}]


def test_parse_dashboard_reads_targets_variables_and_annotations() -> None:
    spikes = next(d for d in load_dashboards() if d.uid == "ripple-spikes")
    assert spikes.clickhouse and spikes.annotations and "$__timeFilter(started_at)" in spikes.annotations[0].sql
    assert [v.name for v in spikes.variables] == ["channel", "language", "aspect"]
    minimal = parse_dashboard({"uid": "x", "panels": [{"id": 1, "type": "stat", "targets": [
        {"refId": "A", "datasource": {"type": "prometheus", "uid": "p"}, "expr": "up"}]}]})
    assert not minimal.clickhouse and minimal.panels[0].targets[0].sql == "up"
