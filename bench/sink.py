"""Benchmark: the ClickHouse sink alone, draining a pre-filled scored topic.

    /work/main/.venv/bin/python bench/sink.py [--events 200000] [--partitions 4] [--backends server,chdb]

Starts a Tansu broker and Debian's clickhouse-server (18.16) itself, fills feedback.scored.v1,
then times the sink (consume -> validate -> map -> insert -> commit) until every offset is
committed. Prints rows/s, insert latency p50/p99 and the ratio against a baseline measured in the
same run: a bare insert of the same rows through the same backend, in the same batch sizes (what
the sink could reach if consuming, validating and mapping were free). Group-join time is excluded:
the clock starts when the first records arrive.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ripple import topics
from ripple.dev.clickhouse_server import ClickHouseServer
from ripple.dev.tansu import TansuBroker, create_topics
from ripple.settings import Settings
from sinks.clickhouse import connect
from sinks.clickhouse.backend import Backend
from sinks.clickhouse.queries import exact_totals
from sinks.clickhouse.rows import FEEDBACK_COLUMNS, feedback_row
from sinks.clickhouse.schema import migrate
from sinks.sample import scored_events
from sinks.writer import Sink

TARGET = 50_000


class Timed:
    """A backend wrapper that records each insert's rows and seconds."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name
        self.inserts: list[tuple[int, float]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def insert(self, table: str, columns: Any, rows: Any, dedup_token: str | None = None) -> None:
        t = time.perf_counter()
        self.inner.insert(table, columns, rows, dedup_token)
        self.inserts.append((len(rows), time.perf_counter() - t))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def fill(bootstrap: str, n: int) -> list[Any]:
    from kafka import KafkaProducer

    t = time.perf_counter()
    # A few thousand distinct simulated events, repeated under fresh ids (same-length ids, so the
    # bytes are substituted without re-serialising): realistic payloads, generated in seconds.
    distinct = list(scored_events(min(n, 2000), prefix="bench"))
    templates = [(e.customer_id.encode(), e.to_json(), e.event_id.encode()) for e in distinct]
    events = []
    payloads = []
    for i in range(n):
        key, body, old = templates[i % len(templates)]
        new_id = f"bench-{i:09d}"
        payloads.append((key, body.replace(b'"' + old + b'"', b'"' + new_id.encode() + b'"', 1)))
        events.append(distinct[i % len(distinct)].model_copy(update={"event_id": new_id}))
    made = time.perf_counter() - t
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=20,
        batch_size=512 * 1024,
        max_request_size=8 * 1024 * 1024,
    )
    t = time.perf_counter()
    for key, value in payloads:
        producer.send(topics.SCORED, key=key, value=value)
    producer.flush()
    producer.close()
    print(
        f"pre-filled {n:,} scored events ({made:.1f}s to generate, {time.perf_counter() - t:.1f}s to produce)",
        flush=True,
    )
    return events


