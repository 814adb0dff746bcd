"""Spike-detector evaluation on simulated seasonal traffic (time-accelerated, pure, no broker).

Simulates per-minute feedback for every channel × aspect × language leaf with a daily curve per
language (customers in several time zones), a weekend dip and a step when the phone-survey line
opens (09:00-18:00 UTC), warms the detector up on ``--warmup-days`` of normal traffic, then runs
``--days`` evaluation days with ``--surges`` injected surges (× ``--factor`` the series' normal
complaint rate, ``--surge-minutes`` long) in ONE leaf series. The very same ``SpikeDetector`` the
worker uses is fed every closed window; with ``--events`` the traffic also goes event by event
through the worker's ``WindowStore`` (watermark, lateness, roll-ups) with a simulated wall clock.

Scoring:
* a surge is detected when an alert fires on its series, or a roll-up that contains it, in a
  window inside the surge; delay = windows from the surge's first window to the window whose close
  fired (1 = the first surged window itself). Target: every surge within 2 windows.
* a false alarm is any other firing (any series, any time). Target: <= 1 per simulated day.

Run: ``python bench/spike_eval.py`` (3 seeds, ~30 s); ``--events`` for the end-to-end path.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from collections import Counter as Tally
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streams.windows.spikes import DetectorConfig, SpikeDetector, SpikeEvent, SpikeState, covers
from streams.windows.windows import (
    ClosedWindow,
    Counts,
    SeriesKey,
    WindowConfig,
    WindowStore,
    series_keys,
)

CHANNELS = {"chat": 0.45, "email": 0.2, "review": 0.15, "phone_survey": 0.2}
ASPECTS = {"delivery": 0.35, "price": 0.15, "quality": 0.15, "staff": 0.1, "website": 0.1, "none": 0.15}
NEG_SHARE = {"delivery": 0.55, "price": 0.4, "quality": 0.4, "staff": 0.35, "website": 0.45, "none": 0.1}
LANGUAGES = {"en": (0.55, 0), "el": (0.2, 2), "ru": (0.15, 3), "ta": (0.1, 5)}
"""share of traffic, UTC offset of the customers' local day"""


@dataclass(frozen=True)
class Scenario:
    peak_per_min: float = 800.0
    night_floor: float = 0.35
    weekend: float = 0.75
    surge_series: SeriesKey = ("chat", "delivery", "en")
    factor: float = 3.0
    surge_minutes: int = 15
    surges_per_day: int = 6
    late_share: float = 0.01


def diurnal(local_hour: float, floor: float) -> float:
    """Daily curve of a local population: low at 04:00, high 11:00-20:00 (smooth)."""
    x = math.cos((local_hour - 15.5) / 24 * 2 * math.pi)  # 1 at 15:30, -1 at 03:30
    return floor + (1 - floor) * (0.5 + 0.5 * x) ** 1.5


def leaf_rates(ts: int, sc: Scenario) -> dict[SeriesKey, tuple[float, float]]:
    """(negative, other) expected events per minute for every leaf at ``ts``."""
    d = datetime.fromtimestamp(ts, UTC)
    hour = d.hour + d.minute / 60
    weekend = sc.weekend if d.weekday() >= 5 else 1.0
    out = {}
    for lang, (lshare, offset) in LANGUAGES.items():
        base = sc.peak_per_min * lshare * weekend * diurnal((hour + offset) % 24, sc.night_floor)
        for ch, cshare in CHANNELS.items():
            if ch == "phone_survey" and not 9 <= d.hour < 18:
                continue
            for asp, ashare in ASPECTS.items():
                lam = base * cshare * ashare
                out[(ch, asp, lang)] = (lam * NEG_SHARE[asp], lam * (1 - NEG_SHARE[asp]))
    return out


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 60:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


@dataclass(frozen=True)
class Surge:
    start: int
    end: int
    baseline: float
    """Expected normal complaints per minute of the surged series at the surge's start."""


def plan_surges(rng: random.Random, day0: int, days: int, sc: Scenario) -> list[Surge]:
    out: list[Surge] = []
    for d in range(days):
        slots = 24 * 60 // sc.surges_per_day
        for i in range(sc.surges_per_day):
            # one surge per slot, away from slot edges so surges never overlap their cool-down
            minute = i * slots + rng.randrange(30, slots - sc.surge_minutes - 60)
            start = day0 + d * 86400 + minute * 60
            out.append(Surge(start, start + sc.surge_minutes * 60, leaf_rates(start, sc)[sc.surge_series][0]))
    return out


