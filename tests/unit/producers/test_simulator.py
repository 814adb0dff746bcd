"""The simulator: deterministic, multilingual, journeys and incidents as labelled, ratings agree."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import orjson
import pytest

from producers.sim.engine import (
    DEFAULT_START,
    Incident,
    Simulator,
    paced_by_event_time,
    parse_mix,
)
from producers.sim.texts import ASPECTS, LANGUAGES, check_parts
from ripple.contracts import Channel


def run(seed: int, n: int = 3000, **kw: object) -> tuple[Simulator, list[bytes]]:
    sim = Simulator(seed=seed, customers=800, **kw)  # type: ignore[arg-type]
    return sim, [e.to_json() for e in sim.events(n)]


def test_same_seed_same_events_and_truth_other_seed_differs() -> None:
    a, ea = run(11)
    b, eb = run(11)
    _, ec = run(12)
    assert ea == eb and ea != ec
    dump = lambda s: orjson.dumps([t.as_dict() for t in s.truth.events.values()])  # noqa: E731
    assert dump(a) == dump(b)
    assert [x.as_dict() for x in a.truth.customers().values()] == [
        x.as_dict() for x in b.truth.customers().values()
    ]


def test_every_language_and_channel_appears_in_proportion() -> None:
    sim, _ = run(5, 6000)
    langs = Counter(t.lang for t in sim.truth.events.values())
    assert set(langs) == set(LANGUAGES)
    only_greek, _ = run(5, 500, mix=parse_mix("el=1"))
    assert {t.lang for t in only_greek.truth.events.values()} == {"el"}
    chans = Counter(t.channel for t in sim.truth.events.values())
    assert set(chans) == {c.value for c in Channel}


def test_texts_are_composed_not_one_template() -> None:
    check_parts()
    sim = Simulator(seed=1, customers=2000, incidents=[])
    texts = [e.text for e in sim.events(3000) if e.text]
    assert len(set(texts)) > 0.8 * len(texts)


def test_ratings_agree_with_labelled_sentiment() -> None:
    sim = Simulator(seed=2, customers=1000)
    for ev in sim.events(2000):
        t = sim.truth.events[ev.event_id]
        if ev.stars is not None:
            assert (
                (ev.stars <= 2)
                if t.sentiment == "negative"
                else (ev.stars >= 4 if t.sentiment == "positive" else 2 <= ev.stars <= 4)
            )
            assert ev.public
        if ev.csat is not None:
            assert ev.csat in {"negative": (1, 2), "neutral": (3,), "positive": (4, 5)}[t.sentiment]
            assert ev.nps is not None
        if t.aspect is not None:
            assert t.aspect in ASPECTS
        if t.sentiment == "neutral":
            assert t.aspect is None


def test_customer_labels_follow_their_events() -> None:
    sim = Simulator(seed=3, customers=400, incidents=[])
    events = list(sim.events(3000))
    by_customer: dict[str, list[str]] = {}
    for ev in events:
        by_customer.setdefault(ev.customer_id, []).append(sim.truth.events[ev.event_id].sentiment)
    customers = sim.truth.customers()
    assert set(customers) == set(by_customer)
    journeys = Counter(c.journey for c in customers.values())
    assert {
        "repeat_complainer",
        "recovery",
        "abusive",
        "churn_threat",
        "public_threat",
        "quiet_regular",
    } <= set(journeys)
    for cid, c in customers.items():
        polar = [s for s in by_customer[cid] if s != "neutral"]
        assert c.events == len(by_customer[cid])
        assert c.dissatisfied == (not c.abusive and bool(polar) and polar[-1] == "negative")
        assert c.recovered == (not c.abusive and "negative" in polar and polar[-1] == "positive")
        if c.journey == "abusive":
            assert c.abusive and not c.dissatisfied
            assert all(sim.truth.events[e.event_id].abusive for e in events if e.customer_id == cid)
        if c.journey == "one_off_complaint":
            assert c.events == 1 and c.dissatisfied
        if c.journey == "recovery" and c.events >= 3:
            assert c.recovered
    assert any(c.churn_threat for c in customers.values()) and any(
        c.public_threat for c in customers.values()
    )


def test_abusive_customers_stay_abusive_when_an_incident_hits_them() -> None:
    # Their label says abusive and not dissatisfied: every event, incident complaints included, is abusive.
    inc = Incident("inc-x", timedelta(hours=1), timedelta(hours=2), Channel.CHAT, "delivery", 8.0)
    sim = Simulator(seed=5, customers=1500, incidents=[inc])
    events = list(sim.events(4000))
    hit = [
        sim.truth.events[e.event_id]
        for e in events
        if sim.truth.events[e.event_id].incident_id and sim.truth.events[e.event_id].journey == "abusive"
    ]
    assert hit and all(t.abusive and t.sentiment == "negative" and t.aspect == "delivery" for t in hit)
    for c in sim.truth.customers().values():
        if c.journey == "abusive":
            assert c.abusive and not c.ever_dissatisfied
            assert all(sim.truth.events[e.event_id].abusive for e in events if e.customer_id == c.customer_id)


def test_incident_raises_complaints_on_its_channel_and_aspect_only_in_its_window() -> None:
    inc = Incident("inc-x", timedelta(hours=1), timedelta(minutes=30), Channel.EMAIL, "refund", 8.0)
    sim = Simulator(seed=4, customers=3000, incidents=[inc])
    events = list(sim.events(4000))
    tagged = [sim.truth.events[e.event_id] for e in events if sim.truth.events[e.event_id].incident_id]
    start, end = DEFAULT_START + inc.start, DEFAULT_START + inc.start + inc.duration
    assert len(tagged) > 100
    assert all(t.channel == "email" and t.aspect == "refund" and t.sentiment == "negative" for t in tagged)
    assert all(start.isoformat() <= t.event_time < end.isoformat() for t in tagged)
    in_window = [e for e in events if start <= e.event_time < end]
    before = [e for e in events if start - inc.duration <= e.event_time < start]
    assert len(in_window) > 2 * len(before)


def test_seasonality_quiet_nights_busy_mornings() -> None:
    sim = Simulator(seed=6, customers=2000, incidents=[], rate_per_hour=200)
    hours = Counter(e.event_time.hour for e in sim.events(3000) if e.event_time.day == 5)
    assert hours[10] > 5 * hours[3]


def test_parse_mix_errors_name_the_part() -> None:
    assert parse_mix("en=0.5, ta=0.5") == {"en": 0.5, "ta": 0.5}
    for bad, word in [
        ("xx=1", "unknown language"),
        ("en", "LANG=WEIGHT"),
        ("en=abc", "not a number"),
        ("en=-1", "negative"),
        ("en=0", "no positive"),
    ]:
        with pytest.raises(ValueError, match=word):
            parse_mix(bad)


def test_time_accelerated_replay() -> None:
    sim = Simulator(seed=7, customers=100, incidents=[], rate_per_hour=3600)
    t0 = time.monotonic()
    out = list(paced_by_event_time(sim.events(40), speed=3600 * 20))  # ~40 s of event time in ~0.5 s
    wall = time.monotonic() - t0
    span = (out[-1].event_time - out[0].event_time).total_seconds()
    assert span / wall > 1000  # event time ran far ahead of the wall clock
    assert wall >= span / (3600 * 20) * 0.9  # ...but not faster than asked
