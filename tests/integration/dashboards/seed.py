"""Seed ClickHouse with realistic rows through the real migration and the sink's row mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from producers.simulator import Simulator
from ripple.contracts import AlertKind, AlertReason, AlertStatus, Channel, CustomerAlert, ScoredFeedback, Severity
from sinks.clickhouse.backend import Backend
from sinks.clickhouse.rows import FEEDBACK_COLUMNS, feedback_row
from sinks.clickhouse.schema import migrate
from streams.scoring.pipeline import score_event

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHANNELS = ("chat", "email", "review", "phone_survey")


def scored_events(n: int, start: datetime = START) -> list[ScoredFeedback]:
    """``n`` simulated events (five languages, four channels) scored by the real scoring stage."""
    sim = Simulator(seed=7, customers=60, start=start)
    return [score_event(raw, now=raw.event_time + timedelta(seconds=1)) for raw in sim.events(n)]


def seed(backend: Backend, n: int = 400, replays: int = 2) -> list[ScoredFeedback]:
    """Migrate, then insert every row ``replays`` times (a redelivery): dashboards must count each once."""
    migrate(backend)
    events = scored_events(n)
    rows = [feedback_row(ev, partition=i % 2, offset=i) for i, ev in enumerate(events)]
    backend.insert("feedback_events", FEEDBACK_COLUMNS, rows)
    for _ in range(replays - 1):
        # Redelivered in other batch boundaries, so block-level insert dedup (newer servers) cannot
        # hide it: only the queries' FINAL / uniqExact keeps the counts exact.
        half = len(rows) // 2
        backend.insert("feedback_events", FEEDBACK_COLUMNS, rows[half:])
        backend.insert("feedback_events", FEEDBACK_COLUMNS, rows[:half])
    return events


# -- alert and aggregate topics: records shaped like alerts.customer.v1, alerts.spike.v1 and
# feedback.aggregates.v1, turned into rows by the sink's own mappers (sinks.clickhouse.rows).


def iso(dt: datetime) -> str:
    return dt.isoformat()


def customer_alert_dicts(n: int = 40, start: datetime = START) -> list[dict[str, Any]]:
    """``n`` alert episodes as the customers stage publishes them (whole alert, version + 1 per change):
    every 5th gets an SLA warning, a warning and a breach, a completed follow-up, or a recovery."""
    out = []
    for i in range(n):
        opened = start + timedelta(minutes=3 * i)
        reason = AlertReason(rule="very_negative_contact", event_ids=(f"e{i}",), channels=(Channel(CHANNELS[i % 4]),),
                             detail="one very negative contact", snippet="the parcel never [REDACTED] arrived")
        reasons = (reason,) + ((AlertReason(rule="nps_detractor", event_ids=(f"e{i}",), detail="NPS 2"),)
                               if i % 2 else ())
        base: dict[str, Any] = dict(
            alert_id=f"a{i:04d}", customer_id=f"c{i:06d}", episode=1,
            severity=Severity(("high", "medium", "critical")[i % 3]), priority=10.0 + i % 7, reasons=reasons,
            estimated_reach=9 + (40 if i % 4 == 2 else 0), recommended_action="call back within 10 h",
            opened_at=opened, warn_at=opened + timedelta(hours=8), due_by=opened + timedelta(hours=10),
            sentiment_before=-0.8)
        steps: list[tuple[AlertKind, AlertStatus, timedelta, dict[str, Any]]] = [
            (AlertKind.OPENED, AlertStatus.OPEN, timedelta(0), {})]
        if i % 5 in (1, 2):
            steps.append((AlertKind.SLA_WARNING, AlertStatus.OPEN, timedelta(hours=8), {}))
        if i % 5 == 2:
            steps.append((AlertKind.SLA_BREACH, AlertStatus.OPEN, timedelta(hours=10), {}))
        if i % 5 == 3:
            took = timedelta(hours=2, minutes=i)
            steps.append((AlertKind.CLOSED, AlertStatus.CLOSED, took,
                          {"closed_at": opened + took, "time_to_close_s": took.total_seconds(), "owner": "team-a"}))
        if i % 5 == 4:
            took = timedelta(hours=1)
            steps.append((AlertKind.RECOVERED, AlertStatus.CLOSED, took,
                          {"closed_at": opened + took, "time_to_close_s": took.total_seconds(),
                           "sentiment_after": 0.6, "recovery": 1.4}))
        for version, (kind, status, after, extra) in enumerate(steps, start=1):
            alert = CustomerAlert(**base, **extra, version=version, kind=kind, status=status,
                                  event_time=opened + after, emitted_at=opened + after + timedelta(seconds=1))
            out.append(alert.model_dump(mode="json"))
    return out


def spike_alert_dicts(start: datetime = START) -> list[dict[str, Any]]:
    """Three spikes: two resolved after 12 minutes, one still firing."""
    out = []
    for i, (channel, aspect) in enumerate([("chat", "delivery"), ("review", "price"), ("email", "*")]):
        began = start + timedelta(minutes=20 + 25 * i)
        base = {"spike_id": f"s{i}", "series": {"channel": channel, "aspect": aspect, "language": "*"},
                "severity": "critical" if i == 0 else "warning", "observed": 30 + i, "expected": 8.5,
                "ratio": 3.5, "p_value": 0.0001, "span_windows": 2, "window_seconds": 60, "started_at": iso(began)}
        out.append({**base, "state": "firing", "window_start": iso(began), "version": 1,
                    "emitted_at": iso(began + timedelta(seconds=70))})
        if i < 2:
            end = began + timedelta(minutes=12)
            out.append({**base, "state": "resolved", "resolved_at": iso(end), "window_start": iso(end),
                        "emitted_at": iso(end + timedelta(seconds=70)), "version": 2})
    return out


def minute_dicts(minutes: int = 120, start: datetime = START) -> list[dict[str, Any]]:
    """Per-minute windows per channel plus the all-channel roll-up ("*"), with a chat surge."""
    out = []
    for m in range(minutes):
        ws = start + timedelta(minutes=m)
        for channel in (*CHANNELS, "*"):
            count = 80 if channel == "*" else 20
            negative = 25 if channel == "*" else 5 + (20 if channel == "chat" and 20 <= m < 32 else 0)
            out.append({"key": f"{iso(ws)}|{channel}|*|*", "window_start": iso(ws),
                        "window_end": iso(ws + timedelta(minutes=1)), "channel": channel, "aspect": "*",
                        "language": "*", "count": count, "negative": negative, "satisfaction_sum": 2.5,
                        "satisfaction_n": count, "promoters": 3, "passives": 2, "detractors": 4, "late": 0,
                        "version": count, "emitted_at": iso(ws + timedelta(minutes=1, seconds=5))})
    return out


def seed_alerts(backend: Backend) -> None:
    """Customer alerts, spikes and minute windows, each inserted twice in different batches (a replay)."""
    from sinks.clickhouse import rows as sink_rows

    migrate(backend)
    tables: list[tuple[str, Any, Any, list[dict[str, Any]]]] = [
        ("customer_alerts", sink_rows.CUSTOMER_ALERT_COLUMNS, sink_rows.customer_alert_row, customer_alert_dicts()),
        ("spike_alerts", sink_rows.SPIKE_ALERT_COLUMNS, sink_rows.spike_alert_row, spike_alert_dicts()),
        ("feedback_minute", sink_rows.MINUTE_COLUMNS, sink_rows.minute_row, minute_dicts()),
    ]
    for table, columns, build, records in tables:
        rows = [build(d, sink_rows.Source(i % 2, i)) for i, d in enumerate(records)]
        backend.insert(table, columns, rows)
        half = len(rows) // 2
        backend.insert(table, columns, rows[half:])
        backend.insert(table, columns, rows[:half])
