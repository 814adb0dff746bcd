"""What the fault test asserts after the drain, as pure functions over what it read back.

Kept apart from the processes so each check can be shown to fail on a crafted counter-example
(``test_checks.py``): a check that cannot fail proves nothing about the pipeline.

* aggregates: per (minute window, channel, aspect, language) counts and negatives recomputed from
  the raw topic (event time, channel) joined with each event's scoring (label, language, aspects),
  compared with the latest version of every ``feedback_minute`` row;
* customer alerts: one ``alert_id`` per (customer, alert family, episode) and back, every repeated
  publication of an (alert_id, version) identical apart from ``emitted_at``, no version gaps, and
  the final customer state pointing at the highest published version;
* customer state: the contacts kept per customer are that customer's latest events, each once, in
  the customer's sequence order, and the contact counter equals the number of events sent.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

import orjson

from streams.customers.state import CustomerState

ALL = "*"
NO_ASPECT = "none"

AggKey = tuple[int, str, str, str]
"""(window start epoch seconds, channel, aspect, language)"""
AggValue = tuple[int, int]
"""(count, negative)"""


@dataclass(frozen=True)
class RawEvent:
    """What the raw topic says about one event (the generator's per-customer number included)."""

    event_id: str
    customer_id: str
    cseq: int
    channel: str
    event_time: float


@dataclass(frozen=True)
class Scoring:
    """What scoring added to an event that the windows stage groups by."""

    label: str
    language: str
    aspects: tuple[str, ...]


def parse_raw(values: Iterable[bytes]) -> dict[str, RawEvent]:
    """Raw records by event id. The generator writes ``external_id = "cseq:<n>"`` (n-th event of the
    customer); the idempotent producer writes each event once, so a second copy is an error."""
    out: dict[str, RawEvent] = {}
    for value in values:
        d = orjson.loads(value)
        if d["event_id"] in out:
            raise AssertionError(f"event {d['event_id']} twice on the raw topic")
        out[d["event_id"]] = RawEvent(d["event_id"], d["customer_id"], int(d["external_id"].split(":")[1]),
                                      d["channel"], datetime.fromisoformat(d["event_time"]).timestamp())
    return out


def _dim(value: str) -> str:
    """The windows stage's normalisation of a dimension value (trimmed, at most 64 chars, never empty)."""
    value = str(value).strip()[:64]
    return value or "und"


def recompute_aggregates(raw: Mapping[str, RawEvent], scoring: Mapping[str, Scoring],
                         size_s: int) -> dict[AggKey, AggValue]:
    """Counts and negatives per window and series, straight from the events.

    An event counts once in each of its aspects (``none`` without any) and once in every roll-up
    (``*`` for channel, aspect, language and their combinations). Raises when an event has no scoring.
    """
    acc: dict[AggKey, list[int]] = defaultdict(lambda: [0, 0])
    missing = [e for e in raw if e not in scoring]
    if missing:
        raise AssertionError(f"{len(missing)} raw events have no scoring, e.g. {sorted(missing)[:5]}")
    for ev in raw.values():
        sc = scoring[ev.event_id]
        start = math.floor(ev.event_time / size_s) * size_s
        aspects = {_dim(a) for a in sc.aspects} or {NO_ASPECT}
        negative = 1 if sc.label == "negative" else 0
        for ch in (_dim(ev.channel), ALL):
            for asp in (*aspects, ALL):
                for lang in (_dim(sc.language), ALL):
                    cell = acc[(start, ch, asp, lang)]
                    cell[0] += 1
                    cell[1] += negative
    return {k: (v[0], v[1]) for k, v in acc.items()}


def aggregate_mismatches(expected: Mapping[AggKey, AggValue],
                         actual: Mapping[AggKey, AggValue]) -> list[tuple[AggKey, AggValue | None, AggValue | None]]:
    """Every key whose (count, negative) differ, including rows missing on either side."""
    return [(k, expected.get(k), actual.get(k)) for k in sorted(set(expected) | set(actual))
            if expected.get(k) != actual.get(k)]


# -- customer alerts ------------------------------------------------------------------------------
def alert_family(kind: str) -> str:
    """Which alert a kind belongs to: every lifecycle step of a win-back episode shares one id."""
    return kind if kind in ("abuse", "agent_abuse") else "winback"


@dataclass
class AlertReport:
    publications: int = 0
    alerts: int = 0
    """Distinct alert ids."""
    episodes: int = 0
    """Distinct (owner, family, episode)."""
    replays: int = 0
    """Publications repeating an (alert_id, version) already seen (identical apart from emitted_at)."""
    by_kind: Counter[str] = field(default_factory=Counter)
    collisions: list[str] = field(default_factory=list)
    """Violations of the contract: one payload per (id, version)."""
    id_collisions: list[str] = field(default_factory=list)
    """Violations of stable ids: one alert id per episode and one episode per alert id."""
    gaps: list[str] = field(default_factory=list)
    """Alert ids whose published versions are not 1..max (a publication was lost)."""


def check_alerts(alerts: Iterable[Mapping[str, Any]]) -> AlertReport:
    """Stable ids: (owner, family, episode) <-> alert_id one to one; a repeated (alert_id, version) is
    a replay and must carry the same alert (only ``emitted_at`` may differ); versions have no gaps."""
    rep = AlertReport()
    ids_of: dict[tuple[str, str, int], set[str]] = defaultdict(set)
    episodes_of: dict[str, set[tuple[str, str, int]]] = defaultdict(set)
    payloads: dict[tuple[str, int], dict[str, Any]] = {}
    versions: dict[str, set[int]] = defaultdict(set)
    for a in alerts:
        rep.publications += 1
        rep.by_kind[a["kind"]] += 1
        family = alert_family(a["kind"])
        owner = a["agent_id"] if family == "agent_abuse" else a["customer_id"]
        episode = (str(owner), family, int(a["episode"]))
        ids_of[episode].add(a["alert_id"])
        episodes_of[a["alert_id"]].add(episode)
        versions[a["alert_id"]].add(int(a["version"]))
        body = {k: v for k, v in a.items() if k != "emitted_at"}
        key = (a["alert_id"], int(a["version"]))
        seen = payloads.get(key)
        if seen is None:
            payloads[key] = body
        elif seen == body:
            rep.replays += 1
        else:
            diff = sorted(k for k in set(seen) | set(body) if seen.get(k) != body.get(k))
            rep.collisions.append(f"{key[0]} v{key[1]}: two different publications (differ in {diff}: "
                                  f"{[(k, seen.get(k), body.get(k)) for k in diff[:3]]})")
    rep.alerts, rep.episodes = len(episodes_of), len(ids_of)
    rep.id_collisions += [f"{ep} has {len(ids)} alert ids {sorted(ids)[:3]}"
                          for ep, ids in ids_of.items() if len(ids) > 1]
    rep.id_collisions += [f"alert {aid} used for {sorted(eps)[:3]}" for aid, eps in episodes_of.items() if len(eps) > 1]
    rep.gaps = [f"{aid}: versions {sorted(vs)[:10]}... (max {max(vs)}, {len(vs)} distinct)"
                for aid, vs in versions.items() if vs != set(range(1, max(vs) + 1))]
    return rep


def latest_alert_versions(alerts: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for a in alerts:
        out[a["alert_id"]] = max(out.get(a["alert_id"], 0), int(a["version"]))
    return out


# -- customer state -------------------------------------------------------------------------------
@dataclass
class StateReport:
    customers: int = 0
    """Customers with events whose final state was checked."""
    contacts_checked: int = 0
    missing_state: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    """A contact stored twice (a replay counted again)."""
    out_of_order: list[str] = field(default_factory=list)
    not_latest: list[str] = field(default_factory=list)
    """The stored contacts are not exactly the customer's latest ``max_recent`` events."""
    miscounted: list[str] = field(default_factory=list)
    """``contacts`` differs from the number of events the customer sent (lost or double-counted)."""
    alert_behind: list[str] = field(default_factory=list)
    """The state's episode has a version no publication carries (lost) or one behind the published."""

    def failures(self) -> dict[str, list[str]]:
        return {name: v for name in ("missing_state", "duplicated", "out_of_order", "not_latest", "miscounted",
                                     "alert_behind") if (v := getattr(self, name))}


def check_states(states: Mapping[str, bytes | None], raw: Mapping[str, RawEvent], max_recent: int,
                 published: Mapping[str, int] | None = None) -> StateReport:
    """Final customer state (latest changelog value per customer) against the events each customer sent.

    ``published``: highest published version per alert id; the state's current episode must match it.
    """
    rep = StateReport()
    seqs_of: dict[str, list[int]] = defaultdict(list)
    for ev in raw.values():
        seqs_of[ev.customer_id].append(ev.cseq)
    for customer, seqs in sorted(seqs_of.items()):
        seqs.sort()
        rep.customers += 1
        data = states.get(customer)
        if not data:
            rep.missing_state.append(customer)
            continue
        st = CustomerState.from_bytes(data)
        ids = [c.event_id for c in st.recent]
        rep.contacts_checked += len(ids)
        if len(set(ids)) != len(ids):
            rep.duplicated.append(f"{customer}: {ids}")
        stored = [raw[i].cseq if i in raw and raw[i].customer_id == customer else -1 for i in ids]
        if any(b <= a for a, b in pairwise(stored)):
            rep.out_of_order.append(f"{customer}: {stored}")
        if stored != seqs[-max_recent:]:
            rep.not_latest.append(f"{customer}: stored {stored}, latest sent {seqs[-max_recent:]}")
        if st.contacts != len(seqs):
            rep.miscounted.append(f"{customer}: contacts {st.contacts}, sent {len(seqs)}")
        ep = st.episode
        if published is not None and ep is not None and published.get(ep.alert_id) != ep.version:
            rep.alert_behind.append(f"{customer}: state {ep.alert_id} v{ep.version}, "
                                    f"published v{published.get(ep.alert_id)}")
    return rep
