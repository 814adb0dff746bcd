"""faust glue for the windows stage: count scored events into windows, close them on a timer.

Fused (the default), the scoring pass hands each scored event to ``windows``; the window state of a
batch is persisted before the batch is acknowledged. Aggregates and spike alerts go out through the
worker's outbox.

State: every window a partition touched is persisted, as a whole, in the faust table
``windows-state`` (changelog-backed; key ``"<partition>|<window start>"``, written to the changelog
partition of its source partition), so a restarted worker recovers its windows, including the
event ids already counted, and re-emits them with the same versions. The spike detector (baselines,
seasonal profiles, firing spikes) is persisted the same way in ``spike-detector`` after every window
close, so a spike firing at a crash still gets its ``resolved`` event.

The aggregates are global per window: run the windows stage with all partitions of its source
topic (feedback.raw.v1 fused, feedback.scored.v1 not) on one worker (the default deployment). With
several workers each would emit its own partitions' partial counts under the same key.
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

from ripple import topics
from ripple.contracts import ScoredFeedback
from streams import metrics as stream_metrics
from streams.app import app, on_scored, outbox, settings, source_partitions, stage_lock
from streams.outbox import put, register_table
from streams.scoring import Failure
from streams.windows import metrics
from streams.windows.config import WindowSettings
from streams.windows.records import aggregate_record, spike_record
from streams.windows.spikes import SpikeDetector, SpikeEvent
from streams.windows.windows import ALL, Outcome, WindowStore

STAGE = "windows"
log = logging.getLogger(__name__)
wcfg = WindowSettings()
store = WindowStore(wcfg.window_config())
detector = SpikeDetector(wcfg.detector_config())
_aspects = metrics.LabelGuard()


def _out_topic(name: str) -> Any:
    return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
                     partitions=settings.partitions)


aggregates_topic = _out_topic(topics.AGGREGATES)
spikes_topic = _out_topic(topics.SPIKE_ALERTS)
# Always in memory, whatever RIPPLE_FAUST_STORE says: both are small (open windows within the retention,
# one detector), are written per batch and from the close timer (no current event, which the RocksDB
# store needs to pick its partition database), and a memory table is rebuilt from its changelog at start.
MEMORY = "memory://windows"
"""With a host part: yarl's URL("memory://") is falsy, and faust then falls back to the app's store."""
state_table = app.Table("windows-state", partitions=settings.partitions, key_type=bytes, value_type=bytes,
                        store=MEMORY)
detector_table = app.Table("spike-detector", partitions=settings.partitions, key_type=bytes, value_type=bytes,
                           store=MEMORY)
for _t in (state_table, detector_table):
    register_table(outbox(), _t, settings.changelog_tail_record)
DETECTOR_PARTITION = 0
"""The detector is global: its state lives in changelog partition 0 (held with the rest by the one
worker that runs the windows stage)."""


class _Runtime:
    needs_reload = True
    gauges: set[tuple[str, str]] = set()  # noqa: RUF012 - module singleton


_events_in = stream_metrics.EVENTS.labels(STAGE)


def _reload() -> None:
    """After a rebalance and table recovery: keep held partitions, load their persisted windows."""
    assigned = source_partitions()
    store.keep_partitions(assigned)
    n = store.restore_state([(bytes(k).decode(), bytes(v)) for k, v in state_table.data.items()], assigned,
                            time.time())
    log.info("windows: partitions %s, %d windows restored, %d held", sorted(assigned), n, len(store.windows))
    if DETECTOR_PARTITION in assigned and not detector.series:
        detector.restore({bytes(k).decode(): bytes(v) for k, v in detector_table.data.items()})
        _update_spike_gauges()
    _Runtime.needs_reload = False


@app.on_partitions_assigned.connect  # type: ignore[arg-type]  # mode types its handlers narrowly
async def _on_assigned(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
    _Runtime.needs_reload = True


def _persist() -> None:
    """Counters and new event ids of changed windows, and deletions, to the changelog-backed table."""
    box = outbox()
    for w in store.state_writes():
        put(box, state_table, w.partition, w.key.encode(), w.value)


def _persist_detector() -> None:
    """Baselines, profiles and firing spikes survive a restart (written after each window close)."""
    for name, value in detector.dump().items():
        key = name.encode()
        if detector_table.data.get(key) != value:
            put(outbox(), detector_table, DETECTOR_PARTITION, key, value)


def _count(sf: ScoredFeedback, outcome: Outcome) -> None:
    channel = sf.channel.value
    metrics.WINDOW_EVENTS.labels(channel, outcome.value).inc()
    if outcome in (Outcome.ON_TIME, Outcome.LATE):
        negative = sf.label.value == "negative"
        for aspect in set(sf.aspects) or {"none"}:
            a = _aspects(aspect)
            metrics.FEEDBACK.labels(channel, a).inc()
            if negative:
                metrics.COMPLAINTS.labels(channel, a).inc()


@on_scored(STAGE, batch_end=lambda: _batch_end())
async def windows(event: Any, sf: ScoredFeedback) -> Failure | None:
    """A scored event -> its window (in memory); ``_batch_end`` persists, ``close_windows`` emits."""
    if _Runtime.needs_reload:
        _reload()
    outcome = store.add(sf, event.message.partition, time.time())
    _count(sf, outcome)
    _events_in.inc()  # denominator of the dead-letter ratio
    if outcome is Outcome.EXPIRED:
        return Failure("window_expired", f"event_time {sf.event_time.isoformat()} is older than the window "
                                         f"retention ({wcfg.retention_s:.0f}s)")
    return None


async def _batch_end() -> None:
    """Before a batch is acknowledged its window state must be on its way to the changelog.

    Fused, the scoring pass flushes the producer after this, before acking the batch (faust's own
    commit flushes too, but not on every shutdown path: a SIGTERM followed by SIGKILL lost state in
    tests when nothing flushed per batch).
    """
    _persist()
    metrics.OPEN_WINDOWS.set(len(store.windows))


async def _send_spike(ev: SpikeEvent, emitted_at: datetime) -> None:
    alert = spike_record(ev, wcfg.size_s, emitted_at)
    metrics.SPIKE_ALERTS.labels(alert.state, alert.severity).inc()
    await outbox().append_keyed(spikes_topic.get_topic_name(), alert.spike_id.encode(), alert.to_json())


def _update_spike_gauges() -> None:
    active: dict[tuple[str, str], float] = {}
    ratio: dict[tuple[str, str], float] = {}
    for (channel, aspect, _lang), st in detector.series.items():
        label = (channel, aspect if aspect == ALL else _aspects(aspect))
        ratio[label] = max(ratio.get(label, 0.0), st.last_ratio)
        level = 0.0 if st.firing is None else (2.0 if st.firing.severity.value == "critical" else 1.0)
        active[label] = max(active.get(label, 0.0), level)
    for label in _Runtime.gauges - set(active):
        metrics.SPIKE_ACTIVE.labels(*label).set(0)
    for label, v in active.items():
        metrics.SPIKE_ACTIVE.labels(*label).set(v)
        metrics.SPIKE_RATIO.labels(*label).set(ratio[label])
    _Runtime.gauges = set(active)


async def _update_lag() -> None:
    lag: dict[str, int] = {}
    consumer = app.consumer
    for tp in consumer.assignment():
        if tp.topic not in (topics.RAW, topics.SCORED):
            continue
        position = await consumer.position(tp)
        if position is None:
            continue
        lag[tp.topic] = lag.get(tp.topic, 0) + max(0, consumer.highwater(tp) - position)
    for topic, value in lag.items():
        metrics.CONSUMER_LAG.labels(topic).set(value)


@app.timer(wcfg.tick_s)  # type: ignore[untyped-decorator]
async def close_windows() -> None:
    """Close windows the watermark passed, even with no further traffic (faust-streaming #250).

    Between batches (``streams.app.stage_lock``): a window closed halfway through a batch would publish
    counts that a replay of that batch, after a crash, could not reproduce.
    """
    if _Runtime.needs_reload and (app.rebalancing or app.in_recovery):
        return
    async with stage_lock:
        await _close_due()
    with contextlib.suppress(Exception):  # lag is best effort while the consumer (re)starts
        await _update_lag()


async def _close_due() -> None:
    if _Runtime.needs_reload:
        _reload()
    now = time.time()
    closed, rows = store.close_due(now)
    emitted_at = datetime.now(UTC)
    for cw in closed:
        metrics.CLOSE_DELAY.observe(max(0.0, now - (cw.start + wcfg.size_s)))
        for ev in detector.observe(cw):
            await _send_spike(ev, emitted_at)
    for row in rows:
        await outbox().append_keyed(aggregates_topic.get_topic_name(), row.key.encode(),
                                    aggregate_record(row, emitted_at).to_json())
        metrics.AGGREGATES.labels("correction" if row.counts.late else "window").inc()
    await outbox().flush()  # emitted before the closed windows' state is persisted as closed
    if closed:
        _update_spike_gauges()
        _persist_detector()
    store.expire(now)
    _persist()
    await outbox().flush()
    wm = store.watermark.value(now)
    if wm > 0:
        metrics.WATERMARK_LAG.set(max(0.0, now - wm))
    metrics.OPEN_WINDOWS.set(len(store.windows))
