"""What faust-streaming needs set before it is imported, and the one argument it does not expose.

* The event loop: faust picks it when ``faust`` is first imported, from ``-L`` in ``sys.argv`` or
  ``FAUST_LOOP``. Ripple selects uvloop there: faust's per-event path is mostly asyncio bookkeeping
  (futures, tasks, call_soon) and uvloop runs it ~1.8x faster (consume-only floor, same run).
* The consumer fetch wait: faust hard-codes ``fetch_max_wait_ms=1500`` for its worker consumer.
  Apache Kafka answers a fetch as soon as data is there (``fetch.min.bytes=1``), so that is harmless
  in production; Tansu holds every fetch for the full wait, which made it a 1.5 s latency floor in
  development. ``RIPPLE_FETCH_MAX_WAIT_MS`` overrides it (only for consumers that ask for 1500).
* The producer buffer's flush: table writes (changelogs) go through faust's ``ProducerBuffer``,
  and the consumer flushes it before committing offsets so state is durable before its input is
  acknowledged. faust-streaming 0.15's ``ProducerBuffer.flush`` returns as soon as no message left
  the buffer for 0.1 s, pending messages or not; under load (a busy event loop) it returned with
  changelog records still buffered, the offsets were committed, and a SIGKILL then lost customer
  state and window counts for events that were never replayed (found by the fault test,
  tests/reliability). ``patch_producer_buffer`` makes flush wait until every message put so far is
  delivered or failed, and holds changelog records back until the outputs they account for are
  delivered (see there).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from typing import Any

FAUST_HARDCODED_FETCH_WAIT_MS = 1500
log = logging.getLogger(__name__)


def prepare(fetch_max_wait_ms: int) -> None:
    """Call before the first ``import faust``."""
    os.environ.setdefault("FAUST_LOOP", "uvloop")
    import aiokafka

    if getattr(aiokafka.AIOKafkaConsumer, "_ripple_fetch_wait", None) == fetch_max_wait_ms:
        return
    original = aiokafka.AIOKafkaConsumer.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("fetch_max_wait_ms") == FAUST_HARDCODED_FETCH_WAIT_MS:
            kwargs["fetch_max_wait_ms"] = fetch_max_wait_ms
        original(self, *args, **kwargs)

    aiokafka.AIOKafkaConsumer.__init__ = init
    aiokafka.AIOKafkaConsumer._ripple_fetch_wait = fetch_max_wait_ms


CHANGELOG_SUFFIX = "-changelog"


def _topic_name(fut: Any) -> str:
    channel = getattr(getattr(fut, "message", None), "channel", None)
    name = getattr(channel, "get_topic_name", None)
    return str(name()) if callable(name) else ""


def patch_producer_buffer(buffer_cls: Any = None, in_event: Callable[[], bool] | None = None) -> None:
    """Order what a crash can leave behind: outputs first, then the state that remembers them.

    * ``flush`` returns only when every message put before it began is delivered or failed (the
      buffer records each message's future, resolved when the broker acknowledged it or the send
      failed; messages still go out through faust's own sender task, in order).
    * Table changelog records written while an event is processed (``in_event``) are held back until
      the next flush (faust flushes before every offset
      commit; the windows agent after every batch). There, the outputs produced so far (alerts,
      scored records, aggregates) are delivered first, then the held changelog records. A crash can
      thus lose state whose outputs were delivered (the input is replayed and the same publication
      repeated, which the contracts allow), never the reverse: state saying "already published"
      for a publication the broker never got. That reverse order lost customer alerts in the fault
      test (an ``opened`` or ``sla_warning`` version missing for good), because faust writes a
      changelog record at once while an output can linger in another partition's batch. Records
      written outside an event (the windows timer) have no input to order against and go at once.

    Once the buffer is stopping, faust's sender task sends nothing more, so flush falls back to
    faust's own behaviour instead of waiting for ever.
    """
    if buffer_cls is None:
        from faust.transport.producer import ProducerBuffer

        buffer_cls = ProducerBuffer
    if getattr(buffer_cls, "_ripple_drains", False):
        return
    if in_event is None:
        from faust.streams import current_event

        def in_event() -> bool:
            return current_event() is not None

    processing = in_event
    original_put = buffer_cls.put
    original_flush = buffer_cls.flush

    def _send(self: Any, fut: Any) -> None:
        unsent: set[Any] | None = self.__dict__.get("_ripple_unsent")
        if unsent is None:
            unsent = self.__dict__["_ripple_unsent"] = set()
        unsent.add(fut)
        fut.add_done_callback(unsent.discard)
        original_put(self, fut)

    def put(self: Any, fut: Any) -> None:
        if _topic_name(fut).endswith(CHANGELOG_SUFFIX) and processing():
            self.__dict__.setdefault("_ripple_held", []).append(fut)
        else:
            _send(self, fut)

    async def _wait(self: Any, futures: set[Any]) -> bool:
        """Wait for ``futures``; False when the buffer began stopping meanwhile."""
        started = warned = time.monotonic()
        while futures:
            if self.should_stop:
                return False
            _, pending = await asyncio.wait(futures, timeout=1.0)
            futures = set(pending)
            if futures and time.monotonic() - warned > 10:
                warned = time.monotonic()
                log.warning("producer flush: %d messages undelivered after %.0fs", len(futures), warned - started)
        return True

    async def flush(self: Any) -> None:
        # Only what was put before the flush began: agents keep producing meanwhile, and waiting
        # for those too could keep a commit waiting for as long as traffic flows.
        held: list[Any] = self.__dict__.get("_ripple_held", [])
        self.__dict__["_ripple_held"] = []
        waiting = {f for f in self.__dict__.get("_ripple_unsent", ()) if not f.done()}
        if await _wait(self, waiting):
            producer = getattr(getattr(getattr(self, "app", None), "producer", None), "_producer", None)
            if producer is not None:
                await producer.flush()  # outputs sent directly (Topic.send), not through this buffer
        for fut in held:
            _send(self, fut)
        if self.should_stop or not await _wait(self, set(held)):
            await original_flush(self)

    buffer_cls.put = put
    buffer_cls.flush = flush
    buffer_cls._ripple_drains = True
