"""Per-minute event-time windows by channel × aspect × language, closed by a watermark that also
advances on the wall clock.

Pure logic, no faust: the agent in ``streams.windows.agent`` feeds events and asks on a timer which
windows are due; the benchmark ``bench/spike_eval.py`` drives the very same code with a simulated
clock.

Why event time and a timer: faust's own tumbling windows close only when a later event arrives
(faust-streaming #250), which is exactly when traffic is quiet. Here a window ``[s, s+size)`` is
closed once the watermark passes ``s+size``, and the watermark is

    wm = max(wm_before,
             max_event - lateness,                                  # event-driven
             max_event + (now - advanced_at) - idle_grace - lateness)  # idle extrapolation

where ``max_event`` is the largest event time seen (clamped to ``now + max_future_skew`` so one
producer with a wrong clock cannot close every window early) and ``advanced_at`` is the wall time
when ``max_event`` last grew. The idle term assumes event time keeps pace with the wall clock once
the input goes quiet. For live traffic (event time ≈ wall time) it equals ``now - lateness -
idle_grace``, so a window closes ``lateness + idle_grace`` (+ one timer tick) after its end with no
further traffic. Unlike a plain ``now - lateness`` it stays correct for a replay or backfill of old
data: while a backlog streams in, ``advanced_at ≈ now`` and only event time drives the watermark, so
replayed events are not all declared late. The watermark never moves backwards.

Late events (their window already closed) are not lost: they are added to the window's state, the
``late`` counter grows, and the window is emitted again. Every emitted row carries the whole
window (never a delta) and ``version = count`` — counts only grow, so a later emission always has a
higher version, and a replay of the same input yields the same rows with the same versions.
ReplacingMergeTree(version) keyed by (window_start, channel, aspect, language) therefore converges
to the recomputation from the raw topic, however often windows are re-emitted or replayed.
Events are de-duplicated by ``event_id`` per window, so at-least-once redelivery after a crash does
not double-count. Windows are kept ``retention`` seconds after they close; an event older than that
is reported as ``expired`` for the caller to dead-letter.

State is kept per source partition (``(partition, window_start)``) so it can be persisted in a
faust table whose changelog partition is the source partition; emission merges the partitions
this worker holds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

import orjson

ALL = "*"
"""Dimension value of a roll-up row: all channels / aspects / languages."""
NO_ASPECT = "none"
"""Aspect of an event without any aspect."""
MAX_DIM_CHARS = 64

SeriesKey = tuple[str, str, str]
"""(channel, aspect, language)"""


class FeedbackLike(Protocol):
    """What the windows need of a scored event (``ripple.contracts.ScoredFeedback`` satisfies it)."""

    @property
    def event_id(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def aspects(self) -> tuple[str, ...]: ...
    @property
    def language(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def satisfaction(self) -> float | None: ...
    @property
    def nps(self) -> int | None: ...
    @property
    def event_time(self) -> datetime: ...


@dataclass(frozen=True)
class WindowConfig:
    """Window size and how long to wait for stragglers.

    ``lateness``: how far behind the newest event an event may be and still count as on time.
    ``idle_grace``: extra wall-clock wait before the idle extrapolation starts, to absorb pipeline
    delay. ``retention``: how long a closed window is kept for late corrections.
    """

    size_s: int = 60
    lateness_s: float = 5.0
    idle_grace_s: float = 1.0
    retention_s: float = 7200.0
    max_future_skew_s: float = 300.0
    dedupe_s: float = 900.0
    """Event ids are remembered this long after a window's end (redelivery after a crash comes
    within seconds to minutes); later the window keeps only its counters."""
    max_empty_windows: int = 24 * 60
    """At most this many consecutive windows are closed in one go (a jump of days after downtime
    skips ahead instead of closing thousands of empty windows)."""

    def __post_init__(self) -> None:
        if self.size_s <= 0 or self.lateness_s < 0 or self.idle_grace_s < 0 or self.retention_s < 0:
            raise ValueError("window size must be positive and lateness, grace, retention non-negative")


class Outcome(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    DUPLICATE = "duplicate"
    EXPIRED = "expired"


@dataclass(slots=True)
class Counts:
    """Additive counters of one series in one window. Satisfaction is summed in micro-units so the
    sum is an exact integer and independent of the order events arrive in (replays are bit-equal)."""

    count: int = 0
    negative: int = 0
    sat_micro: int = 0
    sat_n: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    late: int = 0

    def as_list(self) -> list[int]:
        return [self.count, self.negative, self.sat_micro, self.sat_n, self.promoters, self.passives,
                self.detractors, self.late]

    @classmethod
    def from_list(cls, values: list[int]) -> Counts:
        return cls(*values)

    def merge(self, other: Counts) -> None:
        self.count += other.count
        self.negative += other.negative
        self.sat_micro += other.sat_micro
        self.sat_n += other.sat_n
        self.promoters += other.promoters
        self.passives += other.passives
        self.detractors += other.detractors
        self.late += other.late

    @property
    def satisfaction_mean(self) -> float | None:
        return self.sat_micro / 1e6 / self.sat_n if self.sat_n else None


@dataclass
class Window:
    """One partition's share of one window: counters per series and the event ids already counted."""

    start: int
    series: dict[SeriesKey, Counts] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    max_ts: float = 0.0
    """Newest event time counted here: restores the watermark after a restart."""
    new_ids: list[str] = field(default_factory=list)
    """Ids counted since the last persist: written as one chunk, so persisting is O(new events)."""
    chunks: int = 0
    ids_dropped: bool = False
    """True once the window is past the de-duplication horizon and its ids were forgotten."""
    obsolete: int = 0
    """Records 0..obsolete-1 hold forgotten ids: delete them after the next record is written."""

    def dumps(self, ids: list[str] | None = None) -> bytes:
        """The counters (small) plus the event ids added since the previous record (a delta)."""
        return orjson.dumps({
            "start": self.start,
            "max_ts": self.max_ts,
            "series": [[*k, *c.as_list()] for k, c in sorted(self.series.items())],
            "ids": ids or [],
            "ids_dropped": self.ids_dropped,
        })

    @classmethod
    def loads(cls, data: bytes) -> Window:
        obj = orjson.loads(data)
        series = {(r[0], r[1], r[2]): Counts.from_list(r[3:]) for r in obj["series"]}
        return cls(start=int(obj["start"]), series=series, max_ts=float(obj.get("max_ts", obj["start"])),
                   ids_dropped=bool(obj.get("ids_dropped", False)))


