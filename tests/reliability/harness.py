"""Fault-injection harness: real broker, real ClickHouse server, worker and sink as processes.

The generator numbers every event per producer and per customer and records the ones the broker
acknowledged, so after the system drains we can say exactly what was sent, found, duplicated, lost.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ripple import topics
from ripple.contracts import Channel, RawFeedback
from ripple.dev.procs import stop_process, wait_until
from ripple.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

TEXTS = (
    "My parcel still has not arrived after ten days, this is unacceptable.",
    "Thanks, the agent solved my problem in five minutes!",
    "Can you tell me when my order will ship?",
    "I waited 40 minutes on hold and nobody picked up. Terrible.",
    "Great quality, fast delivery, will order again.",
    "You promised a 30% discount and I got 15%. I'm going to the competition.",
)


@dataclass
class AckedGenerator:
    """Produces numbered events at a rate; remembers every event id the broker acknowledged."""

    settings: Settings
    total: int
    rate: float
    customers: int = 2000
    producer_id: str = "gen1"
    seed: int = 5
    acked: set[str] = field(default_factory=set)
    failed: int = 0
    spacing_ms: int = 20
    """Event time between consecutive events: it rises with the sequence, so per customer too."""
    customer_seq: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    base: datetime = field(init=False)

    def __post_init__(self) -> None:
        # The last event falls just before a minute boundary, so the last minute window closes
        # lateness + idle grace after the last event instead of waiting out a half-empty minute.
        span = timedelta(milliseconds=self.total * self.spacing_ms)
        end = datetime(2026, 2, 2, 8, 0, tzinfo=UTC) + span
        if end.second or end.microsecond:
            end = end.replace(second=0, microsecond=0) + timedelta(minutes=1)
        self.base = end - span

    def event(self, seq: int, rng: random.Random) -> RawFeedback:
        customer = f"rc{rng.randrange(self.customers):05d}"
        self.customer_seq[customer] += 1
        return RawFeedback(
            event_id=f"{self.producer_id}-{seq:08d}",
            customer_id=customer,
            channel=rng.choice(list(Channel)),
            event_time=self.base + timedelta(milliseconds=seq * self.spacing_ms),
            text=rng.choice(TEXTS),
            external_id=f"cseq:{self.customer_seq[customer]}",
        )

    def _run(self) -> None:
        """Produce at ``rate`` with librdkafka (idempotent, acks=all, Kafka's murmur2 partitioning).

        Why librdkafka: the generator shares the machine with what it measures, and kafka-python spent
        a third of a core at 1,000 events/s that the worker then lacked in the soak.
        """
        from confluent_kafka import Producer

        rng = random.Random(self.seed)
        producer = Producer({"bootstrap.servers": ",".join(self.settings.broker_list()), "acks": "all",
                             "enable.idempotence": True, "linger.ms": 10, "partitioner": "murmur2_random"})
        start = time.monotonic()
        for seq in range(self.total):
            ev = self.event(seq, rng)
            due = start + seq / self.rate
            if (delay := due - time.monotonic()) > 0:
                time.sleep(delay)
            event_id = ev.event_id
            while True:
                try:
                    producer.produce(topics.RAW, key=ev.customer_id.encode(), value=ev.to_json(),
                                     on_delivery=lambda err, _msg, eid=event_id: self._delivered(eid, err))
                    break
                except BufferError:  # the local queue is full: serve delivery reports, then retry
                    producer.poll(0.05)
            producer.poll(0)
        if producer.flush(120) > 0:
            with self._lock:
                self.failed += len(producer)

    def _delivered(self, event_id: str, err: Any) -> None:
        with self._lock:
            if err is None:
                self.acked.add(event_id)
            else:
                self.failed += 1

    def start(self) -> AckedGenerator:
        self._thread = threading.Thread(target=self._run, name="generator", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float) -> None:
        assert self._thread is not None
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "generator did not finish"


class Proc:
    """One Ripple process (``ripple worker`` / ``ripple sink``) that can be killed and restarted."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> Proc:
        out = open(self.log, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "ripple", *self.args], env=self.env, cwd=ROOT,
                                     stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True)
        self.starts += 1
        return self

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def terminate(self, deadline: float) -> tuple[int, float]:
        """SIGTERM and wait; returns (exit code, seconds taken). Raises if the deadline passes."""
        assert self.proc is not None
        started = time.monotonic()
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            code = self.proc.wait(deadline)
        except subprocess.TimeoutExpired as exc:
            stop_process(self.proc, deadline=1, sig=signal.SIGKILL)
            raise AssertionError(f"{self.args[0]} did not shut down within {deadline}s") from exc
        self.proc = None
        return code, time.monotonic() - started

    def pause(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGCONT)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, deadline=10)
            self.proc = None


def group_lag(bootstrap: str, group: str, topic: str) -> int:
    """Records between the group's committed offsets and the end of ``topic``."""
    from kafka import KafkaConsumer, TopicPartition

    # committed() only reads the group's offsets; this consumer never joins the group.
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or set())]
        ends = consumer.end_offsets(tps)
        return sum(max(ends[tp] - (consumer.committed(tp) or 0), 0) for tp in tps)
    finally:
        consumer.close(autocommit=False)


