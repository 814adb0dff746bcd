"""Alert latency: trigger on feedback.raw.v1 (or feedback.scored.v1) -> alert on alerts.customer.v1.

Starts a real Tansu broker and a real faust worker subprocess (``python -m ripple worker``), then
produces events at a fixed rate (default 2,000/s): most are ordinary contacts of returning
customers, a share are very negative contacts that must raise or update an alert. By default the
events are raw feedback with real text through the default (fused) worker, so scoring is included;
``--input scored`` feeds scored events to a non-fused customers stage instead. Latency is
measured per alert from just before ``producer.send`` of its trigger to the moment a consumer reads
the alert (so it includes broker, worker, broker again and the read).

Baseline, measured in the same run: the plain broker hop (produce -> consume on the same topic, no
worker) at the same rate; the ratio shows what the worker adds.

    python bench/customers_latency.py [--rate 2000] [--seconds 15] [--alert-share 0.05] [--partitions 2]

Target: p99 <= 500 ms at 2,000 events/s.

Tansu does not answer a fetch early when records arrive (Apache Kafka does, with fetch.min.bytes=1):
it holds it for up to the consumer's fetch_max_wait_ms, and faust hard-codes 1500 ms for its worker
consumer. A plain consumer on Tansu with that wait sees p50 ~390 ms / p99 ~750 ms by itself.
``--fetch-wait-ms N`` starts the worker with that one aiokafka argument overridden (bench only), to
show the worker's own latency without the dev broker's long-poll; both figures are worth reporting.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FETCH_WAIT_MS = int(os.environ.get("BENCH_FETCH_WAIT_MS", "5"))
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from ripple import topics  # noqa: E402
from ripple.contracts import Channel, RawFeedback  # noqa: E402
from ripple.dev.procs import free_port, stop_process, wait_until  # noqa: E402
from ripple.dev.tansu import TansuBroker, create_topics  # noqa: E402
from streams.customers.journeys import scored  # noqa: E402

FETCH_PATCH = """
import os, aiokafka
_init = aiokafka.AIOKafkaConsumer.__init__
def _patched(self, *a, **kw):
    kw["fetch_max_wait_ms"] = int(os.environ["BENCH_WORKER_FETCH_WAIT_MS"])
    _init(self, *a, **kw)
aiokafka.AIOKafkaConsumer.__init__ = _patched
from ripple.cli import main
main()
"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc): a load-independent cost measure."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(p * (len(s) - 1) + 0.5))] if s else float("nan")


class Reader(threading.Thread):
    """Consumes a topic from the end and records when each trigger's record arrived."""

    def __init__(self, bootstrap: str, topic: str, id_of: Any) -> None:
        super().__init__(daemon=True)
        from kafka import KafkaConsumer, TopicPartition

        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            fetch_max_wait_ms=FETCH_WAIT_MS,
            auto_offset_reset="latest",
        )
        tps = [TopicPartition(topic, p) for p in self.consumer.partitions_for_topic(topic) or set()]
        self.consumer.assign(tps)
        self.consumer.seek_to_end(*tps)
        for tp in tps:
            self.consumer.position(tp)
        self.id_of = id_of
        self.arrived: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for msgs in self.consumer.poll(timeout_ms=20).values():
                t = time.perf_counter()
                for m in msgs:
                    key = self.id_of(m.value)
                    if key is not None:
                        self.arrived.setdefault(key, t)
        self.consumer.close()


ORDINARY_TEXTS = (
    "Where is my order? It was supposed to arrive today.",
    "Thanks, the delivery was quick and the courier was polite.",
    "Can I change the delivery address for order 5531?",
    "Спасибо, всё пришло вовремя, упаковка целая.",
    "Ευχαριστώ πολύ, η παραγγελία ήρθε νωρίτερα από ό,τι περίμενα.",
    "Շնորհակալություն, ամեն ինչ կարգին է։",
    "மிக்க நன்றி, பொருள் சரியான நேரத்தில் வந்தது.",
)
TRIGGER_TEXT = "Terrible service, I am furious. Nobody answers and my refund is still missing!"


