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
import dataclasses
import os
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
from sinks.clickhouse.rows import FEEDBACK_COLUMNS, MAPPINGS, feedback_row
from sinks.clickhouse.schema import migrate
from sinks.sample import scored_events
from sinks.writer import Sink, tune_gc

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
    from confluent_kafka import Producer

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
    # librdkafka for the fill: the sink cuts batches at 1 s of *record time*, so a slow fill would
    # hand it smaller batches than a stream arriving at the rate being measured would.
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "linger.ms": 20,
            "batch.size": 1024 * 1024,
            "queue.buffering.max.messages": 1_000_000,
            "queue.buffering.max.kbytes": 2_000_000,
            "partitioner": "murmur2_random",
        }
    )
    t = time.perf_counter()
    for key, value in payloads:
        producer.produce(topics.SCORED, value=value, key=key)
        producer.poll(0)
    left = producer.flush(60)
    if left:
        raise RuntimeError(f"{left} records not produced")
    took = time.perf_counter() - t
    print(
        f"pre-filled {n:,} scored events ({made:.1f}s to generate, {took:.1f}s to produce = {n / took:,.0f}/s)",
        flush=True,
    )
    return events


def consume_only_librdkafka(bootstrap: str, n: int) -> float:
    """Records/s the sink's client (confluent-kafka) delivers, reading what the sink reads per record."""
    from confluent_kafka import Consumer
    from confluent_kafka import TopicPartition as CTP

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "bench-consume-only",
            "enable.auto.commit": False,
            "fetch.max.bytes": 64 * 1024 * 1024,
            "max.partition.fetch.bytes": 8 * 1024 * 1024,
            "queued.max.messages.kbytes": 256 * 1024,
        }
    )
    parts = consumer.list_topics(topics.SCORED, timeout=10).topics[topics.SCORED].partitions
    consumer.assign([CTP(topics.SCORED, p, 0) for p in parts])
    seen = 0
    t = time.perf_counter()
    while seen < n:
        msgs = consumer.consume(num_messages=20_000, timeout=1.0)
        offsets = [m.offset() for m in msgs]
        [m.timestamp() for m in msgs]
        [m.value() for m in msgs]
        [m.key() for m in msgs]
        seen += len(offsets)
    rate = seen / (time.perf_counter() - t)
    consumer.close()
    return rate


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


def map_only(events: list[Any], batch: int = 10_000) -> tuple[float, float]:
    """Records/s of the sink's own CPU work per record, alone: (fast path -> columns, contract -> rows)."""
    from sinks.clickhouse.rows import Source, scored_columns, scored_rows

    values = [e.to_json() for e in events[:50_000]]
    sources = [Source(0, i) for i in range(len(values))]
    t = time.perf_counter()
    for i in range(0, len(values), batch):
        scored_columns(values[i : i + batch], sources[i : i + batch])
    fast_rate = len(values) / (time.perf_counter() - t)
    t = time.perf_counter()
    for i in range(0, len(values), batch):
        scored_rows(values[i : i + batch], sources[i : i + batch])
    return fast_rate, len(values) / (time.perf_counter() - t)


def baseline(backend: Backend, events: list[Any], batch: int, columns: bool) -> float:
    """Bare inserts of the same rows (already built, in the form the sink sends), same batch size."""
    from sinks.clickhouse.rows import Source, scored_columns

    backend.execute("CREATE TABLE IF NOT EXISTS bench_baseline AS feedback_events")
    blocks: list[Any]
    if columns:
        values = [e.to_json() for e in events]
        blocks = [
            scored_columns(values[i : i + batch], [Source(0, o) for o in range(i, min(i + batch, len(values)))])[0]
            for i in range(0, len(values), batch)
        ]
    else:
        rows = [feedback_row(e, 0, i) for i, e in enumerate(events)]
        blocks = [rows[i : i + batch] for i in range(0, len(rows), batch)]
    t = time.perf_counter()
    for block in blocks:
        backend.insert("bench_baseline", FEEDBACK_COLUMNS, block)
    return len(events) / (time.perf_counter() - t)


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of a process so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid or 'self'}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CPU: dict[str, float] = {}
"""CPU seconds per process during the last drain (sink, and clickhouse-server / broker when known)."""


def drain(
    settings: Settings, backend: Backend, n: int, group: str, contract_path: bool, pids: dict[str, int]
) -> tuple[float, list[tuple[int, float]]]:
    timed = Timed(backend)
    mappings = None
    if contract_path:  # the previous design: pydantic validation and row tuples for every record
        mappings = {t: dataclasses.replace(m, map_columns=None) for t, m in MAPPINGS.items()}
    sink = Sink(settings, timed, group_id=group, topic_names=[topics.SCORED], mappings=mappings)
    try:
        deadline = time.monotonic() + 120
        while sink.batcher.pending() == 0 and sink.rows_written == 0:
            sink.step()
            if time.monotonic() > deadline:
                raise TimeoutError("no records arrived")
        started = time.perf_counter()
        cpu0 = {"sink": cpu_seconds(), **{k: cpu_seconds(p) for k, p in pids.items()}}
        while sum(sink.committed.values()) < n:
            sink.step()
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {sum(sink.committed.values())} of {n} committed")
        elapsed = time.perf_counter() - started
        CPU.clear()
        CPU.update({"sink": cpu_seconds() - cpu0["sink"], **{k: cpu_seconds(p) - cpu0[k] for k, p in pids.items()}})
    finally:
        sink.close()
    return elapsed, timed.inserts


