"""The fault test's checks fail on the faults they exist to catch (crafted counter-examples, no services)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ripple.contracts import Channel, RawFeedback
from ripple.settings import Settings
from streams.customers.state import Contact, CustomerState, Episode
from tests.reliability.checks import (
    RawEvent,
    Scoring,
    aggregate_mismatches,
    check_alerts,
    check_states,
    parse_raw,
    recompute_aggregates,
)
from tests.reliability.harness import AckedGenerator

T0 = datetime(2026, 2, 2, 8, 0, tzinfo=UTC).timestamp()


def test_parse_raw_reads_customer_sequence_and_rejects_a_second_copy() -> None:
    ev = RawFeedback(event_id="g-1", customer_id="c1", channel=Channel.EMAIL, text="hi", external_id="cseq:7",
                     event_time=datetime(2026, 2, 2, 8, 0, 1, 500_000, tzinfo=UTC))
    raw = parse_raw([ev.to_json()])
    assert raw["g-1"] == RawEvent("g-1", "c1", 7, "email", T0 + 1.5)
    try:
        parse_raw([ev.to_json(), ev.to_json()])
    except AssertionError as exc:
        assert "twice" in str(exc)
    else:
        raise AssertionError("a duplicated raw event must be reported")


def test_generator_event_times_rise_per_customer_and_end_before_a_minute_boundary() -> None:
    import random

    gen = AckedGenerator(Settings(brokers="127.0.0.1:1"), total=1234, rate=1.0)
    rng = random.Random(1)
    events = [gen.event(i, rng) for i in range(gen.total)]
    last = events[-1].event_time + timedelta(milliseconds=gen.spacing_ms)
    assert last.second == 0 and last.microsecond == 0
    by_customer: dict[str, list[tuple[int, datetime]]] = {}
    for e in events:
        by_customer.setdefault(e.customer_id, []).append((int(str(e.external_id).split(":")[1]), e.event_time))
    for seqs in by_customer.values():
        assert [s for s, _ in seqs] == list(range(1, len(seqs) + 1))
        assert [t for _, t in seqs] == sorted(t for _, t in seqs)


def _raw(n: int) -> dict[str, RawEvent]:
    return {f"e{i}": RawEvent(f"e{i}", f"c{i % 2}", i // 2 + 1, ("chat", "email")[i % 2], T0 + 25 * i)
            for i in range(n)}


def test_recomputed_aggregates_count_each_aspect_and_every_rollup() -> None:
    raw = _raw(4)  # e0, e1 in minute 0; e2 (50 s) in minute 0; e3 (75 s) in minute 1
    scoring = {"e0": Scoring("negative", "en", ("delivery", "price")), "e1": Scoring("positive", "en", ()),
               "e2": Scoring("negative", "de", ("delivery",)), "e3": Scoring("neutral", "en", ("delivery",))}
    agg = recompute_aggregates(raw, scoring, 60)
    m0, m1 = int(T0 // 60 * 60), int(T0 // 60 * 60) + 60
    assert agg[(m0, "*", "*", "*")] == (3, 2)
    assert agg[(m1, "*", "*", "*")] == (1, 0)
    assert agg[(m0, "chat", "delivery", "*")] == (2, 2)
    assert agg[(m0, "chat", "price", "en")] == (1, 1)
    assert agg[(m0, "email", "none", "en")] == (1, 0)
    assert agg[(m0, "*", "delivery", "de")] == (1, 1)
    assert (m0, "email", "delivery", "en") not in agg


def test_aggregate_mismatches_report_wrong_missing_and_extra_rows() -> None:
    expected = {(0, "*", "*", "*"): (3, 1), (0, "chat", "*", "*"): (2, 1)}
    assert aggregate_mismatches(expected, dict(expected)) == []
    actual = {(0, "*", "*", "*"): (4, 1), (60, "*", "*", "*"): (1, 0)}  # double count, a lost row, an extra row
    assert aggregate_mismatches(expected, actual) == [
        ((0, "*", "*", "*"), (3, 1), (4, 1)),
        ((0, "chat", "*", "*"), (2, 1), None),
        ((60, "*", "*", "*"), None, (1, 0)),
    ]


def _alert(aid: str, version: int, kind: str = "updated", customer: str = "c1", episode: int = 1,
           **kw: Any) -> dict[str, Any]:
    return {"alert_id": aid, "version": version, "kind": kind, "customer_id": customer, "episode": episode,
            "agent_id": None, "emitted_at": f"2026-11-23T12:00:0{version}Z", "severity": "high", **kw}


def test_alerts_replayed_identically_pass_and_count_as_replays() -> None:
    alerts = [_alert("a1", 1, "opened"), _alert("a1", 2), _alert("a1", 2) | {"emitted_at": "later"},
              _alert("a1", 3, "sla_warning"), _alert("b1", 1, "abuse", episode=1)]
    rep = check_alerts(alerts)
    assert (rep.publications, rep.alerts, rep.episodes, rep.replays) == (5, 2, 2, 1)
    assert rep.collisions == [] and rep.id_collisions == [] and rep.gaps == []


def test_alert_checks_catch_unstable_ids_changed_replays_and_lost_versions() -> None:
    assert check_alerts([_alert("a1", 1, "opened"), _alert("a2", 2)]).id_collisions  # one episode, two ids
    assert check_alerts([_alert("a1", 1, customer="c1"), _alert("a1", 2, customer="c2")]).id_collisions
    replay_changed = check_alerts([_alert("a1", 1, "opened"), _alert("a1", 1, "opened", severity="low")])
    assert len(replay_changed.collisions) == 1 and "severity" in replay_changed.collisions[0]
    assert check_alerts([_alert("a1", 1, "opened"), _alert("a1", 3)]).gaps  # version 2 lost


def _state(event_ids: list[str], contacts: int, episode: Episode | None = None) -> bytes:
    st = CustomerState(recent=[Contact(e, T0, "chat", -0.5, 1) for e in event_ids], contacts=contacts,
                       episode=episode)
    return st.to_bytes()


def test_state_check_accepts_the_latest_contacts_in_order() -> None:
    raw = _raw(8)  # c0: e0 e2 e4 e6 (seq 1..4), c1: e1 e3 e5 e7
    states = {"c0": _state(["e2", "e4", "e6"], 4), "c1": _state(["e3", "e5", "e7"], 4)}
    rep = check_states(states, raw, max_recent=3)
    assert rep.failures() == {} and rep.customers == 2 and rep.contacts_checked == 6


def test_state_check_catches_duplicates_reordering_gaps_miscounts_and_lost_alerts() -> None:
    raw = _raw(8)
    ep = Episode(alert_id="a1", episode=1, status="open", version=5, opened_at=T0, warn_at=T0, due_by=T0,
                 severity="high", reach=10, reasons=[], trigger_event_id="e6", trigger_t=T0, before=None)
    states: dict[str, bytes | None] = {
        "c0": _state(["e4", "e6", "e6"], 4, ep),  # a replay stored twice; alert v5 never published
        "c1": _state(["e3", "e7", "e5"], 5),  # reordered and counted five times
    }
    rep = check_states(states, raw, max_recent=3, published={"a1": 4})
    f = rep.failures()
    assert set(f) == {"duplicated", "out_of_order", "not_latest", "miscounted", "alert_behind"}
    assert [s.split(":")[0] for s in f["duplicated"]] == ["c0"]
    assert [s.split(":")[0] for s in f["out_of_order"]] == ["c0", "c1"]
    assert [s.split(":")[0] for s in f["miscounted"]] == ["c1"]
    assert check_states({"c0": states["c0"]}, raw, 3).missing_state == ["c1"]
    gap = check_states({"c0": _state(["e2", "e6"], 4), "c1": _state(["e3", "e5", "e7"], 4)}, raw, 3)
    assert [s.split(":")[0] for s in gap.not_latest] == ["c0"]  # e4 lost from state


def test_orjson_roundtrip_of_alert_keys_is_what_check_alerts_compares() -> None:
    a = _alert("a1", 1, "opened", reasons=[{"rule": "very_negative"}])
    assert check_alerts([orjson.loads(orjson.dumps(a)), a]).replays == 1