def build_events(n: int, share: float, customers: int, seed: int, raw: bool = True,
                 ) -> tuple[list[tuple[bytes, bytes, str]], set[str]]:
    """Ordinary contacts of returning customers plus a share of very negative ones (new customers).

    raw=True: feedback.raw.v1 events with real multilingual text, so the latency includes scoring
    (the default, fused deployment); raw=False: already scored events for a non-fused customers stage.
    """
    rng = random.Random(seed)
    now = datetime.now(UTC)
    out: list[tuple[bytes, bytes, str]] = []
    triggers: set[str] = set()
    for i in range(n):
        eid = f"lat-{seed}-{i:08d}"
        if rng.random() < share:
            cid = f"angry{i:08d}"  # a new customer each time: every trigger opens an alert
            text, score = TRIGGER_TEXT, -0.9
            triggers.add(eid)
        else:
            cid = f"cust{rng.randrange(customers):06d}"
            text, score = rng.choice(ORDINARY_TEXTS), rng.choice([0.6, 0.2, 0.0, -0.1])
        if raw:
            value = RawFeedback(event_id=eid, customer_id=cid, channel=Channel.CHAT, event_time=now,
                                text=text).to_json()
        else:
            value = scored(cid, eid, now, score, text=text, drivers=("terrible",) if score < -0.5 else ()).to_json()
        out.append((cid.encode(), value, eid))
    return out, triggers


def _produce(bootstrap: str, topic: str, events: list[tuple[bytes, bytes, str]], rate: float, conn: Any) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=1, batch_size=64 * 1024)
    sent: dict[str, float] = {}
    start = time.perf_counter()
    for i, (key, value, eid) in enumerate(events):
        due = start + i / rate
        while (delay := due - time.perf_counter()) > 0:
            time.sleep(min(delay, 0.002))
        sent[eid] = time.perf_counter()
        producer.send(topic, key=key, value=value)
    producer.flush()
    took = time.perf_counter() - start
    producer.close()
    conn.send((sent, took))
    conn.close()


def run_load(bootstrap: str, topic: str, events: list[tuple[bytes, bytes, str]], rate: float) -> dict[str, float]:
    """Produce from a child process so the reader thread here does not slow the producer down.

    Send and arrival times are both ``time.perf_counter()``: CLOCK_MONOTONIC, system-wide on Linux.
    """
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_produce, args=(bootstrap, topic, events, rate, child))
    proc.start()
    sent, took = parent.recv()
    proc.join()
    print(f"  produced {len(events)} events in {took:.1f}s ({len(events) / took:.0f}/s)")
    return dict(sent)


def latencies(sent: dict[str, float], arrived: dict[str, float], wanted: set[str]) -> list[float]:
    return [(arrived[e] - sent[e]) * 1000 for e in wanted if e in arrived and e in sent]


