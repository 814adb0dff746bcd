"""End-to-end throughput of the scoring stage against its limit and two baselines, in one run.

Every variant reads the same N pre-filled raw events from a fresh Tansu broker and runs the same
scoring function (``streams.scoring.process_raw``):

  limit        kafka-python consumer + scoring, nothing else, one process (the work's ceiling)
  naive-faust  a straightforward faust agent: score each event, await each send
  quix         a Quix Streams app doing the same scoring and producing the result
  ripple-score Ripple's worker running the scoring stage only (RIPPLE_STAGES=score): the same job as quix
  ripple       Ripple's own worker (``ripple worker``): scoring, customers and windows in one pass
  ripple-split two worker processes: score+customers, and windows over the scored topic (own broker;
               until the windows worker has committed every event)
  ripple+sink  Ripple's worker and sink: rows visible in ClickHouse (server)

Throughput of a streaming variant is measured on its output topic from the first to the last
record's broker timestamp, so process start-up and group joins are excluded for everyone alike.

    python -m bench.pipeline --events 50000 [--json out.json] [--only limit,ripple]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from producers.kafka import make_producer
from producers.simulator import Simulator
from ripple import topics
from ripple.dev.procs import stop_process, wait_until
from ripple.dev.tansu import TansuBroker, create_topics
from ripple.settings import Settings
from streams.scoring import process_raw

ROOT = Path(__file__).resolve().parents[1]


def prefill(bootstrap: str, n: int, seed: int = 11) -> list[bytes]:
    producer = make_producer(Settings(brokers=bootstrap), linger_ms=20)
    payloads = []
    for ev in Simulator(seed=seed, customers=5000).events(n):
        value = ev.to_json()
        payloads.append(value)
        producer.send(topics.RAW, key=ev.customer_id.encode(), value=value)
    producer.flush()
    producer.close()
    return payloads


def measure_limit(bootstrap: str, n: int) -> dict[str, float]:
    """kafka-python consume + scoring only, one core: the ceiling of the work itself."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, max_poll_records=2000,
                             fetch_max_bytes=64 << 20, max_partition_fetch_bytes=16 << 20)
    tps = [TopicPartition(topics.RAW, p) for p in sorted(consumer.partitions_for_topic(topics.RAW) or [])]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    done = 0
    started = time.perf_counter()
    while done < n:
        for msgs in consumer.poll(timeout_ms=500).values():
            for m in msgs:
                process_raw(m.value)
            done += len(msgs)
    elapsed = time.perf_counter() - started
    consumer.close()
    return {"events": done, "seconds": elapsed, "events_per_s": done / elapsed}


