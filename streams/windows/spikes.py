"""Complaint-spike detection per series (channel × aspect × language) on per-window negative counts.

Pure logic, fed closed windows in order by the faust timer and by ``bench/spike_eval.py`` alike.

Model, per series:

* **Expected count** for the next window = the larger of
  - a short-term level: EWMA of the per-window count (half-life ``level_halflife`` windows), and
  - a seasonal estimate: per hour-of-week bucket, an EWMA across weeks of that hour's robust mean
    (counts clipped at median + 3·√median + 1, so a surge inside the hour barely counts while a step
    that lasts is learned); while an hour-of-week bucket has not been seen yet, the hour-of-day
    bucket (EWMA across days) stands in. Until either exists, the short-term level alone is used.
    The seasonal value is scaled by how today compares with the seasonal profile over the last
    hours (ratio of EWMAs, clamped to [0.5, 1.5]): a quiet Saturday is not judged by Friday's
    profile, yet the 09:00 step of a call centre opening is still anticipated.
  Taking the larger is deliberately conservative: the level lags on a steep daily ramp (the
  seasonal term covers it), and the seasonal term can be stale after a shift (the level covers it).
  Plus ``margin_z`` standard errors of the estimate itself (it rests on ~n_eff windows), which
  matters for quiet series and costs busy ones little.
* **Test**: for the last k = 1..``max_span`` windows, the Poisson upper tail
  P(X ≥ observed_k | expected_k). The series fires when, for some k, the tail is below ``alpha``,
  observed_k ≥ ``min_count`` (volume guard: a jump from 1 to 4 complaints is not an incident) and
  observed_k ≥ ``min_ratio`` × expected_k (effect-size guard: on a busy series a 10 % rise can be
  "significant" yet nobody should be paged). k = 2 catches a 3× surge on a quieter series by the end
  of its second window, which a single window cannot prove.
* **Robust learning**: observations update the baselines winsorised at expected + ``clip_z``·√expected,
  so a surge hardly teaches the baseline that surges are normal, while a lasting level shift is
  still learned (the clip grows with the baseline) and its alert resolves instead of firing forever.
* **Resolve** after ``resolve_windows`` consecutive normal windows (observed below ``resolve_ratio``
  × expected, or a tail above 1 %); then a ``cooldown_windows`` pause before the series may fire again.

Every test the detector runs is a chance of a false alarm: with ~150 series tested every minute
that is ~400 000 tests a day, hence the small default ``alpha`` and the guards. The benchmark
prints the resulting false alarms per simulated day.
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

import orjson

from streams.windows.windows import ALL, ClosedWindow, SeriesKey


def poisson_tail(k: int, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(lam), exact summation in a numerically safe way (no scipy needed)."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    log_pk = -lam + k * math.log(lam) - math.lgamma(k + 1)
    if k > lam:
        # Terms fall by lam/i < 1 from k upward: sum until they no longer matter.
        term = 1.0
        total = 1.0
        i = k
        while term > 1e-17 * total:
            i += 1
            term *= lam / i
            total += term
        return min(1.0, math.exp(log_pk + math.log(total)))
    # k <= lam: 1 - P(X <= k-1), summing downward from k-1 (terms fall as i decreases below lam).
    log_pk1 = log_pk + math.log(k / lam)  # log P(X = k-1)
    term = 1.0
    total = 1.0
    i = k - 1
    while i > 0 and term > 1e-17 * total:
        term *= i / lam
        total += term
        i -= 1
    return max(0.0, 1.0 - math.exp(log_pk1 + math.log(total)))


@dataclass(frozen=True)
class DetectorConfig:
    window_s: int = 60
    alpha: float = 1e-6
    min_count: int = 8
    min_ratio: float = 1.8
    max_span: int = 2
    level_halflife: float = 30.0
    """Short-term level half-life, in windows."""
    season_weight: float = 0.3
    """Weight of the newest hour in the hour-of-day / hour-of-week EWMAs."""
    warmup_windows: int = 30
    """Windows of history before a series is tested at all."""
    expected_floor: float = 0.2
    ratio_halflife: float = 90.0
    """Half-life (windows) of the today-vs-profile ratio."""
    ratio_min_windows: int = 60
    margin_z: float = 2.0
    """Standard errors of the baseline estimate added to the expected count (see ``expected``)."""
    clip_z: float = 3.0
    resolve_windows: int = 3
    resolve_ratio: float = 1.5
    cooldown_windows: int = 10
    critical_ratio: float = 4.0
    max_series: int = 5000
    """Bound on tracked series (memory); new series beyond it are not tracked."""


class SpikeState(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True)
class SpikeEvent:
    """A state change of one series' spike (the agent turns it into ``alerts.spike.v1``)."""

    spike_id: str
    series: SeriesKey
    state: SpikeState
    severity: Severity
    window_start: int
    """The window whose close caused this event."""
    started_at: int
    """Start of the first window of the spike."""
    resolved_at: int | None
    observed: int
    expected: float
    p_value: float
    span_windows: int


