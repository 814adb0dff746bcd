"""Faults while events flow: nothing acknowledged is lost, nothing is counted twice.

100,000 events (RIPPLE_RELIABILITY_EVENTS) flow through the real broker, faust worker, sink and a
real clickhouse-server while the worker and sink are SIGKILLed at random points, SIGTERMed with a
deadline, SIGSTOPped past their session timeout, ClickHouse is stopped for 30 s and the sink is
restarted with lag. Afterwards every acknowledged event must be in ClickHouse exactly once.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections import defaultdict
from pathlib import Path

import orjson
import pytest

from ripple import topics
from ripple.dev.clickhouse_server import ClickHouseServer
from ripple.dev.tansu import TansuBroker
from ripple.settings import Settings
from sinks.clickhouse import connect
from tests.conftest import consume_all
from tests.reliability.harness import AckedGenerator, Proc, await_drained, group_lag

pytestmark = pytest.mark.reliability

EVENTS = int(os.environ.get("RIPPLE_RELIABILITY_EVENTS", "100000"))
RATE = float(os.environ.get("RIPPLE_RELIABILITY_RATE", "1200"))
OUTAGE_S = 30.0


@pytest.mark.timeout(1200)  # 100,000 events plus ~2 minutes of injected faults and the drain afterwards
def test_faults_lose_nothing_and_duplicate_nothing(
    broker: TansuBroker, clickhouse_server: ClickHouseServer, server_db: str, tmp_path: Path
) -> None:
    rng = random.Random(int(os.environ.get("RIPPLE_RELIABILITY_SEED", "20261123")))
    suffix = uuid.uuid4().hex[:6]
    worker_group, sink_group = f"rw-{suffix}", f"rs-{suffix}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIPPLE_")}
    env.update({"RIPPLE_BROKERS": broker.bootstrap, "RIPPLE_CLICKHOUSE_URL": server_db,
                "RIPPLE_WORKER_ID": worker_group, "RIPPLE_SINK_GROUP": sink_group, "RIPPLE_PARTITIONS": "2",
                "RIPPLE_DATA_DIR": str(tmp_path / "data"), "RIPPLE_LOG_LEVEL": "warn"})
    worker = Proc(["worker"], env, tmp_path / "worker.log").start()
    sink = Proc(["sink"], env, tmp_path / "sink.log").start()
    gen = AckedGenerator(Settings(brokers=broker.bootstrap), total=EVENTS, rate=RATE).start()
    faults: list[tuple[float, str]] = []
    t0 = time.monotonic()

    def note(what: str) -> None:
        faults.append((time.monotonic() - t0, what))

    try:
        # 1. Random SIGKILLs of the worker and the sink (10 in total), restarted at once.
        for _ in range(10):
            time.sleep(rng.uniform(1.0, 3.5))
            victim = rng.choice([worker, sink])
            victim.kill()
            note(f"SIGKILL {victim.args[0]}")
            victim.start()
        # 2. SIGTERM with a deadline: shutdown must finish.
        time.sleep(2)
        code, took = worker.terminate(deadline=20)
        note(f"SIGTERM worker -> exit {code} in {took:.1f}s")
        worker.start()
        # 3. SIGSTOP the worker past its session timeout, then SIGCONT.
        time.sleep(4)
        worker.pause()
        note("SIGSTOP worker")
        time.sleep(Settings().session_timeout_s + 4)
        worker.resume()
        note("SIGCONT worker")
        # 4. ClickHouse stopped for 30 s while events keep flowing.
        time.sleep(2)
        clickhouse_server.stop(remove=False)
        note("clickhouse-server stopped")
        time.sleep(OUTAGE_S)
        clickhouse_server.start()
        note("clickhouse-server started")
        # 5. The sink stopped for a while, restarted with lag.
        code, took = sink.terminate(deadline=20)
        note(f"SIGTERM sink -> exit {code} in {took:.1f}s")
        time.sleep(8)
        sink.start()
        note("sink restarted with lag")
        gen.join(timeout=EVENTS / RATE + 120)
        note(f"generator done: {len(gen.acked)} acknowledged, {gen.failed} failed")

        backend = connect(server_db)
        acked = len(gen.acked)

        def drained() -> bool:
            assert worker.alive(), worker.log.read_text(errors="replace")[-3000:]
            assert sink.alive(), sink.log.read_text(errors="replace")[-3000:]
            return int(backend.query("SELECT uniqExact(event_id) FROM feedback_events")[0][0]) >= acked

        await_drained(drained, 300, f"{acked} events in ClickHouse")
        note("drained")
        await_drained(lambda: group_lag(broker.bootstrap, worker_group, topics.RAW) == 0
                      and group_lag(broker.bootstrap, sink_group, topics.SCORED) == 0, 60, "consumer lag 0")
        note("consumer lag 0 (worker and sink)")
    finally:
        worker.stop()
        sink.stop()

    found = {r[0] for r in backend.query("SELECT DISTINCT event_id FROM feedback_events")}
    final_count, unique = backend.query("SELECT count(), uniqExact(event_id) FROM feedback_events FINAL")[0]
    raw_rows = int(backend.query("SELECT count() FROM feedback_events")[0][0])
    lost = gen.acked - found
    extra = found - gen.acked

    # Per-customer order: the first time each customer's n-th event appears on the scored topic,
    # it comes after its (n-1)-th (replays after crashes may repeat, never reorder).
    scored = consume_all(broker.bootstrap, topics.SCORED, acked, timeout=120)
    first_seen: dict[str, list[int]] = defaultdict(list)
    seen_ids: set[str] = set()
    for m in sorted(scored, key=lambda m: (m.partition, m.offset)):
        ev = orjson.loads(m.value)
        if ev["event_id"] in seen_ids:
            continue
        seen_ids.add(ev["event_id"])
        first_seen[ev["customer_id"]].append(int(ev["external_id"].split(":")[1]))
    out_of_order = [c for c, seqs in first_seen.items() if seqs != sorted(seqs)]

    print("\nreliability: faults injected")
    for at, what in faults:
        print(f"  {at:7.1f}s  {what}")
    print(f"reliability: events sent {EVENTS}, acknowledged {acked}, failed {gen.failed}, found {len(found)}, "
          f"rows before dedup {raw_rows}, duplicated {int(final_count) - int(unique)}, lost {len(lost)}, "
          f"unacknowledged-but-found {len(extra)}, customers out of order {len(out_of_order)}, "
          f"kills {sum('SIGKILL' in w for _, w in faults)}")
    assert gen.failed == 0
    assert not lost, f"{len(lost)} acknowledged events missing, e.g. {sorted(lost)[:5]}"
    assert int(final_count) == int(unique) == acked
    assert not extra
    assert not out_of_order, out_of_order[:5]
    assert sum("SIGKILL" in w for _, w in faults) >= 10
