"""A real gateway: uvicorn on a free loopback port in a thread, producing to the test's Tansu broker."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from producers.gateway import create_app
from producers.settings import ProducerSettings, hash_api_key
from ripple.dev.procs import free_port, wait_until
from ripple.dev.tansu import TansuBroker

API_KEY = "test-key-7d1c0f"


@dataclass
class Gateway:
    url: str
    settings: ProducerSettings
    server: uvicorn.Server

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": API_KEY}


def producer_settings(broker: TansuBroker, tmp_path: Path, **extra: object) -> ProducerSettings:
    values: dict[str, object] = {
        "brokers": broker.bootstrap,
        "partitions": 2,
        "data_dir": tmp_path / "data",
        "gateway_api_key_hashes": hash_api_key(API_KEY) + "," + hash_api_key("second-key"),
        "customer_id_secret": "test-secret",
        "gateway_produce_timeout_s": 5,
    }
    return ProducerSettings(**{**values, **extra})  # type: ignore[arg-type]


def serve(settings: ProducerSettings, log_level: str = "warning") -> Iterator[Gateway]:
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level=log_level, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, 30, "gateway started")
    try:
        yield Gateway(f"http://127.0.0.1:{port}", settings, server)
    finally:
        server.should_exit = True
        thread.join(15)


@pytest.fixture
def gateway(broker: TansuBroker, tmp_path: Path) -> Iterator[Gateway]:
    yield from serve(producer_settings(broker, tmp_path))
