"""The faust-streaming app. Agents are thin glue: pure functions in ``streams.scoring`` do the work.

Topics are declared as raw bytes and validated in code, so a malformed record becomes a dead letter
(with stage and reason) instead of an exception inside faust's deserialiser that kills the agent.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from ripple import topics
from ripple.contracts import DeadLetter, ScoredFeedback
from ripple.settings import get_settings
from streams.faust_compat import keep_rejoining_while_paused, prepare

settings = get_settings()
prepare(settings.fetch_max_wait_ms)

import faust  # after prepare(): faust chooses its event loop at import

from faust.streams import _current_event

from streams import metrics
from streams.batch import install as install_batch_route
from streams.outbox import Outbox
from streams.scoring import Failure, process_raw
(settings.data_dir / "faust").mkdir(parents=True, exist_ok=True)

app = faust.App(
    settings.worker_id,
    broker=[f"kafka://{b}" for b in settings.broker_list()],
    store=settings.faust_store,
    datadir=str(settings.data_dir / "faust"),
    topic_partitions=settings.partitions,
    topic_replication_factor=settings.replication_factor,
    broker_max_poll_interval=settings.max_poll_interval_s,
    broker_max_poll_records=settings.max_poll_records,
    broker_rebalance_timeout=settings.rebalance_timeout_s,
    broker_session_timeout=settings.session_timeout_s,
    broker_heartbeat_interval=1.0,
    consumer_auto_offset_reset="earliest",
    producer_acks=-1,
    producer_linger=0.005,
    # The outbox sends one batch per partition and flush; at 16 KiB a flush took a round trip per ~10 events.
    producer_max_batch_size=512 * 1024,
    web_enabled=False,
    key_serializer="raw",
    value_serializer="raw",
)
keep_rejoining_while_paused(app)


def _topic(name: str) -> Any:
    return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
                     partitions=settings.partitions)


raw_topic = _topic(topics.RAW)
scored_topic = _topic(topics.SCORED)
deadletter_topic = _topic(topics.DEADLETTER)


async def dead_letter(stage: str, failure: Failure, event: Any) -> None:
    msg = event.message
    metrics.DEADLETTERS.labels(stage, failure.reason).inc()
    dl = DeadLetter.of(stage, failure.reason, msg.value or b"", failure.detail, topic=msg.topic,
                       partition=msg.partition, offset=msg.offset, key=msg.key)
    await deadletter_topic.send(key=msg.key, value=dl.to_json())


ScoredHandler = Callable[[Any, ScoredFeedback], Awaitable[Failure | None]]
"""A stage's work for one scored event: (faust event, scored) -> None, or a Failure to dead-letter."""

BatchEnd = Callable[[], Awaitable[None]]
"""A stage's work once per batch, before the batch is acknowledged (e.g. persisting window state)."""

fused_handlers: list[tuple[str, ScoredHandler]] = []
batch_starts: list[BatchEnd] = []
"""Run first in every batch, with the stage lock held (e.g. the SLA scan owed after an assignment)."""
batch_ends: list[BatchEnd] = []
stage_lock = asyncio.Lock()
"""Held by a batch from its first record to its flush, and by every timer that writes state or outputs.

Why: a timer's decision (an SLA warning, a window closing) is not an input record, so a replay after a
crash cannot repeat it at the same point of the stream. Under the lock a timer sees state at a batch
boundary and flushes alone: a crash between its outputs and its state leaves the state as it was
before the timer ran, and the timer's first run after the restart, before any record (see
``batch_starts``), repeats the same decision with the same content instead of a replayed record
publishing a different alert under the same version (found by the fault test).
"""
STAGES = frozenset(filter(None, settings.stages.split(",")))
FUSED = settings.fused_stages and "score" in STAGES
"""The stages after scoring run inside the scoring pass (else: over feedback.scored.v1)."""
SOURCE_TOPIC = topics.RAW if FUSED else topics.SCORED
"""The topic the stages after scoring read: its partitions hold their state (table writes follow its records)."""


def source_partitions() -> set[int]:
    """The partitions of SOURCE_TOPIC this worker holds now: the state partitions it owns."""
    return {tp.partition for tp in app.consumer.assignment() if tp.topic == SOURCE_TOPIC}


