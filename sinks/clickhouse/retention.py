"""Retention: feedback text is kept ``days`` days; scores, alerts and aggregates stay.

Where the server has TTL (19.6+, chDB) the columns carry a TTL and ClickHouse expires text itself.
ClickHouse 18.16 has no TTL, so the same policy is enforced by mutations (``ALTER ... UPDATE`` to
blank the text, ``ALTER ... DELETE`` for dead letters, which hold whole original records); the sink
issues them periodically and ``ripple schema retention`` on demand. A mutation rewrites parts, so
it is issued only when some expired text actually exists.
"""

from __future__ import annotations

from sinks.clickhouse.backend import Backend
from sinks.clickhouse.mutations import wait_mutations
from sinks.clickhouse.schema import Capabilities, retention_ttl_statements

# (table, condition selecting expired content, mutation command) — constants, never user input;
# the age is bound as a parameter.
_FALLBACK: tuple[tuple[str, str, str], ...] = (
    (
        "feedback_events",
        "event_time < now() - %(secs)s AND (text != '' OR subject != '')",
        "UPDATE text = '', subject = ''",
    ),
    (
        "customer_alerts",
        "event_time < now() - %(secs)s AND notEmpty(evidence)",
        "UPDATE evidence = emptyArrayString()",
    ),
    ("dead_letters", "failed_at < now() - %(secs)s", "DELETE"),
)


def enforce(backend: Backend, days: int, wait: bool = True) -> dict[str, str]:
    """Apply the retention policy; returns what was done per table ('ttl', 'mutation', 'nothing')."""
    caps = Capabilities(backend.version())
    if days < 1:
        raise ValueError("retention must be at least one day")
    if caps.ttl:
        for stmt in retention_ttl_statements(caps, days):
            backend.execute(stmt)
        return {table: "ttl" for table, _, _ in _FALLBACK}
    from sinks import metrics

    params = {"secs": int(days) * 86_400}
    done: dict[str, str] = {}
    for table, cond, command in _FALLBACK:
        expired = int(backend.query(f"SELECT count() FROM {table} WHERE {cond}", params)[0][0])
        if not expired:
            done[table] = "nothing"
            continue
        backend.execute(f"ALTER TABLE {table} {command} WHERE {cond}", params)
        metrics.RETENTION_RUNS.inc()
        done[table] = "mutation"
    if wait:
        wait_mutations(backend, [t for t, what in done.items() if what == "mutation"])
    return done
