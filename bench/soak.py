"""Soak: the whole pipeline at a fixed rate for a long time; memory must stay flat and lag must drain.

    /work/main/.venv/bin/python bench/soak.py [--minutes 30] [--rate 1000] [--csv samples.csv]

Starts a Tansu broker, a private clickhouse-server, ``ripple worker`` and ``ripple sink`` processes,
and produces at a fixed rate while sampling every 5 s the RSS of the worker and the sink
(/proc/PID/status VmRSS) and the consumer lag of the worker group (raw topic) and the sink group
(scored topic). Prints every sample (CSV) and a summary: RSS start/end/max and slope (MB/min) after a
warm-up, max lag, final lag after the producer stopped and the pipeline was given time to drain.

Exit status 1 when a check fails:
  - RSS growth after warm-up (mean of the last samples - first post-warm-up sample) > --max-rss-growth-mb,
    or (runs of 10 minutes or more) RSS slope > --max-rss-slope MB/min, for either process;
  - lag not back to <= --lag-tolerance within --drain-s seconds after the producer stopped;
  - a process died, or the broker did not acknowledge every event.
tests/reliability/test_soak_short.py runs this for about a minute at 300 events/s.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ripple import topics
from ripple.dev.clickhouse_server import ClickHouseServer
from ripple.dev.tansu import TansuBroker, create_topics
from ripple.settings import Settings
from tests.reliability.harness import AckedGenerator, Proc, group_lag, pipeline_env

SAMPLE_S = 5.0


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` in MB from /proc/PID/status (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def slope_per_min(ts: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over ts (seconds), per minute."""
    if len(ts) < 2:
        return 0.0
    mt, my = statistics.fmean(ts), statistics.fmean(ys)
    den = sum((t - mt) ** 2 for t in ts)
    return 0.0 if den == 0 else 60 * sum((t - mt) * (y - my) for t, y in zip(ts, ys, strict=True)) / den


class Workers:
    """The worker processes of one layout, sampled and stopped together (RSS summed over them)."""

    def __init__(self, procs: list[Proc]) -> None:
        self.procs = procs

    def rss(self) -> float:
        return sum(rss_mb(p.proc.pid) for p in self.procs if p.proc)

    def alive(self) -> bool:
        return all(p.alive() for p in self.procs)

    def stop(self) -> None:
        for p in self.procs:
            p.stop()


@dataclass
class Sample:
    t: float
    produced: int
    worker_rss: float
    sink_rss: float
    worker_lag: int
    sink_lag: int


@dataclass
class Summary:
    samples: list[Sample]
    rss: dict[str, dict[str, float]] = field(default_factory=dict)
    max_lag: dict[str, int] = field(default_factory=dict)
    final_lag: dict[str, int] = field(default_factory=dict)
    drain_s: float = 0.0
    acked: int = 0
    sent: int = 0
    failed: int = 0
    alive: bool = True
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30.0, help="how long to produce")
    ap.add_argument("--rate", type=float, default=1000.0, help="events per second")
    ap.add_argument("--warmup-s", type=float, default=30.0, help="RSS growth is measured after this")
    ap.add_argument("--max-rss-growth-mb", type=float, default=64.0)
    ap.add_argument("--max-rss-slope", type=float, default=0.5, help="MB/min, checked on runs >= 10 minutes")
    ap.add_argument("--drain-s", type=float, default=120.0, help="time allowed for the lag to drain at the end")
    ap.add_argument("--lag-tolerance", type=int, default=0)
    ap.add_argument("--csv", type=Path, default=None, help="also write the samples here")
    ap.add_argument("--layout", choices=("fused", "split"), default="fused",
                    help="fused: one worker runs every stage; split: a score+customers worker per partition "
                         "and a windows worker (RSS summed over the workers, lag summed over their groups)")
    ap.add_argument("--partitions", type=int, default=2, help="partitions of every topic (private broker)")
    return ap.parse_args(argv)


@contextlib.contextmanager
def services(partitions: int = 2) -> Iterator[tuple[str, str]]:
    with TansuBroker() as broker, ClickHouseServer() as ch:
        create_topics(broker.bootstrap, topics.ALL, partitions)
        yield broker.bootstrap, ch.url


