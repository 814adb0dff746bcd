"""Replaying the same offsets twice leaves every count exact, on ClickHouse 18.16 and on chDB."""

from __future__ import annotations

from collections import Counter

import pytest

from ripple import topics
from ripple.dev.tansu import TansuBroker
from ripple.settings import Settings
from sinks.clickhouse import connect
from sinks.clickhouse.queries import raw_totals, stats
from sinks.clickhouse.schema import migrate
from sinks.sample import scored_events
from tests.integration.sinks.helpers import (
    customer_alert,
    dead_letter,
    fast,
    make_sink,
    minute_agg,
    produce,
    running,
    scored_items,
    spike_alert,
    wait_committed,
)

pytestmark = pytest.mark.integration

N = 3000


def _fill(bootstrap: str) -> dict[str, object]:
    """Produce a mixed stream to every sink topic; return the exact figures it should yield."""
    produce(bootstrap, topics.SCORED, scored_items(N))
    events = list(scored_events(N))
    by_label = Counter((e.channel.value, e.label.value) for e in events)

    alerts = []
    kinds: Counter[str] = Counter()
    for i in range(12):
        cust = f"c{i:06d}".encode()
        steps = ["opened", "updated", "updated", "sla_warning"] + (["closed"] if i % 3 == 0 else [])
        steps += ["recovered"] if i % 4 == 1 else []
        for minute, kind in enumerate(steps):  # every re-publication carries version + 1
            alerts.append((cust, customer_alert(f"a{i}", cust.decode(), kind, minute, version=minute + 1)))
        kinds.update(set(steps))
    produce(bootstrap, topics.CUSTOMER_ALERTS, alerts)
    open_alerts = sum(1 for i in range(12) if i % 3 != 0 and i % 4 != 1)

    spikes = [(b"chat", spike_alert(f"s{i}", "firing", i)) for i in range(3)]
    spikes += [(b"chat", spike_alert(f"s{i}", "resolved", i + 5)) for i in range(2)]
    produce(bootstrap, topics.SPIKE_ALERTS, spikes)

    aggs = []
    minute_total: Counter[str] = Counter()
    for m in range(20):
        for ch in ("chat", "email"):
            key = f"{m}:{ch}".encode()
            aggs.append((key, minute_agg(m, ch, 10 + m, version=1)))
            aggs.append((key, minute_agg(m, ch, 11 + m, version=2)))  # a late event updated the window
            minute_total[ch] += 11 + m
    produce(bootstrap, topics.AGGREGATES, aggs)
    produce(bootstrap, topics.DEADLETTER, [(b"c%06d" % i, dead_letter(i)) for i in range(5)])
    return {
        "totals": {
            "feedback_events": N,
            "customer_alerts": sum(kinds.values()),
            "spike_alerts": 5,
            "feedback_minute": 40,
            "dead_letters": 5,
        },
        "feedback_by_channel_label": sorted((c, lab, n) for (c, lab), n in by_label.items()),
        "alerts_by_kind": sorted(kinds.items()),
        "open_alerts": open_alerts,
        "spikes_by_state": [("firing", 3), ("resolved", 2)],
        "minute_by_channel": sorted((ch, n) for ch, n in minute_total.items()),
    }


def _figures(s: dict[str, object]) -> dict[str, object]:
    out = dict(s)
    out.pop("dead_letters_by_reason")
    out["feedback_by_channel_label"] = sorted(tuple(r) for r in s["feedback_by_channel_label"])  # type: ignore[attr-defined]
    out["alerts_by_kind"] = sorted((k, int(n)) for k, n in s["alerts_by_kind"])  # type: ignore[attr-defined]
    out["spikes_by_state"] = [(k, int(n)) for k, n in s["spikes_by_state"]]  # type: ignore[attr-defined]
    out["minute_by_channel"] = sorted((ch, int(n)) for ch, n, _neg in s["minute_by_channel"])  # type: ignore[attr-defined]
    out["feedback_by_channel_label"] = [(c, lab, int(n)) for c, lab, n in out["feedback_by_channel_label"]]  # type: ignore[attr-defined]
    return out


def test_replaying_the_same_offsets_twice_keeps_every_count_exact(
    broker: TansuBroker, settings: Settings, clickhouse_url: str, unique: str
) -> None:
    expected = _fill(broker.bootstrap)
    backend = connect(clickhouse_url)
    migrate(backend)
    cfg = fast(settings)

    with running(make_sink(cfg, backend, f"first-{unique}")) as sink:
        wait_committed(sink, broker.bootstrap, topics.ALL)
    first = stats(backend)
    assert _figures(first) == expected
    physical_first = raw_totals(backend)

    # A second consumer group reads every offset again: a full replay, like a crash before commit.
    with running(make_sink(cfg, backend, f"replay-{unique}")) as sink:
        wait_committed(sink, broker.bootstrap, topics.ALL)
        assert sink.dead_lettered == 0
    again = stats(backend)
    assert _figures(again) == expected
    assert again["dead_letters_by_reason"] == first["dead_letters_by_reason"]

    physical_again = raw_totals(backend)
    if backend.name == "chdb":
        # The replay cut the same batches, so every insert carried a token seen before and the
        # server dropped it: not even a physical duplicate (merges can only shrink counts).
        for table, n in physical_again.items():
            assert n <= physical_first[table], table
    else:
        # 18.16 has no insert tokens: duplicates exist physically until merged, yet reads are exact.
        assert physical_again["feedback_events"] >= N
    backend.close()
