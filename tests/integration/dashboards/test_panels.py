"""Every ClickHouse panel's SQL, macros expanded, runs on both backends and returns what it should."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from dashboards.catalog import CLICKHOUSE_TYPE, context_for, load_dashboards, run_target, variable_options
from dashboards.macros import interval_for
from sinks.clickhouse import Backend, connect
from tests.integration.dashboards.seed import START, seed

pytestmark = pytest.mark.integration

N = 400
FROM, TO = START - timedelta(minutes=5), START + timedelta(hours=3)

# (dashboard uid, panel title) -> the columns the panel's visualisation reads, in order.
EXPECTED_COLUMNS: dict[tuple[str, str], list[str]] = {
    ("ripple-operations", "Feedback events"): ["events"],
    ("ripple-operations", "NPS"): ["nps_score", "responses"],
    ("ripple-operations", "Negative share"): ["negative_share"],
    ("ripple-operations", "Unscored share"): ["unscored_share"],
    ("ripple-operations", "Volume by channel"): ["time", "channel", "events"],
    ("ripple-operations", "Satisfaction trend"): ["time", "avg_satisfaction", "avg_sentiment"],
    ("ripple-operations", "NPS trend"): ["time", "nps_score"],
    ("ripple-operations", "Top aspects"): ["aspect", "mentions", "negative", "avg_satisfaction"],
    ("ripple-operations", "Language mix"): ["language", "events"],
    ("ripple-agents", "Agents"): ["agent", "contacts", "abusive_contacts", "long_abusive_contacts", "abuse_share",
                                  "avg_satisfaction", "avg_csat"],
    ("ripple-agents", "Abuse exposure per agent"): ["agent", "abusive_contacts", "contacts"],
    ("ripple-agents", "Satisfaction per agent"): ["agent", "avg_satisfaction"],
    ("ripple-agents", "Abusive contacts"): ["time", "channel", "abusive_contacts"],
}
# Titles used twice on one dashboard (stat + time series) are told apart by panel type.
EXPECTED_BY_TYPE: dict[tuple[str, str, str], list[str]] = {
    ("ripple-operations", "Negative share", "timeseries"): ["time", "negative_share"],
    ("ripple-operations", "Unscored share", "timeseries"): ["time", "unscored_share", "unreliable_share"],
}


def _expected(uid: str, title: str, kind: str) -> list[str]:
    return EXPECTED_BY_TYPE.get((uid, title, kind)) or EXPECTED_COLUMNS[(uid, title)]


@pytest.fixture
def seeded(clickhouse_url: str) -> Iterator[Backend]:
    backend = connect(clickhouse_url)
    seed(backend, N)
    yield backend
    backend.close()


def _clickhouse_panels() -> list[tuple[str, str, str]]:
    return [(d.uid, p.title, p.type) for d in load_dashboards() for p in d.panels
            if p.datasource_type == CLICKHOUSE_TYPE]


def test_every_clickhouse_panel_has_expected_columns_listed() -> None:
    for uid, title, kind in _clickhouse_panels():
        assert _expected(uid, title, kind), (uid, title)


def test_every_panel_runs_and_returns_its_columns(seeded: Backend) -> None:
    failures = []
    for dash in load_dashboards():
        if not any(p.datasource_type == CLICKHOUSE_TYPE for p in dash.panels):
            continue
        options = variable_options(seeded, dash, FROM, TO)
        ctx = context_for(dash, FROM, TO, interval_for(FROM, TO), {}, options)
        for panel in dash.panels:
            for target in panel.targets:
                rows = run_target(seeded, target, ctx)
                expected = _expected(dash.uid, panel.title, panel.type)
                if not rows:
                    failures.append(f"{dash.uid}/{panel.title}: no rows")
                elif list(rows[0]) != expected:
                    failures.append(f"{dash.uid}/{panel.title}: columns {list(rows[0])} != {expected}")
    assert not failures, "\n".join(failures)


def test_counts_are_exact_after_a_replay(seeded: Backend) -> None:
    """Every row was inserted twice; dedup-safe queries still count each event once."""
    dash = next(d for d in load_dashboards() if d.uid == "ripple-operations")
    ctx = context_for(dash, FROM, TO, 3600, {}, {})
    by_title = {(p.title, p.type): p for p in dash.panels}
    total = run_target(seeded, by_title[("Feedback events", "stat")].targets[0], ctx)
    assert total == [{"events": N}]
    per_channel = run_target(seeded, by_title[("Volume by channel", "timeseries")].targets[0], ctx)
    assert sum(r["events"] for r in per_channel) == N
    langs = run_target(seeded, by_title[("Language mix", "piechart")].targets[0], ctx)
    assert sum(r["events"] for r in langs) == N
    assert len(langs) >= 2  # English plus the unscored languages


def test_variables_filter_the_panels(seeded: Backend) -> None:
    dash = next(d for d in load_dashboards() if d.uid == "ripple-operations")
    options = variable_options(seeded, dash, FROM, TO)
    assert set(options["channel"]) == {"chat", "email", "review", "phone_survey"}
    assert "delivery" in options["aspect"]
    panel = next(p for p in dash.panels if p.title == "Volume by channel")
    ctx = context_for(dash, FROM, TO, 3600, {"channel": ["review", "email"]}, options)
    rows = run_target(seeded, panel.targets[0], ctx)
    assert rows and {r["channel"] for r in rows} == {"review", "email"}
    # A hostile value stays a literal: no rows, no error.
    ctx = context_for(dash, FROM, TO, 3600, {"channel": ["x') OR 1=1 OR ('"]}, options)
    assert run_target(seeded, panel.targets[0], ctx) == []
    aspects = next(p for p in dash.panels if p.title == "Top aspects")
    ctx = context_for(dash, FROM, TO, 3600, {"aspect": ["price"]}, options)
    assert [r["aspect"] for r in run_target(seeded, aspects.targets[0], ctx)] == ["price"]


def test_unscored_events_are_not_counted_as_neutral(seeded: Backend) -> None:
    dash = next(d for d in load_dashboards() if d.uid == "ripple-operations")
    ctx = context_for(dash, FROM, TO, 3600, {}, {})
    panel = next(p for p in dash.panels if p.title == "Unscored share" and p.type == "stat")
    [row] = run_target(seeded, panel.targets[0], ctx)
    assert row["unscored_share"] == pytest.approx(len(range(0, N, 17)) / N, abs=1e-6)
