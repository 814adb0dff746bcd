"""``ripple demo``: the whole pipeline on one machine with no external services.

Tansu broker -> faust worker (subprocess) -> ClickHouse sink (thread, chDB by default) fed by the
simulator (subprocess). Every child runs in its own session and is stopped with a deadline, so
Ctrl-C never leaves orphans even when faust hangs on shutdown.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from ripple import topics
from ripple.dev.procs import stop_process
from ripple.dev.tansu import TansuBroker, create_topics
from ripple.settings import Settings


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = open(log, "ab")  # noqa: SIM115 - the child owns it
    return subprocess.Popen([sys.executable, "-m", "ripple", *args], env=env, stdout=out, stderr=out,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def run_demo(settings: Settings, rate: float, seconds: float, clickhouse: str | None,
             preview_port: int = 8050) -> int:
    from sinks.clickhouse import connect
    from sinks.clickhouse.schema import migrate
    from sinks.writer import FeedbackSink

    started = time.monotonic()
    data = settings.data_dir.resolve()
    data.mkdir(parents=True, exist_ok=True)
    url = clickhouse or settings.clickhouse_url
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    children: list[subprocess.Popen[bytes]] = []
    broker = TansuBroker(log_path=data / "tansu.log")
    sink: Any = None
    sink_thread: threading.Thread | None = None
    preview: Any = None
    try:
        print(f"ripple demo: data and logs in {data}", flush=True)
        broker.start()
        create_topics(broker.bootstrap, topics.ALL, settings.partitions)
        print(f"  broker      Tansu on {broker.bootstrap} (topics: {', '.join(topics.ALL)})", flush=True)
        backend = connect(url)
        migrate(backend)
        print(f"  clickhouse  {url} (table feedback_events)", flush=True)
        env = {**os.environ, "RIPPLE_BROKERS": broker.bootstrap, "RIPPLE_DATA_DIR": str(data),
               "RIPPLE_CLICKHOUSE_URL": url}
        children.append(_spawn(["worker"], env, data / "worker.log"))
        print(f"  worker      faust, pid {children[-1].pid}, log {data / 'worker.log'}", flush=True)
        sink_settings = settings.model_copy(update={"brokers": broker.bootstrap})
        sink = FeedbackSink(sink_settings, backend)
        sink_thread = threading.Thread(target=sink.run, name="sink", daemon=True)
        sink_thread.start()
        from dashboards.preview.server import serve_preview

        preview = serve_preview(backend, "127.0.0.1", preview_port)  # shares the sink's chDB handle
        print(f"  dashboard   live preview on {preview.url}", flush=True)
        # Live multilingual traffic: event time follows the wall clock (--speed 1) so windows, spikes and
        # SLA timers behave as in production, at ``rate`` events/s on average.
        children.append(_spawn(["simulate", "--count", "0", "--speed", "1", "--start", "now",
                                "--rate-per-hour", str(rate * 3600)], env, data / "producer.log"))
        print(f"  simulator   {rate:g} events/s in en, el, ru, hy, ta (live clock), log {data / 'producer.log'}",
              flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        first_row: float | None = None
        last = -1
        while not stop.wait(1.0):
            for child in children:
                if child.poll() is not None:
                    print(f"ripple demo: a child exited with {child.returncode}; see logs in {data}", flush=True)
                    return 1
            count = int(backend.query("SELECT count() FROM feedback_events")[0][0])
            if count and first_row is None:
                first_row = time.monotonic() - started
                print(f"first row in ClickHouse after {first_row:.1f}s", flush=True)
            if count != last:
                print(f"rows in ClickHouse: {count}", flush=True)
                last = count
            if seconds and time.monotonic() - started >= seconds:
                break
        return 0
    finally:
        print("stopping...", flush=True)
        if preview is not None:
            preview.close()
        for child in reversed(children):
            stop_process(child, deadline=10)
        if sink is not None and sink_thread is not None:
            sink.stop_event.set()
            sink_thread.join(timeout=15)
        broker.stop()
        print("stopped.", flush=True)
