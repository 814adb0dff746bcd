"""Baseline: a straightforward faust agent that scores each event and awaits each send.

Same scoring function as Ripple's worker; the difference measured is the streaming path only.
Run as ``python -m bench.apps.naive_faust worker`` with BENCH_BROKER, BENCH_GROUP, BENCH_OUT set.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable
from typing import Any

import faust

from ripple import topics
from streams.scoring import Failure, process_raw

app = faust.App(
    os.environ.get("BENCH_GROUP", "bench-naive"),
    broker=f"kafka://{os.environ.get('BENCH_BROKER', '127.0.0.1:9092')}",
    store="memory://",
    web_enabled=False,
    broker_max_poll_interval=8.0,
    broker_max_poll_records=500,
    broker_rebalance_timeout=3.0,
    broker_session_timeout=6.0,
    broker_heartbeat_interval=1.0,
    consumer_auto_offset_reset="earliest",
    datadir=os.environ.get("BENCH_DATADIR", "/tmp/bench-naive"),
)
src = app.topic(topics.RAW, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
out = app.topic(os.environ.get("BENCH_OUT", "bench.naive.out"), key_type=bytes, value_type=bytes,
                key_serializer="raw", value_serializer="raw")


@app.agent(src)
async def score(stream: AsyncIterable[Any]) -> None:
    async for key, value in stream.items():  # type: ignore[attr-defined]
        result = process_raw(value)
        if not isinstance(result, Failure):
            await out.send(key=key, value=result.to_json())


if __name__ == "__main__":
    app.main()
