"""The faust-streaming app. Agents are thin glue: pure functions in ``streams.scoring`` do the work.

Topics are declared as raw bytes and validated in code, so a malformed record becomes a dead letter
(with stage and reason) instead of an exception inside faust's deserialiser that kills the agent.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any

from ripple import topics
from ripple.contracts import DeadLetter, ScoredFeedback
from ripple.settings import get_settings
from streams.faust_compat import prepare

settings = get_settings()
prepare(settings.fetch_max_wait_ms)

import faust  # after prepare(): faust chooses its event loop at import

from streams.faust_compat import patch_producer_buffer

patch_producer_buffer()

from streams import metrics
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
    web_enabled=False,
    key_serializer="raw",
    value_serializer="raw",
)


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

fused_handlers: list[tuple[str, ScoredHandler]] = []


def on_scored(stage: str) -> Callable[[ScoredHandler], ScoredHandler]:
    """Register a stage that consumes every scored event.

    Fused (the default), the scoring agent calls it in its own pass with the in-memory event: faust's
    per-event path (~100-200 us) is paid once, not once per stage, and nothing is parsed twice. Tables
    written by the handler land on the raw event's partition, which is the scored event's partition
    too (both keyed by customer id, same partition count). Not fused, the stage runs as its own agent
    over feedback.scored.v1, e.g. to scale it apart from scoring.
    """

    def register(handler: ScoredHandler) -> ScoredHandler:
        if settings.fused_stages:
            fused_handlers.append((stage, handler))
            return handler

        async def stage_agent(stream: AsyncIterable[Any]) -> None:
            async for event in stream.events():  # type: ignore[attr-defined]
                try:
                    # pydantic's own JSON parser (Rust) is the cheapest way from bytes to a validated event.
                    ev = ScoredFeedback.model_validate_json(event.value or b"")
                except ValueError as exc:  # pydantic's ValidationError is a ValueError
                    await dead_letter(stage, Failure("invalid_event", str(exc)[:2000]), event)
                    continue
                failure = await handler(event, ev)
                if failure is not None:
                    await dead_letter(stage, failure, event)

        app.agent(scored_topic, name=stage)(stage_agent)
        return handler

    return register


@app.agent(raw_topic)
async def score(stream: AsyncIterable[Any]) -> None:
    """feedback.raw.v1 -> feedback.scored.v1 (or the dead-letter topic).

    One event at a time on purpose: faust's ``take_events`` batching runs through a passive stream
    and a processor per event, and measured ~3x slower than plain iteration (bench, same run).
    """
    processed = metrics.EVENTS.labels("score")
    async for event in stream.events():  # type: ignore[attr-defined]
        result = process_raw(event.value)
        processed.inc()
        if isinstance(result, Failure):
            await dead_letter("score", result, event)
            continue
        metrics.SCORED.labels(result.channel.value, result.language, result.label.value).inc()
        await scored_topic.send(key=result.customer_id.encode(), value=result.to_json())
        for stage, handler in fused_handlers:
            failure = await handler(event, result)
            if failure is not None:
                await dead_letter(stage, failure, event)


# Further agents live in their own modules and register on ``app`` when imported here.
# --- agents: customers (issue 5) ---
import streams.customers.agent
# --- agents: windows and spikes (issue 6) ---
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