def spike_id(series: SeriesKey, started_at: int) -> str:
    """Stable id: the same spike gets the same id in its firing and resolved events, and on replay."""
    raw = f"{series[0]}|{series[1]}|{series[2]}|{started_at}".encode()
    return hashlib.sha1(raw).hexdigest()[:20]


@dataclass
class _Bucket:
    estimate: float = 0.0
    visits: int = 0


@dataclass
class SeriesState:
    level: float | None = None
    windows: int = 0
    hod: dict[int, _Bucket] = field(default_factory=dict)
    how: dict[int, _Bucket] = field(default_factory=dict)
    hour: int | None = None
    """Hour (epoch hours) being accumulated."""
    hour_values: list[int] = field(default_factory=list)
    """Raw counts of the current hour; their robust mean teaches the seasonal buckets."""
    ratio_num: float = 0.0
    ratio_den: float = 0.0
    ratio_n: int = 0
    recent: deque[tuple[int, float]] = field(default_factory=deque)
    """(observed, expected) of the last ``max_span`` windows."""
    firing: SpikeEvent | None = None
    normal_streak: int = 0
    cooldown_until: int = -1
    last_ratio: float = 0.0

    def dumps(self) -> bytes:
        """Everything the detector knows about the series, for the faust table (restart recovery)."""
        f = self.firing
        return orjson.dumps({
            "level": self.level, "windows": self.windows,
            "hod": [[k, b.estimate, b.visits] for k, b in sorted(self.hod.items())],
            "how": [[k, b.estimate, b.visits] for k, b in sorted(self.how.items())],
            "hour": self.hour, "hour_values": self.hour_values,
            "ratio": [self.ratio_num, self.ratio_den, self.ratio_n],
            "recent": [list(r) for r in self.recent],
            "firing": None if f is None else [f.spike_id, list(f.series), f.state.value, f.severity.value,
                                              f.window_start, f.started_at, f.resolved_at, f.observed,
                                              f.expected, f.p_value, f.span_windows],
            "streak": self.normal_streak, "cooldown_until": self.cooldown_until, "last_ratio": self.last_ratio,
        })

    @classmethod
    def loads(cls, data: bytes) -> SeriesState:
        o = orjson.loads(data)
        f = o["firing"]
        firing = None if f is None else SpikeEvent(f[0], (f[1][0], f[1][1], f[1][2]), SpikeState(f[2]),
                                                   Severity(f[3]), *f[4:])
        return cls(level=o["level"], windows=o["windows"],
                   hod={int(k): _Bucket(e, v) for k, e, v in o["hod"]},
                   how={int(k): _Bucket(e, v) for k, e, v in o["how"]},
                   hour=o["hour"], hour_values=list(o["hour_values"]),
                   ratio_num=o["ratio"][0], ratio_den=o["ratio"][1], ratio_n=o["ratio"][2],
                   recent=deque((int(a), float(b)) for a, b in o["recent"]), firing=firing,
                   normal_streak=o["streak"], cooldown_until=o["cooldown_until"], last_ratio=o["last_ratio"])


def _hour_buckets(ts: int) -> tuple[int, int, int]:
    """(epoch hour, hour of day, hour of week with Monday 00:00 = 0) in UTC."""
    d = datetime.fromtimestamp(ts, UTC)
    return ts // 3600, d.hour, d.weekday() * 24 + d.hour


