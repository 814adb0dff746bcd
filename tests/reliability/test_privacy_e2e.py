"""Privacy end to end: personal data sent on the raw topic never reaches ClickHouse or an alert topic.

500 feedback items built from the PII corpus (tests/data/pii/pii.jsonl: valid emails, phones, cards,
IBANs in en, el, ru, hy, ta), some with personal data in ``subject`` and some very negative so customer
alerts are raised, go through the real worker and sink processes into a real clickhouse-server database.
Then every string cell of every table and every string in every alert record is searched for each
personal-data value, its separator-free form and (cards, IBANs, phones) its digits.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from producers.kafka import make_producer
from ripple import topics
from ripple.contracts import Channel, RawFeedback
from ripple.dev.tansu import TansuBroker
from ripple.settings import Settings
from sinks.clickhouse import connect
from tests.reliability.harness import (
    ROOT,
    Proc,
    await_drained,
    consume_to_end,
    group_lag,
    pipeline_env,
    stored_events,
    string_cells,
)

pytestmark = [pytest.mark.reliability, pytest.mark.e2e]

ITEMS = 500
CORPUS = ROOT / "tests" / "data" / "pii" / "pii.jsonl"
ANGRY = " This is the worst service ever, absolutely terrible and disgusting, I hate you and I am leaving."
_SEP = re.compile(r"[\s\-.()/]+")


def _norm(s: str) -> str:
    return _SEP.sub("", s).lower()


def build_items(cross_language: bool = False) -> tuple[list[RawFeedback], list[tuple[str, str]]]:
    """500 events cycling through the corpus; returns (events, personal-data needles (type, value)).

    Same-language mode combines each message only with personal data and text of its own language
    (the English complaint sentence goes on English items only). Cross-language mode puts another
    language's personal data in the subject and appends the English complaint to any message
    (code-switching), so the detected language is not the one the phone number's format belongs to.
    """
    corpus = [orjson.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
    by_lang: dict[str, list[dict[str, Any]]] = {}
    for c in corpus:
        by_lang.setdefault(c["lang"], []).append(c)
    base = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    events: list[RawFeedback] = []
    needles: set[tuple[str, str]] = set()
    for i in range(ITEMS):
        item = corpus[i % len(corpus)]
        pool = corpus if cross_language else by_lang[item["lang"]]
        other = pool[(i * 7 + 3) % len(pool)]
        text = item["text"]
        subject = None
        pii = list(item["pii"])
        if i % 4 == 1:  # a second language's personal data in the subject line
            subject = f"Re: {other['pii'][0]['value']} ({other['id']})"
            pii.append(other["pii"][0])
        if (i % 9 == 0 and item["lang"] == "en") or (cross_language and i % 25 == 0):
            text = text + ANGRY  # very negative: one contact is enough for a customer alert
        if i % 50 == 0:  # two corpus messages combined in one
            text = text + " " + other["text"]
            pii.extend(other["pii"])
        needles.update((p["type"], p["value"]) for p in pii)
        events.append(RawFeedback(
            event_id=f"pv-{i:05d}", customer_id=f"pc{i % 120:04d}", channel=list(Channel)[i % len(Channel)],
            event_time=base + timedelta(seconds=i), text=text[:20_000], subject=subject,
            language_hint=None, stars=1 if ANGRY in text else None,
        ))
    return events, sorted(needles)


def forms(kind: str, value: str) -> set[str]:
    """The strings that would betray ``value``: as typed, without separators, digits only."""
    out = {value.lower(), _norm(value)}
    if kind in {"card", "iban", "phone"}:
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 7:
            out.add(digits)
    return {f for f in out if len(f) >= 6}


def leaks(haystack: list[tuple[str, str]], needles: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(where, kind, value) for every needle form found in a cell (as is, or separator-free)."""
    cells = [(where, v.lower(), _norm(v)) for where, v in haystack]
    found = []
    for kind, value in needles:
        hit = next((where for f in forms(kind, value) for where, low, compact in cells
                    if f in low or f in compact), None)
        if hit is not None:
            found.append((hit, kind, value))
    return found


