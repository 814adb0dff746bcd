"""Faust glue for the customers stage: tables keyed by customer id, three small handlers and a timer.

- ``customers``: a scored event -> customer state -> alerts.customer.v1 (+ hostile contacts); fused
  into the scoring pass by default, else an agent over feedback.scored.v1.
- ``customer_followups``: feedback.followups.v1 -> acknowledged / closed.
- ``sla_clock`` (a timer): open alerts past their warning time or deadline -> sla_warning / sla_breach,
  with no further events needed; it writes the state itself through the outbox (partition recorded in
  the due table), between batches (``streams.app.stage_lock``), and once more before the first record
  after each assignment, so a crash can never make a replayed record and a warning claim one version.
- ``agent_exposure``: hostile contacts re-keyed by agent id -> agent_abuse supervisor alerts.

All topics feeding the customers table are keyed by customer id with the same partition count, so
a customer's state, its changelog partition and its inputs live on one partition. The input topics
are consumed in batches (``streams.app.batch_agent``) and every table write and output goes through
the worker's outbox, which keeps the changelog in write order.
"""

from __future__ import annotations

import time
import weakref
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from aiokafka.partitioner import murmur2 as _murmur2
from faust.streams import _current_event

from ripple import topics
from ripple.contracts import AlertKind, CustomerAlert, ScoredFeedback
from streams.app import (
    _topic,
    app,
    batch_agent,
    batch_starts,
    dead_letter,
    on_scored,
    outbox,
    settings,
    source_partitions,
    stage_lock,
)
from streams.customers import metrics
from streams.customers.config import get_rules
from streams.customers.exposure import Exposure, decode_hostile, encode_hostile, record_hostile
from streams.customers.followups import Rejection, validate_followup
from streams.customers.rules import Outcome, apply_followup, process_event, tick
from streams.customers.state import DecodedStates, due_entry, entry_partition, next_deadline
from streams.outbox import put, register_table
from streams.scoring import Failure

STAGE = "customers"
rules = get_rules()
# Tables need faust's data directory (RocksDB files, table metadata); the worker does not create it.
(settings.data_dir / "faust").mkdir(parents=True, exist_ok=True)


def _internal(name: str) -> Any:
    return app.topic(
        f"{settings.worker_id}-{name}",
        internal=True,
        partitions=settings.partitions,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
    )


def _table(name: str, help: str) -> Any:
    # key/value serializers come from the app ("raw"): values are our own orjson bytes.
    return app.Table(name, default=None, key_type=bytes, value_type=bytes, partitions=settings.partitions, help=help)


followups_topic = _topic(topics.FOLLOWUPS)
alerts_topic = _topic(topics.CUSTOMER_ALERTS)
hostile_topic = _internal("customers-hostile-by-agent")

customers_table = _table("customers", "customer_id -> CustomerState (orjson)")
due_table = _table("customers-due", "customer_id -> [warn_at, due_by] for open alerts only")
exposure_table = _table("agent-exposure", "agent_id -> hostile contacts of the current shift")

for _t in (customers_table, due_table, exposure_table):
    register_table(outbox(), _t, settings.changelog_tail_record)


_process_scored = metrics.PROCESS_SECONDS.labels("scored")  # label lookups hoisted off the hot path


async def _publish(key: bytes, alert: CustomerAlert) -> None:
    await outbox().append_keyed(alerts_topic.get_topic_name(), key, alert.to_json())
    metrics.ALERTS.labels(alert.kind.value, alert.severity.value).inc()


_states = DecodedStates()


def _save(event: Any, key: bytes, out: Outcome) -> None:
    box, partition = outbox(), event.message.partition
    data = out.state.to_bytes()
    put(box, customers_table, partition, key, data)
    _states.keep(key, data, out.state)
    metrics.STATE_BYTES.observe(len(data))
    entry = due_entry(out.state, partition)
    if entry is None:
        # A customer who never had an alert cannot be in the due table: skip the lookup (hot path).
        if out.state.episode is not None and key in due_table:
            put(box, due_table, partition, key, None)
    elif due_table.get(key) != entry:
        put(box, due_table, partition, key, entry)


async def _emit(key: bytes, out: Outcome) -> None:
    for alert in out.alerts:
        await _publish(key, alert)
        if alert.kind is AlertKind.RECOVERED and alert.recovery is not None:
            metrics.RECOVERY.observe(alert.recovery)
    if out.closed_by is not None and out.alerts and out.alerts[-1].time_to_close_s is not None:
        metrics.TIME_TO_CLOSE.labels(out.closed_by).observe(out.alerts[-1].time_to_close_s)


def _key_matches(key: bytes | None, customer_id: str) -> bool:
    return key is not None and key == customer_id.encode()