class SpikeDetector:
    """Per-series baselines, tests and alert state; feed it every closed window in order."""

    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = config or DetectorConfig()
        self.series: dict[SeriesKey, SeriesState] = {}
        self._level_alpha = 1 - 0.5 ** (1 / self.config.level_halflife)
        self._n_eff = (2 - self._level_alpha) / self._level_alpha  # effective samples of the EWMA
        self._ratio_alpha = 1 - 0.5 ** (1 / self.config.ratio_halflife)
        self.last_window: int | None = None

    def dump(self) -> dict[str, bytes]:
        """The detector as one record per series (``"s|channel|aspect|language"``), each carrying the
        last judged window, so a restore from a partly recovered table is still consistent."""
        return {"s|" + "|".join(key): orjson.dumps({"last_window": self.last_window,
                                                     "state": orjson.Fragment(st.dumps())})
                for key, st in self.series.items()}

    def restore(self, items: dict[str, bytes]) -> None:
        """Load what ``dump`` produced (after a restart); windows up to ``last_window`` are not judged again."""
        for name, data in items.items():
            if not name.startswith("s|"):
                continue
            obj = orjson.loads(data)
            ch, asp, lang = name[2:].split("|", 2)
            self.series[(ch, asp, lang)] = SeriesState.loads(orjson.dumps(obj["state"]))
            if obj["last_window"] is not None:
                self.last_window = max(self.last_window or obj["last_window"], obj["last_window"])

    def firing(self) -> dict[SeriesKey, SpikeEvent]:
        return {k: s.firing for k, s in self.series.items() if s.firing is not None}

    def expected(self, state: SeriesState, ts: int) -> float | None:
        """Expected count of a window starting at ``ts``; None while warming up."""
        if state.windows < self.config.warmup_windows or state.level is None:
            return None
        seasonal = self._seasonal(state, ts)
        if seasonal is not None:
            seasonal *= self._day_ratio(state)
        exp = max(state.level if seasonal is None else max(state.level, seasonal), self.config.expected_floor)
        # The baseline is itself an estimate from ~n_eff noisy windows: add its standard error
        # (times ``margin_z``) so a quiet series whose estimate came out low does not page anyone.
        return exp + self.config.margin_z * math.sqrt(exp / self._n_eff)

    @staticmethod
    def _seasonal(state: SeriesState, ts: int) -> float | None:
        _, hod, how = _hour_buckets(ts)
        b = state.how.get(how)
        if b is not None and b.visits:
            return b.estimate
        b = state.hod.get(hod)
        if b is not None and b.visits:
            return b.estimate
        return None

    def _day_ratio(self, state: SeriesState) -> float:
        """Recent traffic relative to the seasonal profile (1 until there is enough evidence)."""
        if state.ratio_n < self.config.ratio_min_windows or state.ratio_den <= 0:
            return 1.0
        return min(1.5, max(0.5, state.ratio_num / state.ratio_den))

    def observe(self, window: ClosedWindow) -> list[SpikeEvent]:
        """Feed one closed window (all series' negative counts); returns spike state changes."""
        if self.last_window is not None and window.start <= self.last_window:
            return []  # a window is judged once, on its first close
        self.last_window = window.start
        out: list[SpikeEvent] = []
        for key, counts in window.series.items():
            if key not in self.series and len(self.series) < self.config.max_series and counts.negative:
                self.series[key] = SeriesState()
        for key, state in self.series.items():
            c = window.series.get(key)
            event = self._step(key, state, window.start, c.negative if c is not None else 0)
            if event is not None:
                out.append(event)
        return out

    def _step(self, key: SeriesKey, st: SeriesState, ts: int, observed: int) -> SpikeEvent | None:
        cfg = self.config
        expected = self.expected(st, ts)
        event: SpikeEvent | None = None
        st.last_ratio = observed / expected if expected else 0.0
        if expected is not None:
            st.recent.append((observed, expected))
            while len(st.recent) > cfg.max_span:
                st.recent.popleft()
            if st.firing is None:
                if ts >= st.cooldown_until and observed > expected:
                    event = self._test(key, st, ts)
            else:
                event = self._maybe_resolve(st, ts, observed, expected)
        # Learn from the window, winsorised: a surge barely moves the baseline, while a lasting
        # shift (a new normal) is learned within an hour or two and then resolves.
        if expected is None:
            learn = float(observed)
        else:
            learn = min(float(observed), expected + cfg.clip_z * math.sqrt(expected))
        self._learn(st, ts, learn, observed)
        return event

    def _test(self, key: SeriesKey, st: SeriesState, ts: int) -> SpikeEvent | None:
        cfg = self.config
        obs_k = 0
        exp_k = 0.0
        best: tuple[float, int, float, int] | None = None
        for k, (o, e) in enumerate(reversed(st.recent), start=1):
            obs_k += o
            exp_k += e
            if obs_k < cfg.min_count or obs_k < cfg.min_ratio * exp_k:
                continue
            p = poisson_tail(obs_k, exp_k)
            if p < cfg.alpha and (best is None or p < best[0]):
                best = (p, obs_k, exp_k, k)
        if best is None:
            return None
        p, obs, exp, k = best
        started = ts - (k - 1) * cfg.window_s
        ratio = obs / exp
        sev = Severity.CRITICAL if ratio >= cfg.critical_ratio else Severity.WARNING
        ev = SpikeEvent(spike_id(key, started), key, SpikeState.FIRING, sev, ts, started, None, obs, exp, p, k)
        st.firing = ev
        st.normal_streak = 0
        return ev

    def _maybe_resolve(self, st: SeriesState, ts: int, observed: int, expected: float) -> SpikeEvent | None:
        cfg = self.config
        assert st.firing is not None
        normal = observed <= cfg.resolve_ratio * expected or poisson_tail(observed, expected) > 0.01
        st.normal_streak = st.normal_streak + 1 if normal else 0
        if st.normal_streak < cfg.resolve_windows:
            return None
        f = st.firing
        resolved_at = ts - (cfg.resolve_windows - 1) * cfg.window_s
        ev = SpikeEvent(f.spike_id, f.series, SpikeState.RESOLVED, f.severity, ts, f.started_at, resolved_at,
                        observed, expected, poisson_tail(observed, expected), 1)
        st.firing = None
        st.normal_streak = 0
        st.cooldown_until = ts + (cfg.cooldown_windows + 1) * cfg.window_s
        st.recent.clear()
        return ev

    def _learn(self, st: SeriesState, ts: int, value: float, raw: int) -> None:
        st.windows += 1
        st.level = value if st.level is None else st.level + self._level_alpha * (value - st.level)
        seasonal = self._seasonal(st, ts)
        if seasonal is not None:
            a = self._ratio_alpha
            st.ratio_num += a * (value - st.ratio_num) if st.ratio_n else value - st.ratio_num
            st.ratio_den += a * (seasonal - st.ratio_den) if st.ratio_n else seasonal - st.ratio_den
            st.ratio_n += 1
        hour, _, _ = _hour_buckets(ts)
        if st.hour is None:
            st.hour = hour
        if hour != st.hour:
            self._close_hour(st)
            st.hour = hour
        st.hour_values.append(raw)

    def _close_hour(self, st: SeriesState) -> None:
        assert st.hour is not None
        # A partial hour (a series that appeared mid-hour) teaches too, from a quarter hour on.
        if len(st.hour_values) >= max(1, int(0.25 * 3600 / self.config.window_s)):
            med = float(statistics.median(st.hour_values))
            clip = med + 3 * math.sqrt(max(med, 1.0)) + 1
            robust = sum(min(v, clip) for v in st.hour_values) / len(st.hour_values)
            _, hod, how = _hour_buckets(st.hour * 3600)
            w = self.config.season_weight
            for buckets, idx in ((st.hod, hod), (st.how, how)):
                b = buckets.setdefault(idx, _Bucket())
                b.estimate = robust if b.visits == 0 else (1 - w) * b.estimate + w * robust
                b.visits += 1
        st.hour_values.clear()


def covers(rollup: SeriesKey, leaf: SeriesKey) -> bool:
    """True when ``rollup`` includes ``leaf`` (each dimension equal or "*")."""
    return all(r in (ALL, v) for r, v in zip(rollup, leaf, strict=True))