@dataclass(frozen=True)
class StateWrite:
    """One record for the state table: ``value=None`` deletes. ``partition`` is the changelog partition."""

    partition: int
    key: str
    value: bytes | None


def state_key(partition: int, start: int, chunk: int) -> str:
    """``"p|start|n"``: the n-th record of a window: its counters then, and the ids added since n-1.

    One record per window per persist: Tansu reports the end offset of a multi-record batch as if
    it held one record, so faust's recovery stops early and drops the rest of the last batch."""
    return f"{partition}|{start}|{chunk}"


@dataclass(frozen=True)
class AggregateRow:
    """One emitted row: the whole window of one series (never a delta)."""

    window_start: int
    window_end: int
    channel: str
    aspect: str
    language: str
    counts: Counts

    @property
    def version(self) -> int:
        """Counts only grow, so the count orders emissions of the same key (see module doc)."""
        return self.counts.count

    @property
    def key(self) -> str:
        return aggregate_key(self.window_start, (self.channel, self.aspect, self.language))


@dataclass(frozen=True)
class ClosedWindow:
    """A window closed for the first time, with every series' counts merged over partitions.

    The spike detector consumes these in window order, including windows without any event
    (``series`` empty) so baselines decay and spikes resolve when traffic stops.
    """

    start: int
    series: dict[SeriesKey, Counts]


