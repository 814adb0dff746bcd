"""Producer-side throughput: gateway requests/s (real broker, one process), import rows/s, simulator events/s.

Run:  /work/main/.venv/bin/python bench/producers.py [--requests 3000] [--rows 50000] [--events 20000]

Each figure is printed with a baseline measured in the same run on the same machine:
* gateway: POST /v1/reviews (validate + produce + wait for acks=all) vs GET /healthz (the HTTP floor);
  also /v1/batch with 100 records per request, reported as events/s;
* import: full ``run_import`` (CSV parse + validate + produce + ledger) vs parse/validate only;
  and the librdkafka producer vs kafka-python on the same records (why the producers use librdkafka);
* simulator: events/s vs constructing the same RawFeedback objects from ready dicts (the contract floor).
Bounded in count and time (each load phase stops after --seconds) so it fits in about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from producers.adapters.base import AdapterContext  # noqa: E402
from producers.adapters.files import read_paths  # noqa: E402
from producers.importer import run_import  # noqa: E402
from producers.kafka import FastProducer, make_producer  # noqa: E402
from producers.settings import ProducerSettings, hash_api_key  # noqa: E402
from producers.sim.engine import Simulator  # noqa: E402
from ripple import topics  # noqa: E402
from ripple.contracts import Channel, RawFeedback  # noqa: E402
from ripple.dev.procs import free_port, port_open, stop_process, wait_until  # noqa: E402
from ripple.dev.tansu import TansuBroker, create_topics  # noqa: E402

KEY = "bench-key"


def fresh_broker(tmp: Path, name: str) -> TansuBroker:
    b = TansuBroker(log_path=tmp / f"{name}.log").start()
    create_topics(b.bootstrap, topics.ALL, 4)
    return b


def bench_simulator(n: int) -> None:
    sim = Simulator(seed=1, customers=5000)
    t = time.perf_counter()
    events = list(sim.events(n))
    sim_rate = n / (time.perf_counter() - t)
    dicts = [e.model_dump() for e in events]
    t = time.perf_counter()
    for d in dicts:
        RawFeedback(**d)
    floor = n / (time.perf_counter() - t)
    print(
        f"simulator: {sim_rate:,.0f} events/s  (baseline: RawFeedback construction {floor:,.0f}/s; "
        f"ratio {sim_rate / floor:.2f})"
    )


def write_csv(path: Path, rows: int) -> None:
    sim = Simulator(seed=9, customers=3000, channels={Channel.REVIEW: 1.0}, incidents=[])
    src = list(sim.events(1000))
    with path.open("wb") as fh:
        fh.write(b"review_id,stars,title,text,product,url,author,created_at\n")
        for i in range(rows):
            e = src[i % len(src)]
            text = e.text.replace('"', '""')
            fh.write(
                f'r{i},{e.stars},"{e.subject}","{text}",{e.product},https://r.example/{i},u{i % 7919},'
                f"{e.event_time.isoformat()}\n".encode()
            )


def bench_import(rows: int, tmp: Path) -> None:
    csv = tmp / "reviews.csv"
    write_csv(csv, rows)
    ctx = AdapterContext(secret=b"bench", assume_utc=True)
    t = time.perf_counter()
    parsed = [i for i in read_paths([csv], Channel.REVIEW, ctx) if isinstance(i, RawFeedback)]
    parse_rate = rows / (time.perf_counter() - t)
    broker = fresh_broker(tmp, "import")
    try:
        settings = ProducerSettings(brokers=broker.bootstrap, data_dir=tmp / "data")
        s = run_import(
            settings, Channel.REVIEW, [csv], rejects=tmp / "rej.jsonl", ledger=tmp / "ledger.sqlite"
        )
        rate = s.records / s.elapsed_s
        print(
            f"import:    {rate:,.0f} rows/s ({s.accepted} accepted, {s.rejected} rejected) "
            f"(baseline: parse+validate only {parse_rate:,.0f} rows/s; ratio {rate / parse_rate:.2f})"
        )
        again = run_import(
            settings, Channel.REVIEW, [csv], rejects=tmp / "rej.jsonl", ledger=tmp / "ledger.sqlite"
        )
        print(
            f"re-import: {again.records / again.elapsed_s:,.0f} rows/s, {again.accepted} accepted, "
            f"{again.already_imported} already imported"
        )
        sample = parsed[:10_000]
        fast = FastProducer(settings, "bench", linger_ms=50)
        t = time.perf_counter()
        fast.produce_acked(sample, 60)
        fast_rate = len(sample) / (time.perf_counter() - t)
        fast.close()
        slow = make_producer(settings, linger_ms=50, batch_size=1024 * 1024)
        t = time.perf_counter()
        futures = [slow.send(topics.RAW, key=e.customer_id.encode(), value=e.to_json()) for e in sample]
        slow.flush()
        for f in futures:
            f.get(30)
        slow_rate = len(sample) / (time.perf_counter() - t)
        slow.close()
        print(
            f"producer:  librdkafka {fast_rate:,.0f} events/s acked vs kafka-python {slow_rate:,.0f}/s "
            f"(ratio {fast_rate / slow_rate:.1f})"
        )
    finally:
        broker.stop()


def review_body(i: int) -> bytes:
    return orjson.dumps(
        {
            "review_id": f"b{i}",
            "stars": 1 + i % 5,
            "text": "Parcel late, again. Not happy.",
            "author": f"user{i % 997}",
            "created_at": "2026-01-05T10:00:00Z",
        }
    )


def http_request(method: str, path: str, body: bytes = b"") -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: bench\r\nX-API-Key: {KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def load(port: int, requests: list[bytes], concurrency: int, seconds: float) -> tuple[int, float, int]:
    """Send pre-built HTTP/1.1 requests over ``concurrency`` keep-alive connections (raw asyncio streams:
    an HTTP client library would cost more CPU than the server on a 2-core box); returns (done, elapsed,
    non-2xx). Stops after ``seconds`` even if requests remain."""
    next_i, bad, done = [0], [0], [0]
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while next_i[0] < len(requests) and time.perf_counter() < deadline:
                i = next_i[0]
                next_i[0] += 1
                writer.write(requests[i])
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length: *(\d+)", head)
                await reader.readexactly(int(length.group(1)) if length else 0)
                done[0] += 1
                if not head[9:12].startswith(b"2"):
                    bad[0] += 1
        finally:
            writer.close()

    t = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done[0], time.perf_counter() - t, bad[0]


def bench_gateway(requests: int, concurrency: int, seconds: float, tmp: Path) -> None:
    broker = fresh_broker(tmp, "gateway")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIPPLE_")}
    env.update(
        RIPPLE_BROKERS=broker.bootstrap,
        RIPPLE_GATEWAY_API_KEY_HASHES=hash_api_key(KEY),
        RIPPLE_GATEWAY_PORT=str(port),
        RIPPLE_LOG_LEVEL="warning",
        RIPPLE_CUSTOMER_ID_SECRET="bench",
        PYTHONPATH=str(ROOT),
    )
    log = (tmp / "gateway.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ripple", "gateway"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    try:
        wait_until(lambda: port_open(port), 30, "gateway listening")
        n, dt, bad = asyncio.run(
            load(port, [http_request("GET", "/healthz")] * requests, concurrency, seconds)
        )
        floor = n / dt
        reqs = [http_request("POST", "/v1/reviews", review_body(i)) for i in range(requests + 200)]
        asyncio.run(load(port, reqs[:200], concurrency, seconds))  # warm-up: connections, broker metadata
        n, dt, bad = asyncio.run(load(port, reqs[200:], concurrency, seconds))
        rps = n / dt
        print(
            f"gateway:   {rps:,.0f} requests/s POST /v1/reviews, acks=all, {concurrency} connections, "
            f"{n} requests, {bad} non-2xx (baseline: GET /healthz {floor:,.0f}/s; ratio {rps / floor:.2f})"
        )
        batches = [
            http_request(
                "POST",
                "/v1/batch",
                orjson.dumps(
                    {
                        "records": [
                            {"channel": "review", "record": orjson.loads(review_body(10**7 + b * 100 + j))}
                            for j in range(100)
                        ]
                    }
                ),
            )
            for b in range(max(1, requests // 50))
        ]
        n, dt, bad = asyncio.run(load(port, batches, max(2, concurrency // 4), seconds))
        print(
            f"gateway:   {n * 100 / dt:,.0f} events/s via /v1/batch (100 records/request, {n} requests, "
            f"{bad} non-2xx)"
        )
    finally:
        stop_process(proc, deadline=10)
        log.close()
        broker.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=15.0, help="time bound of each load phase")
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--events", type=int, default=20_000)
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="ripple-bench-") as d:
        tmp = Path(d)
        bench_simulator(args.events)
        bench_import(args.rows, tmp)
        bench_gateway(args.requests, args.concurrency, args.seconds, tmp)


if __name__ == "__main__":
    main()
