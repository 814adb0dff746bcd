"""Worker memory with N distinct customers in state (RocksDB store), against the same worker with none.

    /work/main/.venv/bin/python bench/state_memory.py [--customers 1000000] [--events 20000]

Issue #9's target: worker RSS <= 400 MB with 1,000,000 customers in state. Feeding a million customers
through the scorer would take most of an hour here, so the state is written the way a restarted worker
meets it: the bench builds a realistic CustomerState per customer (one to three contacts folded in by
the real rules engine, the same bytes the worker stores), produces them to the customers table's
changelog topic, and starts ``ripple worker`` with ``RIPPLE_FAUST_STORE=rocksdb://``. The worker
recovers the table into RocksDB, then processes --events raw events for customers already in state
(read, update, write back). RSS (VmRSS) is sampled throughout; the peak and the value after the
events are printed with a ratio against a baseline worker run in the same process with an empty
state and the same events.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pipeline import watch_topic  # noqa: E402
from ripple import topics  # noqa: E402
from ripple.contracts import Channel, RawFeedback  # noqa: E402
from ripple.dev.procs import stop_process  # noqa: E402
from ripple.dev.tansu import TansuBroker, create_topics  # noqa: E402
from streams.customers.config import CustomerRules  # noqa: E402
from streams.customers.journeys import scored  # noqa: E402
from streams.customers.rules import process_event  # noqa: E402
from streams.customers.state import CustomerState  # noqa: E402

PARTITIONS = 2


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def state_templates(n: int = 50) -> list[bytes]:
    """Realistic state values: 1-3 contacts folded in by the real engine, some with an open alert."""
    rules, rng, now = CustomerRules(), random.Random(5), datetime.now(UTC)
    out = []
    for i in range(n):
        st = CustomerState()
        for j in range(rng.randint(1, 3)):
            ev = scored(f"t{i}", f"t{i}-{j}", now - timedelta(days=rng.randint(0, 20)),
                        rng.choice([0.7, 0.3, 0.0, -0.3, -0.8]), text="x")
            st = process_event(st, ev, rules, now).state
        out.append(st.to_bytes())
    return out


def fill_changelog(bootstrap: str, topic: str, customers: int) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=50, batch_size=1 << 20, acks=1)
    templates = state_templates()
    started = time.perf_counter()
    for i in range(customers):
        producer.send(topic, key=f"cust{i:08d}".encode(), value=templates[i % len(templates)])
        if i and i % 200_000 == 0:
            print(f"  changelog: {i:,} states ({i / (time.perf_counter() - started):,.0f}/s)", flush=True)
    producer.flush()
    # Tansu reports a partition's end as its last batch's base offset + 1: end each partition with a
    # one-record batch (a repeat of a written state) so the worker's recovery reads every record.
    for partition in range(PARTITIONS):
        producer.send(topic, key=b"cust00000000", value=templates[0], partition=partition)
        producer.flush()
    producer.close()


def raw_events(n: int, customers: int, seed: int) -> list[tuple[bytes, bytes]]:
    rng, now = random.Random(seed), datetime.now(UTC)
    out = []
    for i in range(n):
        cid = f"cust{rng.randrange(customers):08d}"
        ev = RawFeedback(event_id=f"mem-{seed}-{i}", customer_id=cid, channel=Channel.CHAT, event_time=now,
                         text=rng.choice(["Where is my order?", "Thanks, all good.", "Still waiting, not happy."]))
        out.append((cid.encode(), ev.to_json()))
    return out


def run_worker(label: str, customers: int, events: int, tmp: Path) -> dict[str, float]:
    from kafka import KafkaProducer

    worker_id = f"mem-{label}"
    with TansuBroker(log_path=tmp / f"tansu-{label}.log") as broker:
        changelog = f"{worker_id}-customers-changelog"
        create_topics(broker.bootstrap, [*topics.ALL, changelog], PARTITIONS)
        if customers:
            fill_changelog(broker.bootstrap, changelog, customers)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RIPPLE_")}
        env.update(RIPPLE_BROKERS=broker.bootstrap, RIPPLE_DATA_DIR=str(tmp / label), RIPPLE_WORKER_ID=worker_id,
                   RIPPLE_PARTITIONS=str(PARTITIONS), RIPPLE_FAUST_STORE="rocksdb://", RIPPLE_LOG_LEVEL="info",
                   PYTHONPATH=str(ROOT))
        log = open(tmp / f"worker-{label}.log", "ab")  # noqa: SIM115
        worker = subprocess.Popen([sys.executable, "-m", "ripple", "worker"], env=env, cwd=ROOT, stdout=log,
                                  stderr=log, start_new_session=True)
        peak, samples, stop = [0.0], [], threading.Event()

        def sample() -> None:
            while not stop.wait(0.5) and worker.poll() is None:
                v = rss_mb(worker.pid)
                peak[0] = max(peak[0], v)
                samples.append(v)

        threading.Thread(target=sample, daemon=True).start()
        try:
            started = time.perf_counter()
            producer = KafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=5)
            batch = raw_events(events, max(customers, 1000), seed=3)
            for key, value in batch:
                producer.send(topics.RAW, key=key, value=value)
            producer.flush()
            # Count by reading: Tansu's end offsets lag after batched produces.
            watch_topic(broker.bootstrap, topics.SCORED, events, 3600, lambda: worker.poll() is None)
            took = time.perf_counter() - started
            after = rss_mb(worker.pid)
            producer.close()
        finally:
            stop.set()
            stop_process(worker, deadline=15)
            log.close()
    print(f"  {label}: recovered {customers:,} customers + processed {events:,} events in {took:.0f}s; "
          f"RSS peak {peak[0]:.0f} MB, after the events {after:.0f} MB", flush=True)
    return {"customers": customers, "peak_mb": peak[0], "after_mb": after, "seconds": took}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--target-mb", type=float, default=400.0)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="ripple-statemem-"))
    print(f"baseline: empty state, {args.events:,} events (RocksDB store)")
    base = run_worker("baseline", 0, args.events, tmp)
    print(f"state: {args.customers:,} customers in the changelog, then {args.events:,} events")
    full = run_worker("state", args.customers, args.events, tmp)
    ok = full["peak_mb"] <= args.target_mb
    print(f"\nworker RSS with {args.customers:,} customers: peak {full['peak_mb']:.0f} MB, "
          f"after {full['after_mb']:.0f} MB "
          f"(baseline peak {base['peak_mb']:.0f} MB; x{full['peak_mb'] / base['peak_mb']:.2f}); "
          f"target <= {args.target_mb:.0f} MB: {'MET' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
