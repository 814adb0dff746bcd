"""Seed ClickHouse with realistic rows through the real migration and the sink's row mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from producers.simulator import Simulator
from ripple.contracts import ScoredFeedback
from sinks.clickhouse.backend import Backend
from sinks.clickhouse.rows import FEEDBACK_COLUMNS, feedback_row
from sinks.clickhouse.schema import migrate
from streams.scoring.pipeline import score_event

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHANNELS = ("chat", "email", "review", "phone_survey")
ASPECTS = ("delivery", "price", "staff", "product_quality", "billing")
FOREIGN = ("Η παράδοση άργησε πολύ και κανείς δεν απάντησε", "Доставка опоздала, никто не ответил на звонок")


def scored_events(n: int, start: datetime = START) -> list[ScoredFeedback]:
    """``n`` simulated events scored by the real scorer, with the aspects and cues later stages add."""
    sim = Simulator(seed=7, customers=60, start=start)
    out = []
    for i, raw in enumerate(sim.events(n)):
        if i % 17 == 0:  # a language without a scorer: must show up as unscored, not neutral
            raw = raw.model_copy(update={"text": FOREIGN[i % 2]})
        ev = score_event(raw, now=raw.event_time + timedelta(seconds=1))
        aspects = (ASPECTS[i % len(ASPECTS)],) + ((ASPECTS[(i + 2) % len(ASPECTS)],) if i % 3 == 0 else ())
        cues = ("abuse",) if ev.agent_id and i % 5 == 0 else ()
        out.append(ev.model_copy(update={"aspects": aspects, "cues": cues}))
    return out


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
    """``n`` alerts: every 5th gets an SLA warning, a breach, a close or a recovery."""
    out = []
    for i in range(n):
        opened = start + timedelta(minutes=3 * i)
        base = {"alert_id": f"a{i:04d}", "customer_id": f"c{i:06d}", "severity": ("high", "medium", "critical")[i % 3],
                "priority": 10.0 + i % 7, "reach": 9 + (40 if i % 4 == 2 else 0),
                "reasons": ["very_negative_contact"] + (["nps_detractor"] if i % 2 else []),
                "evidence": ["one very negative chat"], "channel": CHANNELS[i % 4],
                "due_by": iso(opened + timedelta(hours=10)), "recommended_action": "call back within 10 h",
                "emitted_at": iso(opened)}
        out.append({**base, "kind": "opened", "version": 1, "event_time": iso(opened)})
        later = {
            1: [("sla_warning", 8 * 60)],
            2: [("sla_warning", 8 * 60), ("sla_breach", 10 * 60)],
            3: [("closed", 120 + i)],
            4: [("recovered", 60)],
        }.get(i % 5, [])
        for version, (kind, minutes) in enumerate(later, start=2):
            at = opened + timedelta(minutes=minutes)
            out.append({**base, "kind": kind, "version": version, "event_time": iso(at)})
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
