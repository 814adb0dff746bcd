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
  delivered or failed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
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


def patch_producer_buffer(buffer_cls: Any = None) -> None:
    """Make ``ProducerBuffer.flush`` return only when every buffered message is delivered or failed.

    The buffer records the future of each message put into it; flush waits for those futures
    (resolved by the producer when the broker acknowledged the message or the send failed). Messages
    keep going out through faust's own sender task, in order. Once the buffer is stopping, that task
    sends nothing more, so flush falls back to faust's behaviour instead of waiting for ever.
    """
    if buffer_cls is None:
        from faust.transport.producer import ProducerBuffer

        buffer_cls = ProducerBuffer
    if getattr(buffer_cls, "_ripple_drains", False):
        return
    original_put = buffer_cls.put
    original_flush = buffer_cls.flush

    def put(self: Any, fut: Any) -> None:
        unsent: set[Any] | None = self.__dict__.get("_ripple_unsent")
        if unsent is None:
            unsent = self.__dict__["_ripple_unsent"] = set()
        unsent.add(fut)
        fut.add_done_callback(unsent.discard)
        original_put(self, fut)

    async def flush(self: Any) -> None:
        started = warned = time.monotonic()
        while True:
            waiting = [f for f in self.__dict__.get("_ripple_unsent", ()) if not f.done()]
            if not waiting:
                return
            if self.should_stop:
                await original_flush(self)
                return
            await asyncio.wait(waiting, timeout=1.0)
            if time.monotonic() - warned > 10:
                warned = time.monotonic()
                log.warning("producer flush: %d messages undelivered after %.0fs", len(waiting),
                            warned - started)

    buffer_cls.put = put
    buffer_cls.flush = flush
    buffer_cls._ripple_drains = True