def consume_only(bootstrap: str, n: int) -> float:
    """Records/s kafka-python alone delivers from the same topic (no validation, no insert)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        max_poll_records=20_000,
        fetch_max_bytes=64 * 1024 * 1024,
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    tps = [TopicPartition(topics.SCORED, p) for p in sorted(consumer.partitions_for_topic(topics.SCORED) or ())]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    seen = 0
    t = time.perf_counter()
    while seen < n:
        seen += sum(len(m) for m in consumer.poll(timeout_ms=1000).values())
    rate = seen / (time.perf_counter() - t)
    consumer.close()
    return rate


def map_only(events: list[Any]) -> float:
    """Records/s of contract validation + row mapping alone (the sink's own CPU work per record)."""
    from sinks.clickhouse.rows import Source, scored_rows

    values = [e.to_json() for e in events[:50_000]]
    sources = [Source(0, i) for i in range(len(values))]
    t = time.perf_counter()
    scored_rows(values, sources)
    return len(values) / (time.perf_counter() - t)


def baseline(backend: Backend, events: list[Any], batch: int) -> float:
    """Bare inserts of the same rows (already built), same batch size, into a scratch table."""
    backend.execute("CREATE TABLE IF NOT EXISTS bench_baseline AS feedback_events")
    rows = [feedback_row(e, 0, i) for i, e in enumerate(events)]
    t = time.perf_counter()
    for i in range(0, len(rows), batch):
        backend.insert("bench_baseline", FEEDBACK_COLUMNS, rows[i : i + batch])
    return len(rows) / (time.perf_counter() - t)


def drain(settings: Settings, backend: Backend, n: int, group: str) -> tuple[float, list[tuple[int, float]]]:
    timed = Timed(backend)
    sink = Sink(settings, timed, group_id=group, topic_names=[topics.SCORED])  # type: ignore[arg-type]
    try:
        deadline = time.monotonic() + 120
        while sink.batcher.pending() == 0 and sink.rows_written == 0:
            sink.step()
            if time.monotonic() > deadline:
                raise TimeoutError("no records arrived")
        started = time.perf_counter()
        while sum(sink.committed.values()) < n:
            sink.step()
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {sum(sink.committed.values())} of {n} committed")
        elapsed = time.perf_counter() - started
    finally:
        sink.close()
    return elapsed, timed.inserts


def report(name: str, n: int, elapsed: float, inserts: list[tuple[int, float]], base: float, exact: int) -> float:
    rate = n / elapsed
    lat = [s for _, s in inserts]
    sizes = [r for r, _ in inserts]
    print(
        f"[{name}] sink: {n:,} rows in {elapsed:.2f}s = {rate:,.0f} rows/s "
        f"({len(inserts)} inserts, median {statistics.median(sizes):,.0f} rows)"
    )
    print(f"[{name}] insert latency p50 {pct(lat, 0.5) * 1000:.0f} ms, p99 {pct(lat, 0.99) * 1000:.0f} ms")
    print(f"[{name}] baseline bare insert of the same rows: {base:,.0f} rows/s; sink/baseline = {rate / base:.2f}")
    print(f"[{name}] exact rows in ClickHouse: {exact:,} (expected {n:,})", flush=True)
    return rate


def main() -> int:
    ap = argparse.ArgumentParser(description="Benchmark the ClickHouse sink alone.")
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--batch-rows", type=int, default=20_000)
    ap.add_argument(
        "--batch-seconds",
        type=float,
        default=Settings().sink_batch_seconds,
        help="Batch span in record time (the sink default unless given).",
    )
    ap.add_argument("--backends", default="server,chdb")
    ap.add_argument("--profile", action="store_true", help="cProfile the sink drain; print the top functions.")
    args = ap.parse_args()
    wanted = [b.strip() for b in args.backends.split(",") if b.strip()]

    results: dict[str, float] = {}
    with TansuBroker() as broker, tempfile.TemporaryDirectory(prefix="ripple-bench-") as tmp:
        create_topics(broker.bootstrap, [topics.SCORED], args.partitions)
        events = fill(broker.bootstrap, args.events)
        print(
            f"components: kafka-python consume only {consume_only(broker.bootstrap, args.events):,.0f} rec/s; "
            f"validate+map only {map_only(events):,.0f} rec/s (one core each, no GIL sharing)",
            flush=True,
        )
        settings = Settings(
            brokers=broker.bootstrap,
            sink_batch_rows=args.batch_rows,
            sink_max_poll_records=20_000,
            sink_batch_seconds=args.batch_seconds,
            sink_max_pending_rows=500_000,
        )
        for name in wanted:
            server = ClickHouseServer().start() if name == "server" else None
            try:
                url = server.url if server else f"chdb://{tmp}/chdb"
                backend = connect(url)
                migrate(backend)
                if args.profile:
                    import cProfile
                    import pstats

                    prof = cProfile.Profile()
                    elapsed, inserts = prof.runcall(drain, settings, backend, args.events, f"bench-{name}")
                    pstats.Stats(prof).sort_stats("tottime").print_stats(25)
                else:
                    elapsed, inserts = drain(settings, backend, args.events, f"bench-{name}")
                exact = exact_totals(backend)["feedback_events"]
                batch = int(statistics.median([r for r, _ in inserts])) if inserts else args.batch_rows
                base = baseline(backend, events, batch)
                results[name] = report(name, args.events, elapsed, inserts, base, exact)
                backend.close()
            finally:
                if server:
                    server.stop()
    if "server" in results:
        verdict = "meets" if results["server"] >= TARGET else "MISSES"
        print(f"target: >= {TARGET:,} rows/s into the real server -> {verdict} ({results['server']:,.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
