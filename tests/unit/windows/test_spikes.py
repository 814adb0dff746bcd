"""Spike detector: Poisson tail, guards, firing, resolve, cooldown, seasonality, stable ids."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import pytest

from ripple.contracts import SpikeAlert, parse
from streams.windows.records import spike_record
from streams.windows.spikes import (
    DetectorConfig,
    Severity,
    SpikeDetector,
    SpikeEvent,
    SpikeState,
    covers,
    poisson_tail,
    spike_id,
)
from streams.windows.windows import ALL, ClosedWindow, Counts, SeriesKey

S: SeriesKey = ("chat", "delivery", "en")
T0 = int(datetime(2026, 3, 2, 0, 0, tzinfo=UTC).timestamp())


def window(i: int, negative: int, key: SeriesKey = S) -> ClosedWindow:
    return ClosedWindow(T0 + 60 * i, {key: Counts(count=negative * 2, negative=negative)} if negative else {})


def poisson_sample(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def feed(det: SpikeDetector, counts: list[int], start: int = 0) -> list[SpikeEvent]:
    out: list[SpikeEvent] = []
    for i, n in enumerate(counts, start=start):
        out.extend(det.observe(window(i, n)))
    return out


@pytest.mark.parametrize(("k", "lam"), [(0, 3.0), (1, 0.5), (3, 3.0), (10, 3.0), (30, 10.0), (5, 20.0), (150, 100.0)])
def test_poisson_tail_matches_direct_summation(k: int, lam: float) -> None:
    def pmf(i: int) -> float:
        return math.exp(-lam + i * math.log(lam) - math.lgamma(i + 1))

    # summed on the small side so the reference itself does not suffer cancellation
    direct = sum(pmf(i) for i in range(k, k + 400)) if k > lam else 1 - sum(pmf(i) for i in range(k))
    assert poisson_tail(k, lam) == pytest.approx(direct, rel=1e-9, abs=1e-15)


def test_poisson_tail_extremes() -> None:
    assert poisson_tail(0, 0.0) == 1.0
    assert poisson_tail(1, 0.0) == 0.0
    assert 0 < poisson_tail(60, 5.0) < 1e-30


def test_three_fold_surge_fires_in_its_first_window_and_resolves() -> None:
    rng = random.Random(1)
    det = SpikeDetector()
    assert feed(det, [poisson_sample(rng, 12) for _ in range(120)]) == []
    fired = feed(det, [36], start=120)
    assert [e.state for e in fired] == [SpikeState.FIRING]
    f = fired[0]
    assert f.started_at == T0 + 120 * 60 and f.observed == 36 and 9 < f.expected < 16
    assert f.p_value < 1e-6 and f.severity is Severity.WARNING
    assert feed(det, [38, 35], start=121) == []  # still firing: no duplicate events
    resolved = feed(det, [12, 11, 13], start=123)
    assert [e.state for e in resolved] == [SpikeState.RESOLVED]
    assert resolved[0].spike_id == f.spike_id
    assert resolved[0].resolved_at == T0 + 123 * 60


def test_cooldown_suppresses_an_immediate_refire_but_not_a_later_one() -> None:
    det = SpikeDetector(DetectorConfig(cooldown_windows=5))
    feed(det, [10] * 60)
    assert len(feed(det, [40], 60)) == 1
    assert len(feed(det, [10, 10, 10], 61)) == 1  # resolved at window 63
    assert feed(det, [40], 64) == []  # inside cooldown
    assert feed(det, [10] * 10, 65) == []
    assert [e.state for e in feed(det, [40], 75)] == [SpikeState.FIRING]


def test_volume_guard_ignores_a_jump_on_a_quiet_series() -> None:
    det = SpikeDetector()
    feed(det, [0, 1, 0, 0] * 20)
    assert feed(det, [5], 80) == []  # 5 complaints where ~0.25 are normal: below min_count


def test_ratio_guard_ignores_a_small_rise_on_a_busy_series() -> None:
    det = SpikeDetector()
    feed(det, [400] * 60)
    assert feed(det, [520], 60) == []  # p is tiny, but +30 % is not a spike


def test_two_window_test_catches_what_one_window_cannot() -> None:
    det = SpikeDetector()
    feed(det, [4] * 60)
    first = feed(det, [15], 60)   # P(X>=15 | ~4.6) ~ 1e-4: not yet
    assert first == []
    second = feed(det, [15], 61)  # P(X>=30 | ~9.2) < 1e-6 over two windows
    assert [e.span_windows for e in second] == [2]
    assert second[0].started_at == T0 + 60 * 60


def test_no_alerts_on_a_steady_poisson_day() -> None:
    rng = random.Random(3)
    det = SpikeDetector()
    events = feed(det, [poisson_sample(rng, 6) for _ in range(1440)])
    assert events == []


def test_seasonal_buckets_cover_a_steep_daily_step() -> None:
    """A daily step (a call centre opening) that the short-term level lags behind must not alert
    once a previous day taught the hour-of-day buckets."""
    det = SpikeDetector()
    rng = random.Random(5)
    alerts: list[SpikeEvent] = []
    for day in range(3):
        for minute in range(1440):
            lam = 30.0 if 9 * 60 <= minute < 18 * 60 else 3.0
            alerts.extend(det.observe(window(day * 1440 + minute, poisson_sample(rng, lam))))
    assert [datetime.fromtimestamp(a.window_start, UTC).day for a in alerts if a.state is SpikeState.FIRING] == [2]


def test_baseline_does_not_learn_the_surge() -> None:
    det = SpikeDetector()
    feed(det, [10] * 60)
    feed(det, [40] * 30, 60)
    level = det.series[S].level
    assert level is not None and level < 20  # a half-hour 4x surge moves it a little, not to 40


def test_empty_windows_let_a_series_resolve() -> None:
    det = SpikeDetector()
    feed(det, [10] * 60)
    assert len(feed(det, [40], 60)) == 1
    assert [e.state for e in feed(det, [0, 0, 0], 61)] == [SpikeState.RESOLVED]


def test_windows_are_judged_once() -> None:
    det = SpikeDetector()
    feed(det, [10] * 60)
    assert len(feed(det, [40], 60)) == 1
    assert det.observe(window(60, 40)) == []


def test_spike_id_is_stable_and_alert_validates() -> None:
    assert spike_id(S, T0) == spike_id(S, T0) != spike_id(S, T0 + 60)
    det = SpikeDetector()
    feed(det, [10] * 60)
    ev = feed(det, [60], 60)[0]
    assert ev.severity is Severity.CRITICAL
    alert = spike_record(ev, 60, datetime.now(UTC))
    assert parse(SpikeAlert, alert.to_json()) == alert
    assert alert.series.channel == "chat" and alert.state == "firing" and alert.ratio >= 4


def test_covers() -> None:
    assert covers((ALL, "delivery", ALL), S) and covers(S, S)
    assert not covers(("email", ALL, ALL), S)


def test_detector_state_round_trips_mid_spike() -> None:
    """A restarted detector continues exactly where the dumped one was, including a firing spike."""
    rng = random.Random(9)
    a = SpikeDetector()
    counts = [poisson_sample(rng, 8) for _ in range(200)]
    feed(a, counts)
    fired = feed(a, [40], 200)
    assert [e.state for e in fired] == [SpikeState.FIRING]
    b = SpikeDetector()
    b.restore(a.dump())
    assert b.observe(window(200, 40)) == []  # already judged before the restart
    tail = [poisson_sample(rng, 8) for _ in range(100)]
    out_a, out_b = feed(a, tail, 201), feed(b, tail, 201)
    assert out_a == out_b
    assert any(e.state is SpikeState.RESOLVED and e.spike_id == fired[0].spike_id for e in out_b)
    assert a.dump() == b.dump()