def run(args: argparse.Namespace, bootstrap: str | None = None, clickhouse_url: str | None = None,
        out: TextIO | None = None) -> Summary:
    """Run the soak; ``bootstrap``/``clickhouse_url`` reuse running services, else private ones start."""
    if bootstrap is None or clickhouse_url is None:
        with services(args.partitions) as (b, c):
            return run(args, b, c, out)
    stream = out or sys.stdout

    def write(line: str) -> None:
        print(line, file=stream, flush=True)

    suffix = uuid.uuid4().hex[:6]
    with tempfile.TemporaryDirectory(prefix="ripple-soak-") as tmp:
        env = pipeline_env(bootstrap, clickhouse_url, Path(tmp) / "data", suffix)
        env["RIPPLE_PARTITIONS"] = str(args.partitions)
        lags = [(f"rw-{suffix}", topics.RAW)]
        if args.layout == "split":
            # Scoring and customers in one process per partition (one consumer group), windows in a
            # process of its own over the scored topic (its own group): RIPPLE_STAGES, as deployed to scale.
            workers = [Proc(["worker"], {**env, "RIPPLE_STAGES": "score,customers",
                                         "RIPPLE_DATA_DIR": str(Path(tmp) / f"data{i}")}, Path(tmp) / f"worker{i}.log")
                       for i in range(args.partitions)]
            workers.append(Proc(["worker"], {**env, "RIPPLE_STAGES": "windows", "RIPPLE_WORKER_ID": f"rw-{suffix}-win",
                                             "RIPPLE_DATA_DIR": str(Path(tmp) / "data-win")},
                                Path(tmp) / "worker-windows.log"))
            lags.append((f"rw-{suffix}-win", topics.SCORED))
        else:
            workers = [Proc(["worker"], env, Path(tmp) / "worker.log")]
        for w in workers:
            w.start()
        worker = Workers(workers)
        sink = Proc(["sink"], env, Path(tmp) / "sink.log").start()
        total = int(args.rate * args.minutes * 60)
        gen = AckedGenerator(Settings(brokers=bootstrap), total=total, rate=args.rate, producer_id=f"soak{suffix}")
        samples: list[Sample] = []
        write("t_s,produced,worker_rss_mb,sink_rss_mb,worker_lag,sink_lag")

        def sample(t0: float) -> Sample:
            s = Sample(time.monotonic() - t0, len(gen.acked),
                       worker.rss(), rss_mb(sink.proc.pid) if sink.proc else 0.0,
                       sum(group_lag(bootstrap, group, topic) for group, topic in lags),
                       group_lag(bootstrap, f"rs-{suffix}", topics.SCORED))
            samples.append(s)
            write(f"{s.t:.1f},{s.produced},{s.worker_rss:.1f},{s.sink_rss:.1f},{s.worker_lag},{s.sink_lag}")
            return s

        alive = True
        drain_started = 0.0
        try:
            t0 = time.monotonic()
            gen.start()
            next_at = t0
            assert gen._thread is not None
            while gen._thread.is_alive():
                next_at += SAMPLE_S
                time.sleep(max(0.0, next_at - time.monotonic()))
                sample(t0)
                alive = alive and worker.alive() and sink.alive()
                if not alive:
                    break
            gen.join(timeout=60)
            drain_started = time.monotonic()
            while alive and time.monotonic() - drain_started < args.drain_s:
                s = sample(t0)
                alive = worker.alive() and sink.alive()
                if s.worker_lag <= args.lag_tolerance and s.sink_lag <= args.lag_tolerance:
                    break
                time.sleep(SAMPLE_S)
        finally:
            worker.stop()
            sink.stop()
            if not alive:
                for p in (*worker.procs, sink):
                    write(f"--- {p.args[0]} log tail ---\n{p.log.read_text(errors='replace')[-2000:]}")

    summary = Summary(samples, drain_s=time.monotonic() - drain_started if drain_started else 0.0,
                      acked=len(gen.acked), sent=total, failed=gen.failed, alive=alive)
    post = [s for s in samples if s.t >= args.warmup_s] or samples[-2:]
    for name in ("worker", "sink"):
        ys = [getattr(s, f"{name}_rss") for s in samples]
        pys = [getattr(s, f"{name}_rss") for s in post]
        end = statistics.fmean(pys[-3:]) if pys else 0.0
        summary.rss[name] = {"start": ys[0] if ys else 0.0, "end": ys[-1] if ys else 0.0, "max": max(ys, default=0.0),
                             "growth": end - (pys[0] if pys else 0.0),
                             "slope": slope_per_min([s.t for s in post], pys)}
        summary.max_lag[name] = max((getattr(s, f"{name}_lag") for s in samples), default=0)
        summary.final_lag[name] = getattr(samples[-1], f"{name}_lag") if samples else -1
        r = summary.rss[name]
        if r["growth"] > args.max_rss_growth_mb:
            summary.failures.append(f"{name} RSS grew {r['growth']:.1f} MB after warm-up (> {args.max_rss_growth_mb})")
        if args.minutes >= 10 and r["slope"] > args.max_rss_slope:
            summary.failures.append(f"{name} RSS slope {r['slope']:.2f} MB/min (> {args.max_rss_slope})")
        if summary.final_lag[name] > args.lag_tolerance:
            summary.failures.append(f"{name} lag {summary.final_lag[name]} after {args.drain_s:.0f}s drain")
    if not alive:
        summary.failures.append("a process died")
    if summary.failed or summary.acked != total:
        summary.failures.append(f"producer: {summary.acked}/{total} acknowledged, {summary.failed} failed")
    if args.csv:
        args.csv.write_text("t_s,produced,worker_rss_mb,sink_rss_mb,worker_lag,sink_lag\n" + "".join(
            f"{s.t:.1f},{s.produced},{s.worker_rss:.1f},{s.sink_rss:.1f},{s.worker_lag},{s.sink_lag}\n"
            for s in samples))
    write(f"\nsoak: {args.minutes:g} min at {args.rate:g} events/s ({args.layout}), "
          f"{summary.acked}/{total} acknowledged, {len(samples)} samples")
    write(f"{'':8}{'RSS start':>10}{'end':>8}{'max':>8}{'growth':>8}{'MB/min':>8}{'max lag':>9}{'final lag':>10}")
    for name in ("worker", "sink"):
        r = summary.rss[name]
        write(f"{name:8}{r['start']:10.1f}{r['end']:8.1f}{r['max']:8.1f}{r['growth']:8.1f}{r['slope']:8.2f}"
              f"{summary.max_lag[name]:9d}{summary.final_lag[name]:10d}")
    verdict = "OK" if summary.ok else "FAILED: " + "; ".join(summary.failures)
    write(f"drained in {summary.drain_s:.1f}s; checks: {verdict}")
    return summary


def main(argv: list[str] | None = None) -> int:
    return 0 if run(parse_args(argv)).ok else 1


if __name__ == "__main__":
    sys.exit(main())