def group_offsets(bootstrap: str, group: str | None, topic: str) -> int:
    """Sum over partitions of the group's committed offsets (``group=None``: of the end offsets)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or set())]
        if group is None:
            return sum(consumer.end_offsets(tps).values())
        return sum(consumer.committed(tp) or 0 for tp in tps)
    finally:
        consumer.close(autocommit=False)


def await_drained(check: Any, timeout: float, what: str) -> None:
    wait_until(check, timeout, what, interval=0.5)


def pipeline_env(bootstrap: str, clickhouse_url: str, data_dir: Path, suffix: str) -> dict[str, str]:
    """Environment for ``ripple worker`` / ``ripple sink`` processes on a private broker and database.

    Returns the env; the worker group is ``rw-<suffix>`` and the sink group ``rs-<suffix>``.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIPPLE_")}
    env.update({"RIPPLE_BROKERS": bootstrap, "RIPPLE_CLICKHOUSE_URL": clickhouse_url,
                "RIPPLE_WORKER_ID": f"rw-{suffix}", "RIPPLE_SINK_GROUP": f"rs-{suffix}",
                "RIPPLE_PARTITIONS": "2", "RIPPLE_DATA_DIR": str(data_dir), "RIPPLE_LOG_LEVEL": "warn",
                "PYTHONPATH": str(ROOT)})
    return env


def string_cells(backend: Any) -> list[tuple[str, str, str]]:
    """Every String / Nullable(String) / FixedString / Array(String) cell of every table of the database.

    Returns (table, column, value) triples. Table and column names come from system.columns of the
    current database (backquoted, never user input); the database itself is a bound parameter.
    """
    cols = backend.query(
        "SELECT table, name, type FROM system.columns WHERE database = currentDatabase() "
        "AND (type LIKE %(s)s OR type LIKE %(n)s OR type LIKE %(f)s OR type LIKE %(a)s)",
        {"s": "String", "n": "Nullable(String)", "f": "FixedString(%", "a": "Array(%String)"},
    )
    engines = dict(backend.query("SELECT name, engine FROM system.tables WHERE database = currentDatabase()"))
    out: list[tuple[str, str, str]] = []
    for table, column, _typ in cols:
        if engines.get(table, "").endswith("View") and not engines.get(table, "").startswith("Materialized"):
            continue
        assert "`" not in table and "`" not in column
        for (value,) in backend.query(f"SELECT `{column}` FROM `{table}`"):
            if value is None:
                continue
            values = value if isinstance(value, (list, tuple)) else [value]
            for v in values:
                out.append((table, column, v.decode(errors="replace") if isinstance(v, bytes) else str(v)))
    return out


def consume_to_end(bootstrap: str, topic: str, timeout: float = 60) -> list[Any]:
    """Every record on ``topic`` up to its end offsets at call time (no consumer group)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or set())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        out: list[Any] = []

        def done() -> bool:
            for msgs in consumer.poll(timeout_ms=200).values():
                out.extend(msgs)
            return all(consumer.position(tp) >= ends[tp] for tp in tps)

        wait_until(done, timeout, f"end of {topic}", interval=0)
        # Tansu reports a partition's end as its last record batch's base offset + 1: the rest of that
        # batch is still to come (buffered, or one fetch away). The topic is quiet by now, so an empty
        # poll after the reported end means there is nothing more.
        while tail := consumer.poll(timeout_ms=1000):
            for msgs in tail.values():
                out.extend(msgs)
        return out
    finally:
        consumer.close()


def stored_events(backend: Any) -> int:
    """Distinct event ids in feedback_events; 0 until the sink's migrations have created the table."""
    exists = backend.query("SELECT count() FROM system.tables WHERE database = currentDatabase() "
                           "AND name = %(t)s", {"t": "feedback_events"})[0][0]
    if not int(exists):
        return 0
    return int(backend.query("SELECT uniqExact(event_id) FROM feedback_events")[0][0])


def latest_values(bootstrap: str, topic: str, timeout: float = 120) -> dict[str, bytes | None]:
    """The last value per key of a (changelog) topic: what a restarted worker would recover."""
    out: dict[str, bytes | None] = {}
    for m in sorted(consume_to_end(bootstrap, topic, timeout), key=lambda m: (m.partition, m.offset)):
        if m.key is not None:
            out[m.key.decode()] = m.value
    return out


def minute_aggregates(backend: Any) -> dict[tuple[int, str, str, str], tuple[int, int]]:
    """(window start, channel, aspect, language) -> (count, negative) of the latest version of each
    ``feedback_minute`` row, read in the dedup-safe form dashboards use (``MINUTE_LATEST``)."""
    from sinks.clickhouse.queries import MINUTE_LATEST

    exists = backend.query("SELECT count() FROM system.tables WHERE database = currentDatabase() "
                           "AND name = %(t)s", {"t": "feedback_minute"})[0][0]
    if not int(exists):
        return {}
    rows = backend.query(f"SELECT toUnixTimestamp(window_start), channel, aspect, language, count, negative "
                         f"FROM ({MINUTE_LATEST})")
    return {(int(t), str(c), str(a), str(lg)): (int(n), int(neg)) for t, c, a, lg, n, neg in rows}


def scorings(backend: Any) -> dict[str, Any]:
    """event_id -> Scoring (label, language, aspects) of the latest scoring of each stored event."""
    from tests.reliability.checks import Scoring

    rows = backend.query("SELECT event_id, argMax(label, scored_at), argMax(language, scored_at), "
                         "argMax(aspects, scored_at) FROM feedback_events GROUP BY event_id")
    return {str(e): Scoring(str(label), str(lang), tuple(str(a) for a in aspects)) for e, label, lang, aspects in rows}
