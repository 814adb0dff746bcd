"""Batch delivery of the hot input topic, beside faust's per-message path.

Why: faust delivers every record through the fetcher's drain loop (``wait_first`` builds two tasks
per record), the conductor (a lock, flow control, an ``Event``), the channel's queue and the stream
(sensors, context, acks). That path costs ~100-200 us per record on this machine, as much as
scoring the record, and the issue #9 measurements put the faust consume-only floor at ~5,000/s
against ~270,000/s for aiokafka's ``getmany`` alone. For ``feedback.raw.v1`` Ripple therefore takes
each ``getmany`` result as a batch and hands it to one handler, while everything faust is relied on
for stays faust's: group membership and partition assignment, tables and their changelog recovery,
flow control during rebalances, offset tracking and commits, and the per-message path of every
other topic (follow-ups, SLA ticks, hostile contacts, non-fused stages).

The contract of a batch handler mirrors what faust's stream does per event: it gets the faust
``Message`` objects of one fetch, in offset order per partition, already tracked as unacked (so a
rebalance waits for them); it must ack each one (``consumer.ack``) once its effects are durable, and
it raises only on infrastructure failure (the worker then stops, nothing unacked is committed).

This replaces one faust method, ``Consumer._drain_messages`` (faust-streaming 0.15), and falls back
to the original whenever the app has no batch route, so a faust upgrade that changes the method is
caught by the version check below and by the pipeline tests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Container
from typing import Any

import faust
from faust.transport import consumer as faust_consumer

log = logging.getLogger(__name__)

BatchHandler = Callable[[list[Any]], Awaitable[None]]
"""(faust Messages of one fetch) -> None; acks every message it took once its effects are durable."""

SUPPORTED_FAUST = ("0.15.",)
_ROUTE_ATTR = "_ripple_batch_route"
_original_drain = faust_consumer.Consumer._drain_messages


def install(app: faust.App, topic_names: Container[str], handler: BatchHandler) -> None:
    """Route records of ``topic_names`` to ``handler`` in batches; the rest keep faust's path.

    ``topic_names`` is read on every fetch, so topics added to it later are routed too. The topics
    must also be subscribed (``app.topics.add``) so that faust assigns their partitions and
    co-partitions the tables with them.
    """
    if not faust.__version__.startswith(SUPPORTED_FAUST):
        raise RuntimeError(f"streams.batch replaces Consumer._drain_messages of faust-streaming "
                           f"{SUPPORTED_FAUST}; check it against faust {faust.__version__} first")
    setattr(app, _ROUTE_ATTR, (topic_names, handler))
    faust_consumer.Consumer._drain_messages = _drain_messages  # type: ignore[method-assign]


async def _drain_messages(self: Any, fetcher: Any) -> None:
    """faust's drain loop with one difference: records of the batch topics go to the handler as a list."""
    route = getattr(self.app, _ROUTE_ATTR, None)
    if route is None:
        await _original_drain(self, fetcher)
        return
    batch_topics, handler = route
    callback = self.callback
    consumer_should_stop = self._stopped.is_set
    fetcher_should_stop = fetcher._stopped.is_set
    get_read_offset = self._read_offset.__getitem__
    set_read_offset = self._read_offset.__setitem__
    acks_enabled_for = self.app.topics.acks_enabled_for
    unacked = self._unacked_messages
    to_message = self._to_message
    commit_every = self._commit_every
    try:
        while not (consumer_should_stop() or fetcher_should_stop()):
            self.diag.set_flag(faust_consumer.CONSUMER_FETCHING)
            records, active = await self._wait_next_records(1.0)
            await self.sleep(0)
            if not records or self.should_stop:
                self.diag.unset_flag(faust_consumer.CONSUMER_FETCHING)
                continue
            if not self.flow_active:
                # As faust's getmany: records fetched while flow is stopped are dropped; seeking
                # back to the committed offsets re-reads them once flow resumes.
                try:
                    await self.perform_seek()
                except Exception as exc:
                    log.warning("exception performing seek when flow not active %r", exc)
                continue
            generation_id = self.app.consumer_generation_id
            batch: list[Any] = []
            others: list[Any] = []
            for tp, tp_records in records.items():
                if not (active is None or tp in active or tp in self._buffered_partitions):
                    continue
                self.app.monitor.track_tp_end_offset(tp, self.highwater(tp))
                is_batch = tp.topic in batch_topics
                read_offset = get_read_offset(tp)
                for record in tp_records:
                    offset = record.offset
                    if read_offset is not None and offset < read_offset:
                        continue  # already delivered (faust drops these too)
                    if read_offset and offset - read_offset > 1 and acks_enabled_for(tp.topic):
                        await self._add_gap(tp, read_offset + 1, offset)
                    message = to_message(tp, record)
                    if is_batch:
                        message.tracked = True
                        unacked.add(message)
                        batch.append(message)
                        set_read_offset(tp, offset)
                    else:
                        others.append(message)
                    read_offset = offset
            if commit_every is not None and self._n_acked >= commit_every:
                self._n_acked = 0
                await self.commit()
            if batch:
                if self.app.consumer_generation_id == generation_id:
                    await handler(batch)
                else:  # a rebalance began since the fetch: let the seek after it re-read them
                    for message in batch:
                        unacked.discard(message)
            for message in others:
                if self.app.consumer_generation_id != generation_id:
                    break
                await self.wait_first(callback(message), self.suspend_flow.wait())
                set_read_offset(message.tp, message.offset)
            self.diag.unset_flag(faust_consumer.CONSUMER_FETCHING)
    except self.consumer_stopped_errors:
        if self.transport.app.should_stop:
            log.info("Broker stopped consumer, shutting down...")
            return
        raise
    except asyncio.CancelledError:
        if self.transport.app.should_stop:
            log.info("Consumer shutting down for user cancel.")
            return
        raise
    finally:
        self.diag.unset_flag(faust_consumer.CONSUMER_FETCHING)
