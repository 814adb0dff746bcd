"""Pure mapping from window/spike results to the wire contracts."""

from __future__ import annotations

from datetime import UTC, datetime

from ripple.contracts import SpikeAlert, SpikeSeries, WindowAggregate
from streams.windows.spikes import SpikeEvent
from streams.windows.windows import AggregateRow


def _dt(ts: int | float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def aggregate_record(row: AggregateRow, emitted_at: datetime) -> WindowAggregate:
    c = row.counts
    mean = c.satisfaction_mean
    return WindowAggregate(
        key=row.key,
        window_start=_dt(row.window_start),
        window_end=_dt(row.window_end),
        channel=row.channel,
        aspect=row.aspect,
        language=row.language,
        count=c.count,
        negative=c.negative,
        satisfaction_sum=c.sat_micro / 1e6,
        satisfaction_n=c.sat_n,
        satisfaction_mean=None if mean is None else max(-1.0, min(1.0, mean)),
        promoters=c.promoters,
        passives=c.passives,
        detractors=c.detractors,
        late=c.late,
        version=row.version,
        emitted_at=emitted_at,
    )


def spike_record(ev: SpikeEvent, window_s: int, emitted_at: datetime) -> SpikeAlert:
    return SpikeAlert(
        spike_id=ev.spike_id,
        series=SpikeSeries(channel=ev.series[0], aspect=ev.series[1], language=ev.series[2]),
        state=ev.state.value,
        severity=ev.severity.value,
        observed=ev.observed,
        expected=round(ev.expected, 6),
        ratio=round(ev.observed / ev.expected, 6) if ev.expected > 0 else 0.0,
        p_value=min(1.0, max(0.0, ev.p_value)),
        span_windows=ev.span_windows,
        window_seconds=window_s,
        window_start=_dt(ev.window_start),
        started_at=_dt(ev.started_at),
        resolved_at=_dt(ev.resolved_at) if ev.resolved_at is not None else None,
        emitted_at=emitted_at,
    )
