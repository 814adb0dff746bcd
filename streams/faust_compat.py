"""What faust-streaming needs set before it is imported, and the one argument it does not expose.

* The event loop: faust picks it when ``faust`` is first imported, from ``-L`` in ``sys.argv`` or
  ``FAUST_LOOP``. Ripple selects uvloop there: faust's per-event path is mostly asyncio bookkeeping
  (futures, tasks, call_soon) and uvloop runs it ~1.8x faster (consume-only floor, same run).
* The consumer fetch wait: faust hard-codes ``fetch_max_wait_ms=1500`` for its worker consumer.
  Apache Kafka answers a fetch as soon as data is there (``fetch.min.bytes=1``), so that is harmless
  in production; Tansu holds every fetch for the full wait, which made it a 1.5 s latency floor in
  development. ``RIPPLE_FETCH_MAX_WAIT_MS`` overrides it (only for consumers that ask for 1500).
* Rejoining after a long pause: see ``keep_rejoining_while_paused``.
"""

from __future__ import annotations

import os
import time
from typing import Any

FAUST_HARDCODED_FETCH_WAIT_MS = 1500


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


def keep_rejoining_while_paused(app: Any, interval_s: float = 1.0) -> None:
    """Let the consumer rejoin its group after a pause longer than ``max.poll.interval``.

    Why: aiokafka refuses to rejoin a group while its fetcher looks idle for longer than
    ``max_poll_interval`` ("no activity on consumer"), and faust stops fetching as soon as a rebalance
    revokes its partitions. After a pause past the poll interval (SIGSTOP, a VM freeze) the member
    leaves the group, faust pauses, aiokafka waits for a fetch that faust will only make once it is
    in the group again: the worker stays alive and never consumes (found by the fault test). While
    faust is rebalancing, or its flow is stopped, this timer tells aiokafka the application is alive
    -- it is: the event loop that runs it is the one that will consume. In normal operation it
    does nothing, so a consumer that really stops polling still leaves the group.
    """

    @app.timer(interval=interval_s, name="ripple_rejoin_while_paused")  # type: ignore[untyped-decorator]
    async def _rejoin_while_paused() -> None:
        consumer = app.consumer
        if not (app.rebalancing or not consumer.flow_active):
            return
        try:
            subscription = consumer._thread._ensure_consumer()._subscription
        except Exception:  # the consumer thread is not up yet (starting) or already gone (stopping)
            return
        if subscription._fetch_count == 0:
            subscription._last_fetch_ended = time.monotonic()
