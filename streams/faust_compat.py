"""What faust-streaming needs set before it is imported, and the one argument it does not expose.

* The event loop: faust picks it when ``faust`` is first imported, from ``-L`` in ``sys.argv`` or
  ``FAUST_LOOP``. Ripple selects uvloop there: faust's per-event path is mostly asyncio bookkeeping
  (futures, tasks, call_soon) and uvloop runs it ~1.8x faster (consume-only floor, same run).
* The consumer fetch wait: faust hard-codes ``fetch_max_wait_ms=1500`` for its worker consumer.
  Apache Kafka answers a fetch as soon as data is there (``fetch.min.bytes=1``), so that is harmless
  in production; Tansu holds every fetch for the full wait, which made it a 1.5 s latency floor in
  development. ``RIPPLE_FETCH_MAX_WAIT_MS`` overrides it (only for consumers that ask for 1500).
"""

from __future__ import annotations

import os
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
