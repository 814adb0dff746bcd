"""Faults while events flow: nothing acknowledged is lost, nothing is counted twice.

100,000 events (RIPPLE_RELIABILITY_EVENTS) flow through the real broker, faust worker, sink and a
real clickhouse-server while the worker and sink are SIGKILLed at random points, SIGTERMed with a
deadline, SIGSTOPped past their session timeout, ClickHouse is stopped for 30 s and the sink is
restarted with lag. Afterwards every acknowledged event must be in ClickHouse exactly once.
"""

from __future__ import annotations

import contextlib
import os
import random
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
import pytest

from ripple import topics
from ripple.dev.clickhouse_server import ClickHouseServer
from ripple.dev.tansu import TansuBroker
from ripple.settings import Settings
from sinks.clickhouse import connect
from streams.customers.config import CustomerRules
from tests.reliability.checks import (
    aggregate_mismatches,
    check_alerts,
    check_states,
    latest_alert_versions,
    parse_raw,
    recompute_aggregates,
)
from tests.reliability.harness import (
    AckedGenerator,
    Proc,
    await_drained,
    consume_to_end,
    group_lag,
    group_offsets,
    latest_values,
    minute_aggregates,
    scorings,
    stored_events,
)

pytestmark = pytest.mark.reliability

EVENTS = int(os.environ.get("RIPPLE_RELIABILITY_EVENTS", "100000"))
RATE = float(os.environ.get("RIPPLE_RELIABILITY_RATE", "1200"))
OUTAGE_S = 30.0
WINDOW_S = 60
MIN_ALERTS = 50


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
                "RIPPLE_DATA_DIR": str(tmp_path / "data"), "RIPPLE_LOG_LEVEL": "warn",
                "RIPPLE_WINDOW_SIZE_S": str(WINDOW_S)})
    worker = Proc(["worker"], env, tmp_path / "worker.log").start()
    sink = Proc(["sink"], env, tmp_path / "sink.log").start()
    gen = AckedGenerator(Settings(brokers=broker.bootstrap), total=EVENTS, rate=RATE).start()
    faults: list[tuple[float, str]] = []
    t0 = time.monotonic()

    injected: list[str] = []
    exits: list[tuple[str, int]] = []

    def note(what: str) -> None:
        faults.append((time.monotonic() - t0, what))

    def fault(what: str) -> None:
        injected.append(what)
        note(what)

    try:
        # 1. Random SIGKILLs of the worker and the sink (10 in total), restarted at once. A kill
        #    lands while the victim is working: after it has made progress since its (re)start, or
        #    has nothing left to do. A process killed while still booting would test nothing.
        def progress(p: Proc) -> int:
            if p is worker:  # records the worker has scored, replays included
                return group_offsets(broker.bootstrap, None, topics.SCORED)
            return group_offsets(broker.bootstrap, sink_group, topics.SCORED)  # what the sink committed

        def idle(p: Proc) -> bool:
            group, topic = (worker_group, topics.RAW) if p is worker else (sink_group, topics.SCORED)
            return group_lag(broker.bootstrap, group, topic) == 0

        since = {worker: progress(worker), sink: progress(sink)}

        def at_work(victim: Proc) -> int:
            await_drained(lambda: progress(victim) > since[victim] or idle(victim), 60, f"{victim.args[0]} at work")
            return progress(victim) - since[victim]

        for _ in range(10):
            time.sleep(rng.uniform(1.0, 3.5))
            victim = rng.choice([worker, sink])
            done = at_work(victim)
            victim.kill()
            fault(f"SIGKILL {victim.args[0]} (after {done} records since its start)")
            victim.start()
            since[victim] = progress(victim)
        # 2. SIGTERM with a deadline: shutdown must finish, cleanly.
        time.sleep(2)
        done = at_work(worker)
        code, took = worker.terminate(deadline=20)
        fault(f"SIGTERM worker (after {done} records) -> exit {code} in {took:.1f}s")
        exits.append(("worker", code))
        worker.start()
        since[worker] = progress(worker)
        # 3. SIGSTOP the worker while it consumes, past its session timeout and poll interval, then
        #    SIGCONT: it must rejoin the group and consume again (it once stayed out of the group for
        #    good: see streams.faust_compat.keep_rejoining_while_paused).
        time.sleep(2)
        done = at_work(worker)
        worker.pause()
        fault(f"SIGSTOP worker (after {done} records)")
        time.sleep(Settings().session_timeout_s + 4)
        worker.resume()
        # Committed offsets, not records written: a batch in flight at SIGSTOP is still flushed, but only
        # a member of the group again can commit.
        committed = group_offsets(broker.bootstrap, worker_group, topics.RAW)
        await_drained(lambda: group_offsets(broker.bootstrap, worker_group, topics.RAW) > committed, 90,
                      "the worker committing again after SIGCONT")
        since[worker] = progress(worker)
        note("SIGCONT worker -> consuming again")
        # 4. ClickHouse stopped for 30 s while events keep flowing.
        time.sleep(2)
        clickhouse_server.stop(remove=False)
        fault("clickhouse-server stopped")
        time.sleep(OUTAGE_S)
        clickhouse_server.start()
        note("clickhouse-server started")
        # 5. The sink stopped for a while, restarted with lag.
        code, took = sink.terminate(deadline=20)
        fault(f"SIGTERM sink -> exit {code} in {took:.1f}s")
        exits.append(("sink", code))
        time.sleep(8)
        sink.start()
        note("sink restarted with lag")
        gen.join(timeout=EVENTS / RATE + 120)
        note(f"generator done: {len(gen.acked)} acknowledged, {gen.failed} failed")

        backend = connect(server_db)
        acked = len(gen.acked)

        def alive() -> None:
            assert worker.alive(), worker.log.read_text(errors="replace")[-3000:]
            assert sink.alive(), sink.log.read_text(errors="replace")[-3000:]

        def drained() -> bool:
            alive()
            return stored_events(backend) >= acked

        try:
            await_drained(drained, 300, f"{acked} events in ClickHouse")
        except TimeoutError as exc:
            raise AssertionError(f"{exc}: {stored_events(backend)} stored; lag: worker "
                                 f"{group_lag(broker.bootstrap, worker_group, topics.RAW)} raw records, sink "
                                 f"{group_lag(broker.bootstrap, sink_group, topics.SCORED)} scored") from exc
        note("drained")
        await_drained(lambda: group_lag(broker.bootstrap, worker_group, topics.RAW) == 0
                      and group_lag(broker.bootstrap, sink_group, topics.SCORED) == 0, 60, "consumer lag 0")
        note("consumer lag 0 (worker and sink)")

        # Aggregates: recompute every (minute, channel, aspect, language) from the raw topic's event
        # times and channels joined with each event's scoring, then wait until the latest versions in
        # feedback_minute equal it (windows close lateness + idle grace after the last event).
        raw = parse_raw(m.value for m in consume_to_end(broker.bootstrap, topics.RAW))
        unread = gen.acked - raw.keys()
        assert not unread, f"{len(unread)} acknowledged raw events not read back from {topics.RAW}"
        expected = recompute_aggregates(raw, scorings(backend), WINDOW_S)
        mismatches: list[Any] = []

        def aggregates_equal(check_alive: bool = True) -> bool:
            if check_alive:
                alive()
            mismatches[:] = aggregate_mismatches(expected, minute_aggregates(backend))
            return not mismatches

        with contextlib.suppress(TimeoutError):  # a mismatch left is reported by the assertion below
            await_drained(aggregates_equal, 120, "feedback_minute equal to the recomputation")
        note(f"aggregates converged ({len(mismatches)} rows differ)")
        # Stop the worker cleanly (it must flush); then nothing more can change what the sink reads.
        code, took = worker.terminate(deadline=30)
        note(f"SIGTERM worker -> exit {code} in {took:.1f}s (final)")
        exits.append(("worker", code))
        sink_topics = (topics.SCORED, topics.AGGREGATES, topics.CUSTOMER_ALERTS)
        await_drained(lambda: sink.alive() and all(group_lag(broker.bootstrap, sink_group, t) == 0
                                                   for t in sink_topics), 60, "sink lag 0 on every topic")
        aggregates_equal(check_alive=False)  # the final word, after everything the worker wrote is stored
        note(f"sink lag 0 on {', '.join(sink_topics)}")
    finally:
        worker.stop()
        sink.stop()
        print("\nreliability: faults injected")
        for at, what in faults:
            print(f"  {at:7.1f}s  {what}")

    found = {r[0] for r in backend.query("SELECT DISTINCT event_id FROM feedback_events")}
    final_count, unique = backend.query("SELECT count(), uniqExact(event_id) FROM feedback_events FINAL")[0]
    raw_rows = int(backend.query("SELECT count() FROM feedback_events")[0][0])
    lost = gen.acked - found
    extra = found - gen.acked

    # Per-customer order: the first time each customer's n-th event appears on the scored topic,
    # it comes after its (n-1)-th (replays after crashes may repeat, never reorder).
    scored = consume_to_end(broker.bootstrap, topics.SCORED, timeout=120)  # all of it, replays included
    first_seen: dict[str, list[int]] = defaultdict(list)
    seen_ids: set[str] = set()
    for m in sorted(scored, key=lambda m: (m.partition, m.offset)):
        ev = orjson.loads(m.value)
        if ev["event_id"] in seen_ids:
            continue
        seen_ids.add(ev["event_id"])
        first_seen[ev["customer_id"]].append(int(ev["external_id"].split(":")[1]))
    out_of_order = [c for c, seqs in first_seen.items() if seqs != sorted(seqs)]

    # Customer alerts: stable ids, replays identical, no lost publication.
    alerts = [orjson.loads(m.value) for m in sorted(consume_to_end(broker.bootstrap, topics.CUSTOMER_ALERTS),
                                                    key=lambda m: (m.partition, m.offset))]
    alert_rep = check_alerts(alerts)
    # Customer state: the final value of every customer in the customers table's changelog.
    states = latest_values(broker.bootstrap, f"{worker_group}-customers-changelog")
    state_rep = check_states(states, raw, CustomerRules().max_recent, latest_alert_versions(alerts))
    kills = sum(w.startswith("SIGKILL") for w in injected)

    table = [
        ("events sent", EVENTS), ("events acknowledged", acked), ("send failures", gen.failed),
        ("events found in ClickHouse", len(found)), ("rows before dedup", raw_rows),
        ("events duplicated", int(final_count) - int(unique)), ("events lost", len(lost)),
        ("found but never acknowledged", len(extra)),
        ("faults injected", len(injected)), ("  of which SIGKILL", kills),
        ("scored records (replays included)", len(scored)),
        ("  replayed after crashes", len(scored) - len(seen_ids)),
        ("customers checked for order (scored topic)", len(first_seen)),
        ("  out of order", len(out_of_order)),
        ("aggregate rows compared", len(expected)), ("  mismatches", len(mismatches)),
        ("alert publications", alert_rep.publications), ("  distinct alerts", alert_rep.alerts),
        ("  replayed publications (identical)", alert_rep.replays),
        ("  alert-id collisions", len(alert_rep.id_collisions)),
        ("  (alert_id, version) published twice with different content", len(alert_rep.collisions)),
        ("  alerts with lost versions", len(alert_rep.gaps)),
        ("customers checked for order (state)", state_rep.customers),
        ("  contacts checked", state_rep.contacts_checked),
        *((f"  {name.replace('_', ' ')}", len(v)) for name, v in state_rep.failures().items()),
    ]
    print("reliability table")
    for name, value in table:
        print(f"  {name:<44} {value:>9,}")
    print(f"  alerts by kind: {dict(sorted(alert_rep.by_kind.items()))}")
    problems = {"aggregates": [str(m) for m in mismatches], "alert collisions": alert_rep.collisions,
                "alert gaps": alert_rep.gaps, **{f"state {k}": v for k, v in state_rep.failures().items()}}
    for what, examples in problems.items():
        for ex in examples[:5]:
            print(f"  ! {what}: {ex[:400]}")
    for bad in (alert_rep.collisions + alert_rep.gaps)[:3]:  # the publications behind a failure
        aid = bad.split()[0].rstrip(":")
        for a in alerts:
            if a["alert_id"] == aid:
                print(f"    {aid[:8]} v{a['version']} {a['kind']} trigger {a['trigger_event_id']} "
                      f"status {a['status']} emitted {a['emitted_at']}")

    assert gen.failed == 0
    assert not lost, f"{len(lost)} acknowledged events missing, e.g. {sorted(lost)[:5]}"
    assert int(final_count) == int(unique) == acked
    assert not extra
    assert not out_of_order, out_of_order[:5]
    assert kills >= 10
    assert all(code == 0 for _, code in exits), f"unclean shutdowns: {exits}"
    assert not mismatches, f"{len(mismatches)} aggregate rows differ (key, recomputed, stored): {mismatches[:10]}"
    assert alert_rep.alerts >= MIN_ALERTS, f"only {alert_rep.alerts} alerts: the generator must produce some"
    assert not alert_rep.collisions, alert_rep.collisions[:10]
    assert not alert_rep.id_collisions, alert_rep.id_collisions[:10]
    assert not alert_rep.gaps, alert_rep.gaps[:10]
    assert state_rep.customers == len({e.customer_id for e in raw.values()}) > 0
    assert not state_rep.failures(), {k: v[:5] for k, v in state_rep.failures().items()}