def watch_topic(bootstrap: str, topic: str, n: int, timeout: float, alive: Callable[[], bool],
                since_ms: int = 0) -> dict[str, float]:
    """Count records on ``topic`` (written at or after ``since_ms``) until ``n``; throughput from the first
    to the last record's timestamp."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, max_poll_records=5000)
    wait_until(lambda: bool(consumer.partitions_for_topic(topic)), 30, f"topic {topic}")
    tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    seen, first, last = 0, None, 0
    deadline = time.monotonic() + timeout
    while seen < n:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{topic}: {seen}/{n} records after {timeout:.0f}s")
        if not alive():
            raise RuntimeError(f"the process feeding {topic} died")
        for msgs in consumer.poll(timeout_ms=200).values():
            for m in msgs:
                if m.timestamp < since_ms:
                    continue  # an earlier variant's output on the same topic
                first = m.timestamp if first is None else min(first, m.timestamp)
                last = max(last, m.timestamp)
                seen += 1
    consumer.close()
    span = max((last - (first or last)) / 1000, 1e-3)
    return {"events": seen, "seconds": span, "events_per_s": (seen - 1) / span}


def run_child(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = open(log, "ab")  # noqa: SIM115
    return subprocess.Popen([sys.executable, *args], env=env, cwd=ROOT, stdout=out, stderr=out,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def measure_child(name: str, args: list[str], env: dict[str, str], bootstrap: str, out_topic: str, n: int,
                  logdir: Path, timeout: float, shared_topic: bool = False) -> dict[str, float]:
    """``shared_topic``: earlier variants wrote to ``out_topic`` too; count only records stamped after
    this one started (not for Quix, which stamps its output with the input record's timestamp)."""
    create_topics(bootstrap, [out_topic], 4)
    since_ms = int(time.time() * 1000) if shared_topic else 0
    proc = run_child(args, env, logdir / f"{name}.log")
    try:
        return watch_topic(bootstrap, out_topic, n, timeout, lambda: proc.poll() is None, since_ms)
    finally:
        stop_process(proc, deadline=10)


def measure_with_sink(n: int, partitions: int, env: dict[str, str], logdir: Path, timeout: float) -> dict[str, float]:
    """Ripple worker + sink into a real clickhouse-server on a broker of its own (so no earlier variant's
    output is on feedback.scored.v1): from the worker's first scored record to all N rows visible."""
    from kafka import KafkaConsumer, TopicPartition

    from ripple.dev.clickhouse_server import ClickHouseServer
    from sinks.clickhouse import connect

    with TansuBroker(log_path=logdir / "tansu-sink.log") as broker, ClickHouseServer() as server:
        create_topics(broker.bootstrap, topics.ALL, partitions)
        prefill(broker.bootstrap, n)
        env = {**env, "RIPPLE_BROKERS": broker.bootstrap, "RIPPLE_CLICKHOUSE_URL": server.url,
               "RIPPLE_SINK_GROUP": f"sink-{uuid.uuid4().hex[:6]}", "RIPPLE_WORKER_ID": f"w-{uuid.uuid4().hex[:6]}"}
        sink = run_child(["-m", "ripple", "sink"], env, logdir / "e2e-sink.log")
        worker = run_child(["-m", "ripple", "worker"], env, logdir / "e2e-worker.log")
        backend = connect(server.url)
        try:
            deadline = time.monotonic() + timeout
            count = 0
            while count < n:
                if time.monotonic() > deadline or worker.poll() is not None or sink.poll() is not None:
                    raise RuntimeError(f"ripple+sink: {count}/{n} rows; see logs in {logdir}")
                try:
                    count = int(backend.query("SELECT uniqExact(event_id) FROM feedback_events")[0][0])
                except Exception:
                    count = 0
                time.sleep(0.05)
            done_ms = time.time() * 1000
            consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False)
            tps = [TopicPartition(topics.SCORED, p) for p in sorted(consumer.partitions_for_topic(topics.SCORED) or [])]
            first = min(t.timestamp for t in consumer.offsets_for_times({tp: 0 for tp in tps}).values() if t)
            consumer.close()
            span = (done_ms - first) / 1000
            return {"events": count, "seconds": span, "events_per_s": n / max(span, 1e-3)}
        finally:
            stop_process(worker, deadline=10)
            stop_process(sink, deadline=10)
            backend.close()