def aggregate_key(window_start: int, series: SeriesKey) -> str:
    """Idempotency key of an aggregate row: window start (UTC, ISO) + dimensions."""
    iso = datetime.fromtimestamp(window_start, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{iso}|{series[0]}|{series[1]}|{series[2]}"


def _dim(value: str) -> str:
    value = str(value).strip()[:MAX_DIM_CHARS]
    return value or "und"


def series_keys(channel: str, aspects: Iterable[str], language: str) -> set[SeriesKey]:
    """The rows one event counts in: each aspect (or "none") and every roll-up with "*".

    An event with several aspects counts once in each aspect's series and once in the aspect="*"
    totals (a set, so no double count).
    """
    ch, lang = _dim(channel), _dim(language)
    asp = {_dim(a) for a in aspects} or {NO_ASPECT}
    asp.add(ALL)
    return {(c, a, lg) for c in (ch, ALL) for a in asp for lg in (lang, ALL)}


def _nps_bucket(nps: int | None) -> int:
    """0 promoter (9-10), 1 passive (7-8), 2 detractor (0-6), -1 no answer."""
    if nps is None:
        return -1
    return 0 if nps >= 9 else 1 if nps >= 7 else 2


class Watermark:
    """Event-time progress with wall-clock extrapolation while the input is idle (module doc)."""

    def __init__(self, config: WindowConfig) -> None:
        self.config = config
        self.max_event: float | None = None
        self.advanced_at = 0.0
        self._value = -math.inf

    def observe(self, event_ts: float, now: float) -> None:
        ts = min(event_ts, now + self.config.max_future_skew_s)
        if self.max_event is None or ts > self.max_event:
            self.max_event = ts
            self.advanced_at = now

    def restore(self, max_event: float, now: float) -> None:
        """After a restart: resume from a persisted maximum; idle extrapolation counts from ``now``."""
        if self.max_event is None or max_event > self.max_event:
            self.max_event = max_event
            self.advanced_at = now

    def value(self, now: float) -> float:
        if self.max_event is not None:
            c = self.config
            driven = self.max_event - c.lateness_s
            idle = self.max_event + max(0.0, now - self.advanced_at) - c.idle_grace_s - c.lateness_s
            self._value = max(self._value, driven, idle)
        return self._value


class WindowStore:
    """All open and recently closed windows of the partitions this worker holds."""

    def __init__(self, config: WindowConfig | None = None) -> None:
        self.config = config or WindowConfig()
        self.watermark = Watermark(self.config)
        self.windows: dict[tuple[int, int], Window] = {}
        self.dirty: set[tuple[int, int]] = set()
        """(partition, start) changed since the last ``take_dirty`` (to persist)."""
        self._emitted: dict[tuple[int, SeriesKey], int] = {}
        """Version last emitted per (window start, series): re-emit only what changed."""
        self._changed_starts: set[int] = set()
        self._deletes: list[StateWrite] = []
        self.cursor: int | None = None
        """Start of the next window to close for the first time."""

    def window_start(self, ts: float) -> int:
        size = self.config.size_s
        return math.floor(ts / size) * size

    def add(self, event: FeedbackLike, partition: int, now: float) -> Outcome:
        """Count one event; ``now`` is the wall clock (epoch seconds)."""
        ts = event.event_time.timestamp()
        start = self.window_start(ts)
        size = self.config.size_s
        wm = self.watermark.value(now)
        if start + size + self.config.retention_s <= wm:
            return Outcome.EXPIRED
        key = (partition, start)
        win = self.windows.get(key)
        if win is None:
            win = self.windows[key] = Window(start)
        if event.event_id in win.seen:
            return Outcome.DUPLICATE
        win.seen.add(event.event_id)
        if not win.ids_dropped:
            win.new_ids.append(event.event_id)
        win.max_ts = max(win.max_ts, ts)
        late = start + size <= wm
        negative = 1 if str(event.label) == "negative" else 0
        sat = event.satisfaction
        sat_micro = round(sat * 1_000_000) if sat is not None else 0
        has_sat = 1 if sat is not None else 0
        bucket = _nps_bucket(event.nps)
        for sk in series_keys(event.channel, event.aspects, event.language):
            c = win.series.get(sk)
            if c is None:
                c = win.series[sk] = Counts()
            c.count += 1
            c.negative += negative
            c.sat_micro += sat_micro
            c.sat_n += has_sat
            if bucket == 0:
                c.promoters += 1
            elif bucket == 1:
                c.passives += 1
            elif bucket == 2:
                c.detractors += 1
            if late:
                c.late += 1
        self.dirty.add(key)
        self._changed_starts.add(start)
        self.watermark.observe(ts, now)
        if self.cursor is None:
            self.cursor = start
        return Outcome.LATE if late else Outcome.ON_TIME

    def merged(self, start: int) -> dict[SeriesKey, Counts]:
        out: dict[SeriesKey, Counts] = {}
        for (_, s), win in self.windows.items():
            if s != start:
                continue
            for sk, c in win.series.items():
                m = out.get(sk)
                if m is None:
                    m = out[sk] = Counts()
                m.merge(c)
        return out

    def close_due(self, now: float) -> tuple[list[ClosedWindow], list[AggregateRow]]:
        """Close every window whose end the watermark passed.

        Returns the windows closed for the first time (in order, empty ones included, for the
        spike detector) and the aggregate rows to emit: every series of a newly closed window, and
        the series of already closed windows that late events changed.
        """
        size = self.config.size_s
        wm = self.watermark.value(now)
        closed: list[ClosedWindow] = []
        if self.cursor is not None and self.cursor + size <= wm:
            last = self.window_start(wm) - size  # last window whose end <= wm
            if (last - self.cursor) // size >= self.config.max_empty_windows:
                self.cursor = last - (self.config.max_empty_windows - 1) * size
            while self.cursor + size <= wm:
                closed.append(ClosedWindow(self.cursor, self.merged(self.cursor)))
                self._changed_starts.add(self.cursor)
                self.cursor += size
        rows: list[AggregateRow] = []
        for start in sorted(self._changed_starts):
            if start + size > wm or (self.cursor is not None and start >= self.cursor):
                continue  # still open
            self._changed_starts.discard(start)
            for sk, c in sorted(self.merged(start).items()):
                if self._emitted.get((start, sk)) == c.count:
                    continue
                self._emitted[(start, sk)] = c.count
                rows.append(AggregateRow(start, start + size, sk[0], sk[1], sk[2], c))
        return closed, rows

    def _drop_ids(self, key: tuple[int, int], win: Window) -> None:
        """Forget the ids; the next record (written as the window is dirty) makes older ones obsolete."""
        if not win.ids_dropped:
            win.seen.clear()
            win.new_ids.clear()
            win.ids_dropped = True
            win.obsolete = win.chunks

    def expire(self, now: float) -> list[tuple[int, int]]:
        """Forget windows older than ``retention`` after their close, and the event ids of windows
        older than ``dedupe_s``; returns the removed window keys (their deletions go to ``state_writes``).
        """
        wm = self.watermark.value(now)
        c = self.config
        horizon = wm - c.retention_s - c.size_s
        gone = [k for k in self.windows if k[1] < horizon]
        for k in gone:
            win = self.windows.pop(k)
            self._deletes.extend(StateWrite(k[0], state_key(k[0], k[1], n), None) for n in range(win.chunks))
            self.dirty.discard(k)
        if gone:
            starts = {k[1] for k in gone}
            self._emitted = {k: v for k, v in self._emitted.items() if k[0] not in starts}
        for k, win in self.windows.items():
            if not win.ids_dropped and k[1] + c.size_s + c.dedupe_s <= wm:
                self._drop_ids(k, win)
                self.dirty.add(k)
        return gone

    def take_dirty(self) -> Iterator[tuple[tuple[int, int], Window]]:
        """Windows changed since the last call (for persistence), then forget they were dirty."""
        keys, self.dirty = self.dirty, set()
        for k in sorted(keys):
            if k in self.windows:
                yield k, self.windows[k]

    def state_writes(self) -> list[StateWrite]:
        """Records that bring the state table up to date: per changed window its counters and a
        chunk with its new event ids (O(new events), not O(window)), plus pending deletions."""
        out, self._deletes = self._deletes, []
        for (p, start), win in self.take_dirty():
            out.append(StateWrite(p, state_key(p, start, win.chunks), win.dumps(win.new_ids)))
            win.chunks += 1
            win.new_ids = []
            if win.obsolete:  # records holding ids that were forgotten
                out.extend(StateWrite(p, state_key(p, start, n), None) for n in range(win.obsolete))
                win.obsolete = 0
        return out

    def restore_state(self, items: Iterable[tuple[str, bytes]], partitions: set[int], now: float) -> int:
        """Rebuild the windows of ``partitions`` from the state table's records; returns how many."""
        records: dict[tuple[int, int], dict[int, bytes]] = {}
        for key, value in items:
            parts = key.split("|")
            if len(parts) != 3 or int(parts[0]) not in partitions:
                continue
            k = (int(parts[0]), int(parts[1]))
            if k not in self.windows:
                records.setdefault(k, {})[int(parts[2])] = value
        for k, recs in records.items():
            last = max(recs)
            win = Window.loads(recs[last])  # the newest record has the counters
            win.chunks = last + 1
            if not win.ids_dropped:
                for data in recs.values():
                    win.seen.update(orjson.loads(data)["ids"])
            self.restore(k[0], win, now)
        return len(records)

    def keep_partitions(self, keep: set[int]) -> None:
        """Forget the windows of partitions this worker no longer holds (after a rebalance)."""
        for k in [k for k in self.windows if k[0] not in keep]:
            del self.windows[k]
            self.dirty.discard(k)

    def restore(self, partition: int, window: Window, now: float) -> None:
        """Re-load a persisted window after a restart; it is re-emitted when due (same versions)."""
        self.windows[(partition, window.start)] = window
        self._changed_starts.add(window.start)
        for sk in window.series:
            self._emitted.pop((window.start, sk), None)
        self.watermark.restore(max(window.max_ts, float(window.start)), now)
        if self.cursor is None or window.start < self.cursor:
            self.cursor = window.start
