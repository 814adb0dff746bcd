"""Dedup-safe queries: exact counts whatever duplicates replays left behind.

Every table is a ReplacingMergeTree, but replacement happens in background merges, so a plain
``count()`` can see a replayed row twice until then. Exact reads therefore collapse duplicates
themselves, in forms that work on ClickHouse 18.16 as on current servers:

* ``argMax(col, version)`` grouped by the table's key (the latest version of each key wins);
  this is preferred over ``FINAL`` because on old servers ``FINAL`` is single-threaded and a
  ``WHERE`` on a non-key column may be evaluated before replacement, picking a stale version;
* ``uniqExact(key)`` where only the number of distinct keys matters.

Dashboards (issue 8) should build on these forms; ``ripple stats`` prints them.
"""

from __future__ import annotations

from typing import Any

from sinks.clickhouse.backend import Backend

# One row per event_id, latest scoring wins (a re-scored event replaces the old score).
FEEDBACK_LATEST = """
SELECT event_id, argMax(channel, scored_at) AS channel, argMax(label, scored_at) AS label,
       argMax(customer_id, scored_at) AS customer_id, argMax(event_time, scored_at) AS event_time
FROM feedback_events GROUP BY event_id
"""

FEEDBACK_BY_CHANNEL_LABEL = f"""
SELECT channel, label, count() AS n FROM ({FEEDBACK_LATEST}) GROUP BY channel, label ORDER BY channel, label
"""

# One row per (alert_id, kind): the latest emission of each lifecycle step.
ALERT_STEPS = """
SELECT alert_id, kind, argMax(customer_id, version) AS customer_id, argMax(severity, version) AS severity,
       argMax(event_time, version) AS event_time, argMax(due_by, version) AS due_by
FROM customer_alerts GROUP BY alert_id, kind
"""

ALERTS_BY_KIND = f"SELECT kind, count() AS n FROM ({ALERT_STEPS}) GROUP BY kind ORDER BY kind"

# Alerts whose latest publication (highest version) is neither closed nor recovered: the on-call
# list. Status comes from the CustomerAlert contract; records without one fall back to the kind.
OPEN_ALERTS = """
SELECT alert_id, argMax(customer_id, version) AS customer_id, argMax(kind, version) AS kind,
       argMax(severity, version) AS severity, argMax(priority, version) AS priority,
       argMax(due_by, version) AS due_by
FROM customer_alerts
GROUP BY alert_id
HAVING kind NOT IN ('closed', 'recovered') AND argMax(status, version) != 'closed'
"""

# Seconds from opened to closed per alert (time-to-close panel).
TIME_TO_CLOSE = f"""
SELECT alert_id,
       maxIf(event_time, kind = 'closed') - minIf(event_time, kind = 'opened') AS seconds
FROM ({ALERT_STEPS})
GROUP BY alert_id
HAVING countIf(kind = 'opened') > 0 AND countIf(kind = 'closed') > 0
"""

SPIKES_BY_STATE = """
SELECT state, count() AS n FROM (SELECT spike_id, state FROM spike_alerts GROUP BY spike_id, state)
GROUP BY state ORDER BY state
"""

# Latest version of each minute window, then summed: replays overwrite instead of adding.
MINUTE_LATEST = """
SELECT window_start, channel, aspect, language,
       argMax(count, version) AS count, argMax(negative, version) AS negative,
       argMax(satisfaction_sum, version) AS satisfaction_sum,
       argMax(satisfaction_n, version) AS satisfaction_n,
       argMax(promoters, version) AS promoters, argMax(passives, version) AS passives,
       argMax(detractors, version) AS detractors, argMax(late, version) AS late
FROM feedback_minute GROUP BY window_start, channel, aspect, language
"""

MINUTE_BY_CHANNEL = f"""
SELECT channel, sum(count) AS n, sum(negative) AS negative
FROM ({MINUTE_LATEST}) GROUP BY channel ORDER BY channel
"""

DEAD_LETTERS_BY_REASON = """
SELECT stage, reason, uniqExact(toDate(failed_at), kafka_partition, kafka_offset) AS n
FROM dead_letters GROUP BY stage, reason ORDER BY stage, reason
"""

TOTALS: dict[str, str] = {
    "feedback_events": "SELECT uniqExact(event_id) FROM feedback_events",
    "customer_alerts": "SELECT uniqExact(alert_id, kind) FROM customer_alerts",
    "spike_alerts": "SELECT uniqExact(spike_id, state) FROM spike_alerts",
    "feedback_minute": "SELECT uniqExact(window_start, channel, aspect, language) FROM feedback_minute",
    "dead_letters": "SELECT uniqExact(toDate(failed_at), kafka_partition, kafka_offset) FROM dead_letters",
}


def exact_totals(backend: Backend) -> dict[str, int]:
    """Distinct rows per table, i.e. what the table will hold once merges have replaced duplicates."""
    return {table: int(backend.query(sql)[0][0]) for table, sql in TOTALS.items()}


def raw_totals(backend: Backend) -> dict[str, int]:
    """Physical rows per table (duplicates included): for diagnosing, never for dashboards."""
    return {table: int(backend.query(f"SELECT count() FROM {table}")[0][0]) for table in TOTALS}


def stats(backend: Backend) -> dict[str, Any]:
    """Everything ``ripple stats`` prints, exact."""
    return {
        "totals": exact_totals(backend),
        "feedback_by_channel_label": [tuple(r) for r in backend.query(FEEDBACK_BY_CHANNEL_LABEL)],
        "alerts_by_kind": [tuple(r) for r in backend.query(ALERTS_BY_KIND)],
        "open_alerts": int(backend.query(f"SELECT count() FROM ({OPEN_ALERTS})")[0][0]),
        "spikes_by_state": [tuple(r) for r in backend.query(SPIKES_BY_STATE)],
        "minute_by_channel": [tuple(r) for r in backend.query(MINUTE_BY_CHANNEL)],
        "dead_letters_by_reason": [tuple(r) for r in backend.query(DEAD_LETTERS_BY_REASON)],
    }