@on_scored(STAGE)
async def customers(event: Any, ev: ScoredFeedback) -> Failure | None:
    """A scored event -> per-customer state -> alerts.customer.v1 (runs in the scoring pass when fused)."""
    started = time.perf_counter()
    key = event.key
    if not _key_matches(key, ev.customer_id):
        # State is partitioned by the record key: a wrongly keyed record would fork the customer.
        return Failure("key_mismatch", f"key {key!r} != customer_id")
    out = process_event(_states.take(key, customers_table.get(key)), ev, rules, datetime.now(UTC))
    if out.duplicate:
        metrics.DUPLICATES.labels("scored").inc()
        return None
    # Alerts before the state that records them: an await in between may let a timer flush the outbox,
    # and state durable without its alerts would make the replay a duplicate that never re-publishes.
    await _emit(key, out)
    _save(event, key, out)
    if out.hostile is not None:
        await outbox().append_keyed(hostile_topic.get_topic_name(), out.hostile.agent_id.encode(),
                                    encode_hostile(out.hostile))
    _process_scored.observe(time.perf_counter() - started)
    return None


@batch_agent(followups_topic)
async def customer_followups(event: Any) -> None:
    """feedback.followups.v1 -> acknowledged / closed (loop closed, time-to-close measured)."""
    fu = validate_followup(event.value or b"")
    if isinstance(fu, Rejection):
        await dead_letter(STAGE, Failure(fu.reason, fu.detail), event)
        return
    key = event.key
    if not _key_matches(key, fu.customer_id):
        await dead_letter(STAGE, Failure("key_mismatch", f"key {key!r} != customer_id"), event)
        return
    out = apply_followup(_states.take(key, customers_table.get(key)), fu, rules, datetime.now(UTC))
    result = "duplicate" if out.duplicate else out.ignored or "applied"
    metrics.FOLLOWUPS.labels(fu.kind.value, result).inc()
    await _emit(key, out)  # before the state, as in ``customers``
    if out.alerts or (not out.duplicate and out.ignored is None):
        _save(event, key, out)
    elif out.ignored == "already_closed":
        _save(event, key, out)  # remember the follow-up id so a replay stays a no-op


@batch_agent(hostile_topic)
async def agent_exposure(event: Any) -> None:
    """Hostile contacts keyed by agent -> one agent_abuse alert per agent and shift past the threshold."""
    key = event.key
    if key is None or not event.value:
        return
    hostile = decode_hostile(event.value)
    state, alert = record_hostile(Exposure.from_bytes(exposure_table.get(key)), hostile, rules, datetime.now(UTC))
    put(outbox(), exposure_table, event.message.partition, key, state.to_bytes())
    if alert is not None:
        await _publish(key, alert)


class _TimerEvent:
    """Stands in for faust's current event when the SLA timer writes a customer's state: the RocksDB
    store and ``_save`` take the partition from it."""

    __slots__ = ("__weakref__", "message")

    def __init__(self, partition: int) -> None:
        self.message = SimpleNamespace(partition=partition)


@app.timer(interval=rules.tick_interval_s, name="customers_sla_clock")  # type: ignore[untyped-decorator]
async def sla_clock() -> None:
    """Fire sla_warning / sla_breach whose time has come, with no further events needed."""
    if app.rebalancing or app.in_recovery:
        return
    async with stage_lock:
        await _fire_due()


class _Sla:
    owed = True
    """A scan is owed before the first record after an assignment (see ``streams.app.stage_lock``)."""


@app.on_partitions_assigned.connect  # type: ignore[arg-type]  # mode types its handlers narrowly
async def _on_assigned(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
    _Sla.owed = True
    _states.clear()  # stale entries would only miss (see DecodedStates); this frees revoked customers


async def _scan_before_records() -> None:
    """After a restart or rebalance, fire what is due before any record touches the state.

    A crash after the timer published warnings but before their state was durable leaves the state
    as it was before the timer ran; scanning first repeats those warnings identically (same state,
    same deadlines), where a replayed record first would publish a different alert as that version.
    """
    if _Sla.owed:
        _Sla.owed = False
        await _fire_due()


batch_starts.append(_scan_before_records)


async def _fire_due() -> None:
    """Scan open alerts (the small due table) and fire those past their warning time or deadline.

    Runs with the stage lock held, so the state it reads and writes is at a batch boundary, and it
    writes through the outbox like every other writer (partition recorded in the due entry).
    """
    now = time.time()
    entries = list(due_table.items())
    metrics.OPEN_ALERTS.set(len(entries))
    active = source_partitions()
    fired = False
    for key, entry in entries:
        if entry is None or next_deadline(entry) > now:
            continue
        partition = entry_partition(entry)
        if partition is None:
            partition = _partition_of(key)
        if partition not in active:
            continue  # a standby copy: the worker that owns the partition fires it
        raw = customers_table.get(key)
        if raw is None:
            continue
        out = tick(key.decode(), _states.take(key, raw), rules, datetime.now(UTC))
        if not out.alerts:  # nothing changed: the decoded state is still the stored one
            _states.keep(key, raw, out.state)
            continue
        event = _TimerEvent(partition)
        token = _current_event.set(weakref.ref(event))  # type: ignore[arg-type]  # duck-typed: .message.partition
        try:
            await _emit(key, out)
            _save(event, key, out)
        finally:
            _current_event.reset(token)
        fired = True
    if fired:
        await outbox().flush()


def _partition_of(key: bytes) -> int:
    """Kafka's default (murmur2) partition of ``key``: what the producers use for feedback.raw.v1."""
    return int(_murmur2(key) & 0x7FFFFFFF) % settings.partitions