def on_scored(stage: str, batch_end: BatchEnd | None = None) -> Callable[[ScoredHandler], ScoredHandler]:
    """Register a stage that consumes every scored event.

    Fused (the default, when this worker scores), the scoring pass calls it with the in-memory event:
    nothing is consumed or parsed twice. Tables written by the handler land on the raw event's
    partition, which is the scored event's partition too (the scored event is written there). Not
    fused, the stage consumes feedback.scored.v1 in batches of its own, e.g. to scale it apart from
    scoring. ``batch_end`` runs after each batch, before its records are acknowledged.
    """

    def register(handler: ScoredHandler) -> ScoredHandler:
        if batch_end is not None:
            batch_ends.append(batch_end)
        if FUSED:
            fused_handlers.append((stage, handler))
            return handler

        async def from_scored_topic(event: Any) -> None:
            try:
                # pydantic's own JSON parser (Rust) is the cheapest way from bytes to a validated event.
                ev = ScoredFeedback.model_validate_json(event.value or b"")
            except ValueError as exc:  # pydantic's ValidationError is a ValueError
                await dead_letter(stage, Failure("invalid_event", str(exc)[:2000]), event)
                return
            failure = await handler(event, ev)
            if failure is not None:
                await dead_letter(stage, failure, event)

        _scored_handlers.append(from_scored_topic)
        if len(_scored_handlers) == 1:
            batch_agent(scored_topic)(_each_scored_handler)
        return handler

    return register


_scored_handlers: list[Callable[[Any], Awaitable[None]]] = []


async def _each_scored_handler(event: Any) -> None:
    for handler in _scored_handlers:
        await handler(event)


EventHandler = Callable[[Any], Awaitable[None]]
"""Work for one record of a batch topic, given its faust ``Event``; raises only on infrastructure failure."""

_routes: dict[str, EventHandler] = {}


def batch_agent(topic: Any) -> Callable[[EventHandler], EventHandler]:
    """Consume ``topic`` in batches (see streams.batch) with ``handler`` called per record.

    Like a faust agent, but one fetch is one batch: each record gets a faust ``Event`` as the
    current event (so ``table[key]`` and the RocksDB store pick its partition, as inside an agent),
    and the records are acknowledged only after every output of the batch (outbox records, table
    changelogs, dead letters) is in the broker. A crash replays the batch, never loses it, and the
    stages' event-id dedup makes the replay harmless. Subscribing the topic here lets faust assign
    its partitions and co-partition the tables with it.
    """

    def register(handler: EventHandler) -> EventHandler:
        app.topics.add(topic.clone(is_iterator=True))
        _routes[topic.get_topic_name()] = handler
        return handler

    return register


async def _run_batch(messages: list[Any]) -> None:
    if not app.flow_control.is_active():
        # Flow is suspended (starting up, or a rebalance began): wait as faust's conductor does per
        # message, untracked so a rebalance does not wait for us. Records of an older generation are
        # dropped: the seek after the rebalance reads them again from the committed offsets.
        unacked = app.consumer.unacked
        for message in messages:
            unacked.discard(message)
        await app.flow_control.acquire()
        generation = app.consumer_generation_id
        messages = [m for m in messages if m.generation_id == generation]
        for message in messages:
            unacked.add(message)
    create_event, set_current, route = app.create_event, _current_event.set, _routes.__getitem__
    async with stage_lock:
        for batch_start in batch_starts:
            await batch_start()
        try:
            for message in messages:
                event = create_event(message.key, message.value, message.headers, message)
                set_current(weakref.ref(event))
                await route(message.topic)(event)
        finally:
            set_current(None)
        for batch_end in batch_ends:
            await batch_end()
        await outbox().flush()
        await app.producer.flush()  # dead letters (sent through faust)
    ack = app.consumer.ack
    for message in messages:
        ack(message)


_processed = metrics.EVENTS.labels("score")


async def score(event: Any) -> None:
    """feedback.raw.v1 -> feedback.scored.v1 (or a dead letter), then the fused stages.

    The scored event goes to its raw record's partition (same key, same partition count): the
    partition that holds the customer's state.
    """
    message = event.message
    result = process_raw(message.value)
    _processed.inc()
    if isinstance(result, Failure):
        await dead_letter("score", result, event)
        return
    metrics.SCORED.labels(result.channel.value, result.language, result.label.value).inc()
    outbox().append(topics.SCORED, message.partition, result.customer_id.encode(), result.to_json())
    for stage, handler in fused_handlers:
        failure = await handler(event, result)
        if failure is not None:
            await dead_letter(stage, failure, event)


@functools.cache
def outbox() -> Outbox:
    """The worker's one outbox: scored events, alerts, aggregates and table changelogs go through it."""
    return Outbox(app.producer)


install_batch_route(app, _routes, _run_batch)  # reads _routes live: agents below add their topics
# Further agents live in their own modules and register on ``app`` when imported here.
if "score" in STAGES:
    batch_agent(raw_topic)(score)
# --- agents: customers (issue 5) ---
if "customers" in STAGES:
    import streams.customers.agent
# --- agents: windows and spikes (issue 6) ---
if "windows" in STAGES:
    import streams.windows.agent


def main(argv: list[str] | None = None) -> None:
    """Run a faust worker for this app (``ripple worker``)."""
    import sys

    # --without-web: the `worker` command turns faust's web server (port 6066) back on even with
    # web_enabled=False, and a second worker on the host would die on the port. Metrics are served
    # by prometheus-client instead.
    sys.argv = ["ripple-worker", "worker", "--without-web", "-l", settings.log_level, *(argv or [])]
    if settings.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port, addr="0.0.0.0")
    app.main()