def _strings(obj: Any) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


@pytest.mark.parametrize("cross_language", [False, True], ids=["same-language", "cross-language"])
def test_no_personal_data_reaches_clickhouse_or_alerts(
    broker: TansuBroker, server_db: str, tmp_path: Path, cross_language: bool
) -> None:
    events, needles = build_items(cross_language)
    assert len(events) == ITEMS and {e.subject is not None for e in events} == {True, False}
    suffix = uuid.uuid4().hex[:6]
    env = pipeline_env(broker.bootstrap, server_db, tmp_path / "data", suffix)
    worker = Proc(["worker"], env, tmp_path / "worker.log").start()
    sink = Proc(["sink"], env, tmp_path / "sink.log").start()
    backend = connect(server_db)
    try:
        producer = make_producer(Settings(brokers=broker.bootstrap), linger_ms=10)
        for ev in events:
            producer.send(topics.RAW, key=ev.customer_id.encode(), value=ev.to_json())
        producer.flush()
        producer.close()

        def landed() -> bool:
            assert worker.alive(), worker.log.read_text(errors="replace")[-3000:]
            assert sink.alive(), sink.log.read_text(errors="replace")[-3000:]
            return stored_events(backend) >= ITEMS

        await_drained(landed, 120, f"{ITEMS} events in ClickHouse")
        await_drained(lambda: group_lag(broker.bootstrap, f"rw-{suffix}", topics.RAW) == 0
                      and group_lag(broker.bootstrap, f"rs-{suffix}", topics.SCORED) == 0, 60, "lag 0")
        customer_alerts = consume_to_end(broker.bootstrap, topics.CUSTOMER_ALERTS)
        spike_alerts = consume_to_end(broker.bootstrap, topics.SPIKE_ALERTS)
        dead = consume_to_end(broker.bootstrap, topics.DEADLETTER)
        # The sink also stores customer alerts: wait until all of them are in ClickHouse too.
        await_drained(lambda: group_lag(broker.bootstrap, f"rs-{suffix}", topics.CUSTOMER_ALERTS) == 0, 60,
                      "customer alerts sunk")
        cells = [(f"clickhouse:{t}.{c}", v) for t, c, v in string_cells(backend)]
    finally:
        worker.stop()
        sink.stop()

    alert_cells = [(f"{m.topic}@{m.partition}:{m.offset}", s)
                   for m in (*customer_alerts, *spike_alerts) for s in _strings(orjson.loads(m.value))]
    tables = {w.split(".")[0] for w, _ in cells}
    redacted = int(backend.query("SELECT sum(pii_redacted) FROM feedback_events")[0][0])
    leaked = leaks(cells + alert_cells, needles)
    checked_forms = sum(len(forms(k, v)) for k, v in needles)
    mode = "cross" if cross_language else "same"
    print(f"\nprivacy ({mode}-language): items {ITEMS}, personal-data values {len(needles)} ({checked_forms} forms), "
          f"ClickHouse string cells {len(cells)} in {len(tables)} tables, alert strings {len(alert_cells)} "
          f"({len(customer_alerts)} customer, {len(spike_alerts)} spike alerts), spans redacted {redacted}, "
          f"dead letters {len(dead)}")
    print(f"PII items leaked: {len({(k, v) for _, k, v in leaked})}")
    for where, kind, value in leaked:
        print(f"  LEAK {kind} {value!r} in {where}")
    assert not dead, [orjson.loads(m.value)["reason"] for m in dead[:5]]
    assert customer_alerts, "very negative items must raise customer alerts (and be checked)"
    assert redacted >= len(needles)
    # The search itself must be able to fail: the raw texts contain every needle.
    assert len(leaks([("raw", e.text + " " + (e.subject or "")) for e in events], needles)) == len(needles)
    assert not leaked, leaked[:10]
