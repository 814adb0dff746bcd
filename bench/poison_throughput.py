"""Benchmark: does a 1% poison rate slow the scoring worker down?

    /work/main/.venv/bin/python bench/poison_throughput.py [--events 3000] [--poison 0.01] [--rounds 2]

Starts a Tansu broker and one ``ripple worker`` process, warms it up, then in the same run times
alternating rounds of N clean events and N events with 1% poison records (the bad kinds of
tests/reliability/poison.py, cycled). For each round the worker is SIGSTOPped, the batch produced,
the worker SIGCONTed and the clock runs until every record came out (scored + dead-letter topic end
offsets). Prints events/s for both and the ratio poisoned/clean (1.0 = no cost; the target is >= 0.95).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kafka import KafkaConsumer, TopicPartition

from producers.kafka import make_producer
from ripple import topics
from ripple.contracts import Channel, RawFeedback
from ripple.dev.procs import wait_until
from ripple.dev.tansu import TansuBroker, create_topics
from ripple.settings import Settings
from tests.reliability.harness import TEXTS, Proc, pipeline_env
from tests.reliability.poison import kinds

TARGET_RATIO = 0.95


class Outputs:
    """Records the worker has emitted so far: scored + dead-letter end offsets."""

    def __init__(self, bootstrap: str) -> None:
        # Counted by reading the records (Tansu's end offsets were seen one short of what is readable).
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                      auto_offset_reset="earliest")
        tps = [TopicPartition(t, p) for t in (topics.SCORED, topics.DEADLETTER)
               for p in sorted(self.consumer.partitions_for_topic(t) or set())]
        self.consumer.assign(tps)
        self.consumer.seek_to_beginning(*tps)
        self.seen = 0

    def count(self) -> int:
        for msgs in self.consumer.poll(timeout_ms=20, max_records=5000).values():
            self.seen += len(msgs)
        return self.seen


def batch(n: int, poison_rate: float, start: int) -> list[tuple[bytes, bytes]]:
    bad = [(f"kind:{name}".encode(), data) for name, data, exp in kinds(f"b{start}") if exp[0] == "dead"]
    every = int(1 / poison_rate) if poison_rate > 0 else 0
    base = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    out = []
    for i in range(n):
        if every and i % every == every - 1:
            out.append(bad[(i // every) % len(bad)])
            continue
        ev = RawFeedback(event_id=f"pt-{start + i:08d}", customer_id=f"pc{(start + i) % 500:04d}",
                         channel=list(Channel)[i % 4], event_time=base + timedelta(milliseconds=start + i),
                         text=TEXTS[i % len(TEXTS)])
        out.append((ev.customer_id.encode(), ev.to_json()))
    return out


def timed_round(worker: Proc, settings: Settings, outputs: Outputs, records: list[tuple[bytes, bytes]]) -> float:
    before = outputs.count()
    worker.pause()
    producer = make_producer(settings, linger_ms=20)
    for key, value in records:
        producer.send(topics.RAW, key=key, value=value)
    producer.flush()
    producer.close()
    worker.resume()
    t0 = time.perf_counter()
    wait_until(lambda: outputs.count() >= before + len(records), 300, "round drained", interval=0)
    return len(records) / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=3000, help="events per round")
    ap.add_argument("--poison", type=float, default=0.01, help="poison share in the poisoned rounds")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of each kind (alternating)")
    args = ap.parse_args(argv)
    with TansuBroker() as broker, tempfile.TemporaryDirectory(prefix="ripple-poison-") as tmp:
        print(f"worker log: {tmp}/worker.log", file=sys.stderr)
        create_topics(broker.bootstrap, topics.ALL, 2)
        settings = Settings(brokers=broker.bootstrap)
        env = pipeline_env(broker.bootstrap, "clickhouse://unused@127.0.0.1:1/none", Path(tmp) / "data",
                           uuid.uuid4().hex[:6])
        worker = Proc(["worker"], env, Path(tmp) / "worker.log").start()
        try:
            outputs = Outputs(broker.bootstrap)
            warm = batch(500, 0, 0)
            producer = make_producer(settings)
            for key, value in warm:
                producer.send(topics.RAW, key=key, value=value)
            producer.flush()
            producer.close()
            wait_until(lambda: outputs.count() >= len(warm), 60, "warm-up", interval=0.1)
            clean: list[float] = []
            poisoned: list[float] = []
            seq = 1000
            for _ in range(args.rounds):
                for rates, share in ((clean, 0.0), (poisoned, args.poison)):
                    rates.append(timed_round(worker, settings, outputs, batch(args.events, share, seq)))
                    seq += args.events
                    assert worker.alive(), "worker died"
        finally:
            worker.stop()
    c, p = statistics.median(clean), statistics.median(poisoned)
    ratio = p / c
    print(f"events per round {args.events}, rounds {args.rounds} each, poison share {args.poison:.1%}")
    print(f"clean:    {c:8.0f} events/s  (rounds: {', '.join(f'{r:.0f}' for r in clean)})")
    print(f"poisoned: {p:8.0f} events/s  (rounds: {', '.join(f'{r:.0f}' for r in poisoned)})")
    print(f"ratio poisoned/clean: {ratio:.3f}  (target >= {TARGET_RATIO})")
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
