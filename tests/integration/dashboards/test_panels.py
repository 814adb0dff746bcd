"""Every ClickHouse panel's SQL, macros expanded, runs on both backends and returns what it should."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from dashboards.catalog import CLICKHOUSE_TYPE, Target, context_for, load_dashboards, run_target, variable_options
from dashboards.macros import interval_for
from sinks.clickhouse import Backend, connect
from tests.integration.dashboards.seed import START, scored_events, seed, seed_alerts

pytestmark = pytest.mark.integration

N = 400
FROM, TO = START - timedelta(minutes=5), START + timedelta(hours=12)

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
    ("ripple-customers", "Open alerts"): ["open_alerts", "reach_at_risk"],
    ("ripple-customers", "Overdue follow-ups"): ["overdue", "warned"],
    ("ripple-customers", "SLA breaches"): ["breaches"],
    ("ripple-customers", "Recoveries"): ["recovered", "recovered_share", "mean_recovery"],
    ("ripple-customers", "Open alerts by priority"): ["customer_id", "severity", "priority", "reach", "reasons",
                                                      "last_channel", "due_by", "minutes_to_due", "state",
                                                      "recommended_action", "alert_id"],
    ("ripple-customers", "SLA warnings and breaches"): ["time", "kind", "alerts"],
    ("ripple-customers", "Alerts opened, closed and recovered"): ["time", "kind", "alerts"],
    ("ripple-customers", "Time to close the loop"): ["time", "mean_hours", "p90_hours"],
    ("ripple-customers", "Reach at risk by channel"): ["last_channel", "reach_at_risk", "open_alerts"],
    ("ripple-spikes", "Complaints per minute by channel"): ["time", "channel", "complaints_per_minute"],
    ("ripple-spikes", "Complaint rate for the selection"): ["time", "complaints_per_minute", "events_per_minute"],
    ("ripple-spikes", "Spikes per series"): ["series", "spikes"],
    ("ripple-spikes", "Current spikes"): ["channel", "aspect", "language", "severity_now", "started", "peak_observed",
                                          "expected_at_peak", "peak_ratio", "spike_id"],
    ("ripple-spikes", "Recent spikes"): ["channel", "aspect", "language", "severity_last", "started", "resolved",
                                         "duration_min", "peak_observed", "expected_at_peak", "spike_id"],
}
ALERT_DASHBOARDS = {"ripple-customers", "ripple-spikes"}
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


@pytest.fixture
def seeded_all(seeded: Backend) -> Backend:
    seed_alerts(seeded)
    return seeded


def _clickhouse_panels() -> list[tuple[str, str, str]]:
    return [(d.uid, p.title, p.type) for d in load_dashboards() for p in d.panels
            if p.datasource_type == CLICKHOUSE_TYPE]


def test_every_clickhouse_panel_has_expected_columns_listed() -> None:
    for uid, title, kind in _clickhouse_panels():
        assert _expected(uid, title, kind), (uid, title)


CLICKHOUSE_DASHBOARDS = [
    d.uid for d in load_dashboards() if any(p.datasource_type == CLICKHOUSE_TYPE for p in d.panels)
]


@pytest.mark.parametrize("uid", CLICKHOUSE_DASHBOARDS)
def test_every_panel_runs_and_returns_its_columns(uid: str, seeded: Backend, request: pytest.FixtureRequest) -> None:
    backend = request.getfixturevalue("seeded_all") if uid in ALERT_DASHBOARDS else seeded
    failures = []
    for dash in [d for d in load_dashboards() if d.uid == uid]:
        options = variable_options(backend, dash, FROM, TO)
        ctx = context_for(dash, FROM, TO, interval_for(FROM, TO), {}, options)
        for ann in dash.annotations:
            rows = run_target(backend, Target("ann", CLICKHOUSE_TYPE, ann.sql, "table"), ctx)
            if not rows or list(rows[0]) != ["time", "timeEnd", "text", "tags"]:
                failures.append(f"{dash.uid}/annotation {ann.name}: {rows[:1]}")
        for panel in dash.panels:
            for target in panel.targets:
                rows = run_target(backend, target, ctx)
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
    unscored = sum(ev.label.value == "unscored" for ev in scored_events(N))
    assert unscored > 0  # the simulator's mix includes languages without a scorer
    assert row["unscored_share"] == pytest.approx(unscored / N, abs=1e-6)


def test_customer_alert_panels_count_each_alert_once(seeded_all: Backend) -> None:
    """40 alerts (every record replayed): 8 closed, 8 recovered, 8 breached, the rest open."""
    dash = next(d for d in load_dashboards() if d.uid == "ripple-customers")
    ctx = context_for(dash, FROM, TO, 3600, {}, {})
    panels = {p.title: p for p in dash.panels}
    assert run_target(seeded_all, panels["Open alerts"].targets[0], ctx) == [
        {"open_alerts": 24, "reach_at_risk": pytest.approx(24 * 9 + 6 * 40)}]
    assert run_target(seeded_all, panels["SLA breaches"].targets[0], ctx) == [{"breaches": 8}]
    [rec] = run_target(seeded_all, panels["Recoveries"].targets[0], ctx)
    assert (rec["recovered"], rec["recovered_share"], rec["mean_recovery"]) == (8, pytest.approx(0.5), 1.4)
    table = run_target(seeded_all, panels["Open alerts by priority"].targets[0], ctx)
    assert len(table) == 24 and len({r["alert_id"] for r in table}) == 24
    assert [r["priority"] for r in table] == sorted((r["priority"] for r in table), reverse=True)
    closing = run_target(seeded_all, panels["Time to close the loop"].targets[0], ctx)
    assert closing and all(1 <= r["mean_hours"] < 3 for r in closing)  # recoveries 1 h, follow-ups 2-3 h
    review_only = context_for(dash, FROM, TO, 3600, {"channel": ["review"]}, {})
    assert {r["last_channel"] for r in run_target(seeded_all, panels["Open alerts by priority"].targets[0],
                                                  review_only)} == {"review"}


def test_spike_panels_and_annotations(seeded_all: Backend) -> None:
    dash = next(d for d in load_dashboards() if d.uid == "ripple-spikes")
    ctx = context_for(dash, FROM, TO, 60, {}, {})
    panels = {p.title: p for p in dash.panels}
    current = run_target(seeded_all, panels["Current spikes"].targets[0], ctx)
    assert [r["spike_id"] for r in current] == ["s2"]
    recent = run_target(seeded_all, panels["Recent spikes"].targets[0], ctx)
    assert sorted(r["spike_id"] for r in recent) == ["s0", "s1", "s2"]
    assert {r["spike_id"]: r["duration_min"] for r in recent}["s0"] == 12
    [ann] = dash.annotations
    bands = run_target(seeded_all, Target("ann", CLICKHOUSE_TYPE, ann.sql, "table"), ctx)
    assert len(bands) == 3 and all(b["timeEnd"] >= b["time"] for b in bands)
    rates = run_target(seeded_all, panels["Complaints per minute by channel"].targets[0], ctx)
    chat = [r["complaints_per_minute"] for r in rates if r["channel"] == "chat"]
    assert max(chat) == 25 and min(chat) == 5  # the surge, exactly once despite the replay
