"""``ripple sink --processes N``: N sink processes in one consumer group, started and stopped together.

Why: one sink process is CPU-bound under the GIL (~25-30 us of CPU per row on the development
machine; see sinks/README.md), so throughput scales out by partitions: each process owns a share of
the topics' partitions through the consumer group, with the same exactness (its own deterministic
batches, dedup, commits after inserts). Spawned, not forked: librdkafka and the ClickHouse client
must not be copied into a child. If one process dies, the others are stopped and the command exits
non-zero, so the service manager restarts the whole set (uncommitted records are read again).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
from typing import Any

from ripple.settings import Settings

log = logging.getLogger("ripple.sink")


def _child(settings: Settings, url: str, stop: Any, index: int) -> None:
    """One sink process: the single-process sink, stopped by the parent through ``stop``."""
    from sinks.clickhouse import connect
    from sinks.writer import Sink, tune_gc

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(
        level=settings.log_level.upper(), format=f"%(asctime)s %(levelname)s sink[{index}] %(name)s %(message)s"
    )
    if settings.metrics_port:  # one /metrics port per process
        settings = settings.model_copy(update={"metrics_port": settings.metrics_port + index})
    secret = settings.clickhouse_password
    sink = Sink(settings, connect(url, secret.get_secret_value() if secret else None))
    def relay() -> None:
        stop.wait()
        sink.stop_event.set()

    threading.Thread(target=relay, name="ripple-sink-stop", daemon=True).start()
    tune_gc()
    sink.run()


def run_processes(settings: Settings, url: str, n: int, stop: threading.Event) -> int:
    """Run ``n`` sink processes until ``stop`` is set or one of them exits; returns the exit code."""
    ctx = multiprocessing.get_context("spawn")
    child_stop = ctx.Event()
    procs = [
        ctx.Process(target=_child, args=(settings, url, child_stop, i), name=f"ripple-sink-{i}") for i in range(n)
    ]
    for p in procs:
        p.start()
    while not stop.is_set() and all(p.is_alive() for p in procs):
        stop.wait(0.5)
    died = [p for p in procs if not p.is_alive() and p.exitcode != 0]
    for p in died:
        log.error("sink process %s exited with %s; stopping the others", p.name, p.exitcode)
    child_stop.set()
    for p in procs:
        p.join(60)
        if p.is_alive():
            log.error("sink process %s did not stop in 60 s; terminating it", p.name)
            p.terminate()
            p.join(10)
    return 1 if died or any(p.exitcode != 0 for p in procs) else 0
