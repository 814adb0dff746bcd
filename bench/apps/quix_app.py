"""Baseline: a Quix Streams app doing the same scoring and producing the result.

Run as ``python -m bench.apps.quix_app`` with BENCH_BROKER, BENCH_GROUP, BENCH_OUT set.
"""

from __future__ import annotations

import os

from quixstreams import Application

from ripple import topics
from streams.scoring import Failure, process_raw


def main() -> None:
    app = Application(
        broker_address=os.environ.get("BENCH_BROKER", "127.0.0.1:9092"),
        consumer_group=os.environ.get("BENCH_GROUP", "bench-quix"),
        auto_offset_reset="earliest",
        auto_create_topics=False,
        use_changelog_topics=False,
        state_dir=os.environ.get("BENCH_DATADIR", "/tmp/bench-quix"),
    )
    src = app.topic(topics.RAW, key_deserializer="bytes", value_deserializer="bytes")
    out = app.topic(os.environ.get("BENCH_OUT", "bench.quix.out"), key_serializer="bytes", value_serializer="bytes")
    sdf = app.dataframe(src)
    sdf = sdf.apply(process_raw).filter(lambda r: not isinstance(r, Failure)).apply(lambda r: r.to_json())
    sdf.to_topic(out)
    app.run()


if __name__ == "__main__":
    main()
