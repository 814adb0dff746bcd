"""Session fixtures for real parts: a Tansu broker and a private clickhouse-server (Debian 18.16).

Nothing is mocked. If clickhouse-server is missing the session fails loudly (CI installs it; see
.ci/run) instead of skipping.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ripple import topics
from ripple.dev.clickhouse_server import ClickHouseServer
from ripple.dev.procs import stop_process, wait_until
from ripple.dev.tansu import TansuBroker, create_topics
from ripple.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[TansuBroker]:
    """A private Tansu broker per test (starts in ~0.3 s) with Ripple's topics, 2 partitions each."""
    with TansuBroker(log_path=tmp_path / "tansu.log") as b:
        create_topics(b.bootstrap, topics.ALL, 2)
        yield b


@pytest.fixture(scope="session")
def clickhouse_server() -> Iterator[ClickHouseServer]:
    with ClickHouseServer() as server:
        yield server


@pytest.fixture
def unique() -> str:
    """A short unique suffix for topic, group and database names so tests never share state."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def server_db(clickhouse_server: ClickHouseServer, unique: str) -> Iterator[str]:
    """A fresh database on the session's ClickHouse server; yields its clickhouse:// URL."""
    from clickhouse_driver import Client

    db = f"t_{unique}"
    client = Client(host="127.0.0.1", port=clickhouse_server.tcp_port)
    client.execute(f"CREATE DATABASE {db}")
    yield f"clickhouse://default@127.0.0.1:{clickhouse_server.tcp_port}/{db}"
    client.execute(f"DROP DATABASE IF EXISTS {db}")
    client.disconnect()


@pytest.fixture
def chdb_url(tmp_path: Path) -> str:
    return f"chdb://{tmp_path / 'chdb'}"


@pytest.fixture(params=["server", "chdb"])
def clickhouse_url(request: pytest.FixtureRequest) -> str:
    """Parametrises a test over both ClickHouse backends."""
    name = "server_db" if request.param == "server" else "chdb_url"
    return str(request.getfixturevalue(name))


class Worker:
    """A faust worker in a child process (its own session) with a log file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        out = open(self.log, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "ripple", "worker"], env=self.env, cwd=ROOT,
                                     stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, deadline: float = 15) -> int | None:
        if self.proc is None:
            return None
        code = stop_process(self.proc, deadline=deadline)
        self.proc = None
        return code

    def tail(self, n: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""


@pytest.fixture
def worker_env(broker: TansuBroker, tmp_path: Path, unique: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIPPLE_")}
    env.update({
        "RIPPLE_BROKERS": broker.bootstrap,
        "RIPPLE_DATA_DIR": str(tmp_path / "data"),
        "RIPPLE_WORKER_ID": f"w-{unique}",
        "RIPPLE_PARTITIONS": "2",
        "PYTHONPATH": str(ROOT),
    })
    return env


@pytest.fixture
def start_worker(worker_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(**extra_env: str) -> Worker:
        w = Worker({**worker_env, **extra_env}, tmp_path / f"worker{len(started)}.log").start()
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()


@pytest.fixture
def settings(broker: TansuBroker, unique: str, tmp_path: Path) -> Settings:
    return Settings(brokers=broker.bootstrap, partitions=2, data_dir=tmp_path / "data",
                    worker_id=f"w-{unique}", sink_group=f"sink-{unique}", sink_batch_seconds=0.3)


def consume_all(bootstrap: str, topic: str, expected: int, timeout: float = 60) -> list[Any]:
    """Read ``topic`` from the beginning until ``expected`` records arrived (no consumer group)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    parts = consumer.partitions_for_topic(topic) or set()
    tps = [TopicPartition(topic, p) for p in parts]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    out: list[Any] = []

    def enough() -> bool:
        for msgs in consumer.poll(timeout_ms=200).values():
            out.extend(msgs)
        return len(out) >= expected

    try:
        wait_until(enough, timeout, f"{expected} records on {topic}", interval=0)
    finally:
        consumer.close()
    return out