def measure_split(n: int, partitions: int, env: dict[str, str], logdir: Path, timeout: float) -> dict[str, float]:
    """Two worker processes on a broker of their own: score+customers (fused) and windows (over the scored
    topic, its own group). From the first scored record until the windows worker has committed all N."""
    from kafka import KafkaConsumer, TopicPartition

    with TansuBroker(log_path=logdir / "tansu-split.log") as broker:
        create_topics(broker.bootstrap, topics.ALL, partitions)
        prefill(broker.bootstrap, n)
        suffix = uuid.uuid4().hex[:6]
        base = {**env, "RIPPLE_BROKERS": broker.bootstrap}
        windows_group = f"win-{suffix}"
        workers = [
            run_child(["-m", "ripple", "worker"], {**base, "RIPPLE_STAGES": "score,customers",
                                                   "RIPPLE_WORKER_ID": f"sc-{suffix}"}, logdir / "split-score.log"),
            run_child(["-m", "ripple", "worker"],
                      {**base, "RIPPLE_STAGES": "windows", "RIPPLE_WORKER_ID": windows_group},
                      logdir / "split-windows.log"),
        ]
        consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=windows_group, enable_auto_commit=False)
        try:
            wait_until(lambda: bool(consumer.partitions_for_topic(topics.SCORED)), 30, "scored topic")
            tps = [TopicPartition(topics.SCORED, p) for p in sorted(consumer.partitions_for_topic(topics.SCORED) or [])]

            def windows_done() -> bool:
                if any(w.poll() is not None for w in workers):
                    raise RuntimeError(f"ripple-split: a worker died; see logs in {logdir}")
                # Committed offsets are exact (Tansu's end offsets are not): N records consumed and acked.
                return sum(consumer.committed(tp) or 0 for tp in tps) >= n

            wait_until(windows_done, timeout, "the windows worker to commit every scored event", interval=0.05)
            done_ms = time.time() * 1000
            first = min(t.timestamp for t in consumer.offsets_for_times({tp: 0 for tp in tps}).values() if t)
            span = (done_ms - first) / 1000
            return {"events": n, "seconds": span, "events_per_s": n / max(span, 1e-3)}
        finally:
            consumer.close(autocommit=False)
            for w in workers:
                stop_process(w, deadline=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=50_000)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--only", default="limit,naive-faust,quix,ripple-score,ripple,ripple-split,ripple+sink")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    a = ap.parse_args()
    wanted = a.only.split(",")
    logdir = Path(tempfile.mkdtemp(prefix="ripple-bench-"))
    results: dict[str, Any] = {"events": a.events, "partitions": a.partitions, "logs": str(logdir)}
    with TansuBroker(log_path=logdir / "tansu.log") as broker:
        b = broker.bootstrap
        create_topics(b, topics.ALL, a.partitions)
        t = time.perf_counter()
        prefill(b, a.events)
        print(f"prefilled {a.events} events in {time.perf_counter() - t:.1f}s (logs: {logdir})", flush=True)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("RIPPLE_")},
               "PYTHONPATH": str(ROOT), "BENCH_BROKER": b, "RIPPLE_BROKERS": b,
               "RIPPLE_PARTITIONS": str(a.partitions), "RIPPLE_DATA_DIR": str(logdir / "data")}
        figures: dict[str, dict[str, float]] = {}
        for name in wanted:
            print(f"running {name} ...", flush=True)
            group = f"{name}-{uuid.uuid4().hex[:6]}"
            e = {**env, "BENCH_GROUP": group, "BENCH_OUT": f"bench.{name}.out", "BENCH_DATADIR": str(logdir / name),
                 "RIPPLE_WORKER_ID": group}
            if name == "limit":
                figures[name] = measure_limit(b, a.events)
            elif name == "naive-faust":
                figures[name] = measure_child(name, ["-m", "bench.apps.naive_faust", "worker", "-l", "warn"], e, b,
                                              e["BENCH_OUT"], a.events, logdir, a.timeout)
            elif name == "quix":
                figures[name] = measure_child(name, ["-m", "bench.apps.quix_app"], e, b, e["BENCH_OUT"], a.events,
                                              logdir, a.timeout)
            elif name in ("ripple", "ripple-score"):
                if name == "ripple-score":
                    e["RIPPLE_STAGES"] = "score"
                figures[name] = measure_child(name, ["-m", "ripple", "worker"], e, b, topics.SCORED, a.events,
                                              logdir, a.timeout, shared_topic=True)
            elif name == "ripple-split":
                figures[name] = measure_split(a.events, a.partitions, e, logdir, a.timeout)
            elif name == "ripple+sink":
                figures[name] = measure_with_sink(a.events, a.partitions, e, logdir, a.timeout)
            print(f"  {name}: {figures[name]['events_per_s']:,.0f} events/s", flush=True)
    results["figures"] = figures
    limit = figures.get("limit", {}).get("events_per_s")
    print(f"\n{'variant':<14}{'events/s':>12}{'x limit':>10}")
    for name, f in figures.items():
        ratio = f"{f['events_per_s'] / limit:.2f}" if limit else "-"
        print(f"{name:<14}{f['events_per_s']:>12,.0f}{ratio:>10}")
    if a.json:
        a.json.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