def summary(name: str, lat: list[float], expected: int) -> str:
    return (
        f"{name:28} n={len(lat)}/{expected}  p50 {pct(lat, 0.5):7.1f} ms  p95 {pct(lat, 0.95):7.1f} ms  "
        f"p99 {pct(lat, 0.99):7.1f} ms  max {max(lat, default=float('nan')):7.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=2000)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--alert-share", type=float, default=0.05)
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--partitions", type=int, default=2)
    ap.add_argument("--store", default="memory://", help="faust table store: memory:// or rocksdb://")
    ap.add_argument("--input", choices=("raw", "scored"), default="raw",
                    help="raw: feedback.raw.v1 through the default fused worker (scoring included); "
                         "scored: feedback.scored.v1 into a non-fused customers stage")
    ap.add_argument(
        "--fetch-wait-ms",
        type=int,
        default=None,
        help="override faust's hard-coded 1500 ms consumer fetch wait in the worker (see above)",
    )
    args = ap.parse_args(argv)
    n = int(args.rate * args.seconds)
    tmp = Path(tempfile.mkdtemp(prefix="ripple-latency-"))
    with TansuBroker(log_path=tmp / "tansu.log") as broker:
        create_topics(broker.bootstrap, [*topics.ALL, "bench.baseline"], args.partitions)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RIPPLE_")}
        # faust picks its event loop when ``faust`` is first imported, from -L in sys.argv or FAUST_LOOP;
        # streams.app sets ``-L uvloop`` in sys.argv only after importing faust, so set it here.
        env["FAUST_LOOP"] = "uvloop"
        # Log level info, not warn: at warn and above faust installs its terminal spinner handler and
        # sets the root logger to DEBUG, so every debug call in faust/aiokafka builds a record (~12% CPU).
        env.update(
            RIPPLE_BROKERS=broker.bootstrap,
            RIPPLE_DATA_DIR=str(tmp / "data"),
            RIPPLE_PARTITIONS=str(args.partitions),
            RIPPLE_WORKER_ID=f"bench-{os.getpid()}",
            RIPPLE_FAUST_STORE=args.store,
            RIPPLE_LOG_LEVEL="info",
            RIPPLE_FUSED_STAGES="true" if args.input == "raw" else "false",
            WEB_PORT=str(free_port()),
            PYTHONPATH=str(ROOT),
        )
        log = open(tmp / "worker.log", "ab")  # noqa: SIM115
        cmd = [sys.executable, "-m", "ripple", "worker"]
        if args.fetch_wait_ms is not None:
            env["BENCH_WORKER_FETCH_WAIT_MS"] = str(args.fetch_wait_ms)
            cmd = [sys.executable, "-c", FETCH_PATCH, "worker"]
        worker = subprocess.Popen(
            cmd,
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        try:
            raw = args.input == "raw"
            in_topic = topics.RAW if raw else topics.SCORED
            events, triggers = build_events(n, args.alert_share, args.customers, seed=1, raw=raw)
            warm, warm_triggers = build_events(200, 0.5, 100, seed=2, raw=raw)

            def trigger_of(value: bytes) -> str | None:
                tid = orjson.loads(value).get("trigger_event_id")
                return str(tid) if tid else None

            def event_id_of(value: bytes) -> str | None:
                return str(orjson.loads(value)["event_id"])

            print(f"baseline: broker hop produce -> consume, {args.rate:.0f}/s, {n} events")
            base_reader = Reader(broker.bootstrap, "bench.baseline", event_id_of)
            base_reader.start()
            base_sent = run_load(broker.bootstrap, "bench.baseline", events, args.rate)
            wait_until(lambda: len(base_reader.arrived) >= n, 60, "baseline records")
            base_reader.stop.set()
            base = latencies(base_sent, base_reader.arrived, set(base_sent))

            reader = Reader(broker.bootstrap, topics.CUSTOMER_ALERTS, trigger_of)
            reader.start()
            print("worker: waiting for it to join and process a warm-up batch ...")
            run_load(broker.bootstrap, in_topic, warm, 200)

            def warmed() -> bool:
                if worker.poll() is not None:
                    raise RuntimeError(f"worker exited ({worker.returncode}); see {tmp / 'worker.log'}")
                return warm_triggers <= set(reader.arrived)

            wait_until(warmed, 120, "warm-up alerts")
            print(
                f"worker consumer fetch wait: {args.fetch_wait_ms or 'faust default (1500)'} ms; "
                f"load: {args.rate:.0f} events/s for {args.seconds:.0f}s, {len(triggers)} alert triggers "
                f"({args.alert_share:.0%}), store {args.store}, input {in_topic}"
            )
            cpu0, wall0 = cpu_seconds(worker.pid), time.perf_counter()
            sent = run_load(broker.bootstrap, in_topic, events, args.rate)
            with contextlib.suppress(TimeoutError):  # missing alerts are reported below
                wait_until(lambda: triggers <= set(reader.arrived), 60, "every alert")
            reader.stop.set()
            cpu, wall = cpu_seconds(worker.pid) - cpu0, time.perf_counter() - wall0
            lat = latencies(sent, reader.arrived, triggers)
            print()
            print(summary("baseline broker hop", base, n))
            print(summary("alert latency", lat, len(triggers)))
            if lat and base:
                print(
                    f"ratio alert/baseline: p50 x{pct(lat, 0.5) / pct(base, 0.5):.1f}, "
                    f"p99 x{pct(lat, 0.99) / pct(base, 0.99):.1f}"
                )
            print(
                f"worker CPU: {cpu:.1f} s for {n} events = {cpu / n * 1e6:.0f} us/event "
                f"(one dedicated core would sustain ~{n / cpu:.0f} events/s); it got {cpu / wall:.0%} of a core "
                f"over {wall:.0f} s; machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
            )
            ok = len(lat) == len(triggers) and pct(lat, 0.99) <= 500
            print(
                f"target p99 <= 500 ms at {args.rate:.0f}/s: {'MET' if ok else 'NOT MET'}"
                + ("" if len(lat) == len(triggers) else f" ({len(triggers) - len(lat)} alerts missing)")
            )
            return 0 if ok else 1
        finally:
            stop_process(worker, deadline=10)
            log.close()


if __name__ == "__main__":
    raise SystemExit(main())
