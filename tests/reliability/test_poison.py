"""Poison records on the raw topic: each is dead-lettered with its reason, nothing crashes, nothing is lost.

77 kinds of bad input (tests/reliability/poison.py: invalid JSON and UTF-8, non-objects, missing and
mistyped fields, unknown channel, out-of-range ratings, naive timestamps, oversized and control-character
text, ...) are interleaved with valid events and go through the real worker and sink processes into a
real clickhouse-server. Hostile strings inside valid events (SQL, script, template injection) must be
accepted and stored verbatim.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from producers.kafka import make_producer
from ripple import topics
from ripple.contracts import Channel, RawFeedback
from ripple.dev.tansu import TansuBroker
from ripple.settings import Settings
from sinks.clickhouse import connect
from tests.reliability.harness import Proc, await_drained, consume_to_end, group_lag, pipeline_env, stored_events
from tests.reliability.poison import BASE, kinds

pytestmark = [pytest.mark.reliability, pytest.mark.e2e]

VALID_AROUND = 3


def test_poison_is_dead_lettered_and_the_pipeline_keeps_going(
    broker: TansuBroker, server_db: str, tmp_path: Path
) -> None:
    corpus = kinds()
    assert len(corpus) >= 60 and len({name for name, _, _ in corpus}) == len(corpus)
    bad = {name: exp for name, _, exp in corpus if exp[0] == "dead"}
    accepted = {f"bad-{name}": exp[1] for name, _, exp in corpus if exp[0] == "accept"}
    base = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    valid_ids: list[str] = []
    suffix = uuid.uuid4().hex[:6]
    env = pipeline_env(broker.bootstrap, server_db, tmp_path / "data", suffix)
    worker = Proc(["worker"], env, tmp_path / "worker.log").start()
    sink = Proc(["sink"], env, tmp_path / "sink.log").start()
    pids = (worker.proc.pid if worker.proc else 0, sink.proc.pid if sink.proc else 0)
    backend = connect(server_db)
    try:
        producer = make_producer(Settings(brokers=broker.bootstrap), linger_ms=10)
        n = 0
        for name, data, _ in corpus:
            for _ in range(VALID_AROUND):
                ev = RawFeedback(event_id=f"ok-{n:05d}", customer_id=f"vc{n % 40:03d}", channel=Channel.CHAT,
                                 event_time=base + timedelta(seconds=n), text="Thanks, the delivery was quick.")
                producer.send(topics.RAW, key=ev.customer_id.encode(), value=ev.to_json())
                valid_ids.append(ev.event_id)
                n += 1
            # Bad records carry their kind in the key; accepted ones the customer id, as producers do.
            key = f"kind:{name}" if name in bad else str(BASE["customer_id"])
            producer.send(topics.RAW, key=key.encode(), value=data)
        producer.flush()
        producer.close()
        expected_stored = len(valid_ids) + len(accepted)

        def landed() -> bool:
            assert worker.alive(), worker.log.read_text(errors="replace")[-3000:]
            assert sink.alive(), sink.log.read_text(errors="replace")[-3000:]
            return stored_events(backend) >= expected_stored

        await_drained(landed, 120, f"{expected_stored} events in ClickHouse")
        await_drained(lambda: group_lag(broker.bootstrap, f"rw-{suffix}", topics.RAW) == 0, 60, "worker lag 0")
        dead = consume_to_end(broker.bootstrap, topics.DEADLETTER)
        await_drained(lambda: group_lag(broker.bootstrap, f"rs-{suffix}", topics.DEADLETTER) == 0, 60,
                      "dead letters sunk")
        rows = dict(backend.query("SELECT event_id, text FROM feedback_events WHERE event_id IN %(ids)s",
                                  {"ids": tuple(accepted)}))
        subject = backend.query("SELECT subject FROM feedback_events WHERE event_id = %(id)s",
                                {"id": "bad-sql_in_subject"})
        stored_ids = {r[0] for r in backend.query("SELECT DISTINCT event_id FROM feedback_events")}
        dl_rows = int(backend.query("SELECT count() FROM dead_letters WHERE stage = 'score'")[0][0])
        tables = {r[0] for r in backend.query("SELECT name FROM system.tables WHERE database = currentDatabase()")}
        crashed = int(not worker.alive()) + int(not sink.alive())
        crashed += int((worker.proc.pid if worker.proc else 0, sink.proc.pid if sink.proc else 0) != pids)
    finally:
        worker.stop()
        sink.stop()

    by_kind: dict[str, list[dict[str, object]]] = {}
    for m in dead:
        dl = orjson.loads(m.value)
        kind = base64.b64decode(dl["key_b64"]).decode().removeprefix("kind:") if dl.get("key_b64") else "?"
        by_kind.setdefault(kind, []).append(dl)
    wrong = []
    for name, (_, reason, detail) in bad.items():
        got = by_kind.get(name, [])
        if len(got) != 1 or got[0]["stage"] != "score" or got[0]["reason"] != reason \
                or detail not in str(got[0]["detail"]):
            wrong.append((name, reason, detail, [(g["stage"], g["reason"], str(g["detail"])[:80]) for g in got]))
    original = {name: data for name, data, _ in corpus}
    not_whole = [k for k, dls in by_kind.items() if k in bad
                 and base64.b64decode(str(dls[0]["original_b64"])) != original[k]]
    rejected = sum(1 for name in bad if name not in {w[0] for w in wrong})
    print(f"\npoison: bad inputs tried {len(bad)}, rejected {rejected}, crashed stages {crashed}; "
          f"hostile-but-valid accepted verbatim {sum(rows.get(i) == t for i, t in accepted.items())}/{len(accepted)}; "
          f"valid events stored {len(set(valid_ids) & stored_ids)}/{len(valid_ids)}; dead_letters rows {dl_rows}")
    assert not wrong, wrong
    assert not not_whole, not_whole
    scoring = [d for dls in by_kind.values() for d in dls if d["stage"] == "score"]
    assert len(scoring) == len(bad), sorted(k for k in by_kind if k not in bad)
    # The windows stage letters events older than its retention (the corpus uses fixed, old timestamps).
    others = {(d["stage"], d["reason"]) for dls in by_kind.values() for d in dls if d["stage"] != "score"}
    assert others <= {("windows", "window_expired")}, others
    assert crashed == 0
    assert set(valid_ids) <= stored_ids
    assert rows == accepted
    assert subject == [("'; DELETE FROM customer_alerts; --",)]
    assert {"feedback_events", "customer_alerts", "dead_letters"} <= tables  # the "DROP"s dropped nothing
    assert dl_rows == len(bad)