@dataclass
class Ev:
    event_id: str
    event_time: datetime
    channel: str
    aspects: tuple[str, ...]
    language: str
    label: str
    satisfaction: float | None
    nps: int | None


@dataclass
class RunResult:
    surges: list[tuple[Surge, int | None]]
    false_alarms: list[SpikeEvent]
    warmup_false_alarms: int
    days: int
    warmup_days: int
    events: int
    seconds: float


def run(seed: int, sc: Scenario, cfg: DetectorConfig, days: int, warmup_days: int, events: bool) -> RunResult:
    rng = random.Random(seed)
    # start on a random weekday at 00:00 UTC
    day0 = int(datetime(2026, 1, 5, tzinfo=UTC).timestamp()) + rng.randrange(7) * 86400
    eval0 = day0 + warmup_days * 86400
    end = eval0 + days * 86400
    surges = plan_surges(rng, eval0, days, sc)
    det = SpikeDetector(cfg)
    store = WindowStore(WindowConfig(size_s=cfg.window_s, lateness_s=5, idle_grace_s=1)) if events else None
    alerts: list[SpikeEvent] = []
    n_events = 0
    seq = 0
    t_start = time.perf_counter()
    pending: list[tuple[float, Ev]] = []  # late events waiting for their arrival time

    def feed(closed: list[ClosedWindow]) -> None:
        for cw in closed:
            alerts.extend(e for e in det.observe(cw) if e.state is SpikeState.FIRING)

    for ts in range(day0, end, cfg.window_s):
        rates = leaf_rates(ts, sc)
        surging = any(s.start <= ts < s.end for s in surges)
        counts: dict[SeriesKey, tuple[int, int]] = {}
        for leaf, (neg, other) in rates.items():
            if surging and leaf == sc.surge_series:
                neg *= sc.factor
            counts[leaf] = (poisson(rng, neg), poisson(rng, other))
        if store is None:
            series: dict[SeriesKey, Counts] = {}
            for (ch, asp, lang), (neg_n, other_n) in counts.items():
                if not neg_n and not other_n:
                    continue
                for sk in series_keys(ch, (asp,) if asp != "none" else (), lang):
                    c = series.setdefault(sk, Counts())
                    c.count += neg_n + other_n
                    c.negative += neg_n
            n_events += sum(a + b for a, b in counts.values())
            feed([ClosedWindow(ts, series)])
            continue
        batch: list[tuple[float, Ev]] = []
        for (ch, asp, lang), (neg_n, other_n) in counts.items():
            for j in range(neg_n + other_n):
                seq += 1
                et = ts + rng.random() * cfg.window_s
                e = Ev(f"e{seq}", datetime.fromtimestamp(et, UTC), ch, (asp,) if asp != "none" else (), lang,
                       "negative" if j < neg_n else "positive", -0.6 if j < neg_n else 0.5, None)
                delay = rng.uniform(0.05, 2.0)
                if rng.random() < sc.late_share:
                    delay += rng.uniform(10, 120)  # arrives after its window closed
                batch.append((et + delay, e))
        pending.extend(batch)
        pending.sort(key=lambda p: p[0])
        horizon = ts + cfg.window_s
        i = 0
        for i, (arrive, e) in enumerate(pending):  # noqa: B007
            if arrive >= horizon:
                break
            store.add(e, 0, arrive)
            n_events += 1
        else:
            i = len(pending)
        del pending[:i]
        # the worker's timer ticks every second; one tick per simulated second is not needed for
        # correctness (the watermark is a function of the clock), one per minute boundary + 7 s is.
        closed, _ = store.close_due(horizon + 7)
        feed(closed)
        store.expire(horizon)
    detected: list[tuple[Surge, int | None]] = []
    false_alarms: list[SpikeEvent] = []
    matched: set[int] = set()
    for s in surges:
        hit = [a for a in alerts if covers(a.series, sc.surge_series) and s.start <= a.window_start < s.end]
        for a in hit:
            matched.add(id(a))
        first = min((a.window_start for a in hit), default=None)
        detected.append((s, None if first is None else (first - s.start) // cfg.window_s + 1))
    warm = 0
    for a in alerts:
        if id(a) in matched:
            continue
        if a.window_start < eval0:
            warm += 1
        else:
            false_alarms.append(a)
    return RunResult(detected, false_alarms, warm, days, warmup_days, n_events, time.perf_counter() - t_start)


def _fmt(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%a %H:%M")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--days", type=int, default=1, help="evaluation days per seed")
    ap.add_argument("--warmup-days", type=int, default=1)
    ap.add_argument("--events", action="store_true", help="route every event through WindowStore")
    ap.add_argument("--peak", type=float, default=Scenario.peak_per_min, help="feedback per minute at peak")
    ap.add_argument("--factor", type=float, default=Scenario.factor)
    ap.add_argument("--surges", type=int, default=Scenario.surges_per_day, help="surges per day")
    ap.add_argument("--surge-minutes", type=int, default=Scenario.surge_minutes)
    ap.add_argument("--series", default="/".join(Scenario.surge_series), help="channel/aspect/language")
    ap.add_argument("--alpha", type=float, default=DetectorConfig.alpha)
    ap.add_argument("--min-count", type=int, default=DetectorConfig.min_count)
    ap.add_argument("--min-ratio", type=float, default=DetectorConfig.min_ratio)
    ap.add_argument("--quiet", action="store_true", help="only the summary")
    args = ap.parse_args(argv)
    ch, asp, lang = args.series.split("/")
    sc = Scenario(peak_per_min=args.peak, factor=args.factor, surges_per_day=args.surges,
                  surge_minutes=args.surge_minutes, surge_series=(ch, asp, lang))
    cfg = DetectorConfig(alpha=args.alpha, min_count=args.min_count, min_ratio=args.min_ratio)
    print("detector:", ", ".join(f"{f.name}={getattr(cfg, f.name)}" for f in fields(cfg)))
    print(f"scenario: peak {sc.peak_per_min:.0f} feedback/min, night floor {sc.night_floor}, weekend x{sc.weekend}, "
          f"surges x{sc.factor} for {sc.surge_minutes} min in {'/'.join(sc.surge_series)}, "
          f"{sc.surges_per_day}/day; path: "
          f"{'events -> WindowStore -> detector' if args.events else 'counts -> detector'}")
    delays: list[int] = []
    missed = 0
    fa_per_day: list[float] = []
    warm_fa: list[int] = []
    for seed in range(1, args.seeds + 1):
        r = run(seed, sc, cfg, args.days, args.warmup_days, args.events)
        if not args.quiet:
            print(f"\nseed {seed}: {r.events:,} events, {r.days + r.warmup_days} simulated days in {r.seconds:.1f}s")
            print(f"  {'surge start':<12} {'baseline/min':>12} {'detected at':<12} {'delay (windows)':>15}")
        for s, delay in r.surges:
            if delay is None:
                missed += 1
            else:
                delays.append(delay)
            if not args.quiet:
                at = "MISSED" if delay is None else _fmt(s.start + (delay - 1) * cfg.window_s)
                print(f"  {_fmt(s.start):<12} {s.baseline:>12.1f} {at:<12} {delay if delay else '-':>15}")
        fa_per_day.append(len(r.false_alarms) / r.days)
        warm_fa.append(r.warmup_false_alarms)
        if not args.quiet:
            print(f"  false alarms: {len(r.false_alarms)} in {r.days} day(s); during warm-up: {r.warmup_false_alarms}")
            for a in r.false_alarms:
                print(f"    {_fmt(a.window_start)} {'/'.join(a.series)} observed {a.observed} expected "
                      f"{a.expected:.1f} over {a.span_windows} window(s), p={a.p_value:.1e}")
    total = len(delays) + missed
    dist = Tally(delays)
    print("\nsummary")
    print(f"  surges: {total}, detected: {len(delays)}, missed: {missed}, "
          f"within 2 windows: {sum(1 for d in delays if d <= 2)}/{total}")
    print("  delay distribution (windows): " + ", ".join(f"{k}: {dist[k]}" for k in sorted(dist)))
    if delays:
        print(f"  delay mean {statistics.mean(delays):.2f}, max {max(delays)} windows "
              f"(+ lateness and grace, ~6 s, until the window closes)")
    print(f"  false alarms per simulated day: mean {statistics.mean(fa_per_day):.2f}, max {max(fa_per_day):.0f} "
          f"(per seed: {fa_per_day}); during warm-up days: {warm_fa}")
    ok = missed == 0 and all(d <= 2 for d in delays) and max(fa_per_day) <= 1
    print(f"  targets (all surges within 2 windows, <= 1 false alarm/day): {'MET' if ok else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