def _sink_process(settings: Settings, url: str, group: str, stop: Any, results: Any) -> None:
    """One sink process of ``--processes N``: what `ripple sink` runs, reporting its timings."""
    tune_gc()
    timed = Timed(connect(url))
    sink = Sink(settings, timed, group_id=group, topic_names=[topics.SCORED])
    first = last = None
    committed = 0
    cpu = cpu_seconds()
    try:
        while not stop.is_set():
            sink.step()
            if first is None and (sink.batcher.pending() or sink.rows_written):
                first = time.time()
            if sum(sink.committed.values()) != committed:
                committed, last = sum(sink.committed.values()), time.time()
    finally:
        sink.close()
    results.put((first, last, timed.inserts, cpu_seconds() - cpu))


def drain_processes(
    settings: Settings, url: str, backend: Backend, n: int, group: str, processes: int, pids: dict[str, int]
) -> tuple[float, list[tuple[int, float]]]:
    """Design (d): ``processes`` sinks in one consumer group; first record read -> every row written.

    CPU per row here includes each process's start-up and group join.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # librdkafka threads exist here already: no fork
    stop, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_sink_process, args=(settings, url, group, stop, results)) for _ in range(processes)]
    cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
    for p in procs:
        p.start()
    deadline = time.monotonic() + 180
    # Done when every distinct event is in the table (a rebalance between the processes may write
    # some rows twice; ReplacingMergeTree absorbs them, so count() would stop the clock too early).
    while backend.query("SELECT uniqExact(event_id) FROM feedback_events")[0][0] < n:
        if time.monotonic() > deadline:
            stop.set()
            raise TimeoutError("the sink processes did not write every row")
        time.sleep(0.2)
    written = time.time()
    time.sleep(2)  # let the last commits land before stopping
    stop.set()
    done = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
    first = min(d[0] for d in done if d[0] is not None)
    last = max([written] + [d[1] for d in done if d[1] is not None])
    shares = ", ".join(f"{sum(r for r, _ in d[2]):,} rows from {d[0] - first:+.1f}s" for d in done if d[0] is not None)
    print(f"processes: {shares} (rows inserted by each, first record read relative to the first process)")
    CPU.clear()
    CPU.update({"sinks": sum(d[3] for d in done), **{k: cpu_seconds(p) - cpu0[k] for k, p in pids.items()}})
    return last - first, [i for d in done for i in d[2]]


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
    cpu = ", ".join(f"{k} {v / n * 1e6:.1f}" for k, v in CPU.items())
    print(
        f"[{name}] CPU per row during the drain, us: {cpu} "
        f"(the sink is capped by one core's GIL; {os.cpu_count()} cores, load avg {os.getloadavg()[0]:.1f})"
    )
    print(f"[{name}] exact rows in ClickHouse: {exact:,} (expected {n:,})", flush=True)
    return rate


def main() -> int:
    if os.environ.get("RIPPLE_BENCH_DEFAULT_GC") != "1":
        tune_gc()  # what `ripple sink` does
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
    ap.add_argument(
        "--processes",
        type=int,
        default=1,
        help="Run N sink processes in one consumer group (server only; timed first record -> last commit).",
    )
    ap.add_argument(
        "--contract-path",
        action="store_true",
        help="Validate every record with the pydantic contract into row tuples (the design before the fast path).",
    )
    args = ap.parse_args()
    wanted = [b.strip() for b in args.backends.split(",") if b.strip()]

    results: dict[str, float] = {}
    with TansuBroker() as broker, tempfile.TemporaryDirectory(prefix="ripple-bench-") as tmp:
        create_topics(broker.bootstrap, [topics.SCORED], args.partitions)
        events = fill(broker.bootstrap, args.events)
        cpu = cpu_seconds()
        fast_rate, contract_rate = map_only(events)
        map_cpu = (cpu_seconds() - cpu) / (2 * min(len(events), 50_000)) * 1e6
        cpu = cpu_seconds()
        rdkafka_rate = consume_only_librdkafka(broker.bootstrap, args.events)
        rdkafka_cpu = (cpu_seconds() - cpu) / args.events * 1e6
        print(
            "components alone (each on one core, no GIL sharing), records/s: "
            f"consume librdkafka {rdkafka_rate:,.0f} ({rdkafka_cpu:.1f} us CPU/record, all threads), "
            f"kafka-python {consume_only(broker.bootstrap, args.events):,.0f}; "
            f"validate+map fast path {fast_rate:,.0f}, contract path {contract_rate:,.0f} "
            f"(both: {map_cpu:.1f} us CPU/record on average)",
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
                pids = {"broker": broker.proc.pid} if broker.proc else {}
                if server and server.proc:
                    pids["clickhouse-server"] = server.proc.pid
                if args.profile:
                    import cProfile
                    import pstats

                    prof = cProfile.Profile()
                    elapsed, inserts = prof.runcall(
                        drain, settings, backend, args.events, f"bench-{name}", args.contract_path, pids
                    )
                    pstats.Stats(prof).sort_stats("tottime").print_stats(25)
                elif args.processes > 1:
                    if name != "server":
                        print(f"[{name}] skipped: --processes needs a server (one process per chDB path)")
                        backend.close()
                        continue
                    elapsed, inserts = drain_processes(
                        settings, url, backend, args.events, f"bench-{name}", args.processes, pids
                    )
                else:
                    elapsed, inserts = drain(settings, backend, args.events, f"bench-{name}", args.contract_path, pids)
                exact = exact_totals(backend)["feedback_events"]
                batch = int(statistics.median([r for r, _ in inserts])) if inserts else args.batch_rows
                base = baseline(backend, events, batch, columns=not args.contract_path)
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
