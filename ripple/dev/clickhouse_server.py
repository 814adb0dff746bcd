"""Start a private ``clickhouse-server`` (Debian's 18.16 package) in a temporary directory.

Free ports, its own data and log paths, a ``default`` user without password on loopback only.
Tests use it as the real server backend; ``ripple demo --clickhouse server`` can use it too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from ripple.dev.procs import free_port, port_open, stop_process, wait_until

CONFIG = """<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{root}/log/server.log</log><errorlog>{root}/log/error.log</errorlog>
    <size>100M</size><count>2</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>{tcp}</tcp_port>
  <http_port>{http}</http_port>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>1073741824</uncompressed_cache_size>
  <mark_cache_size>536870912</mark_cache_size>
  <path>{root}/data/</path>
  <tmp_path>{root}/tmp/</tmp_path>
  <user_files_path>{root}/user_files/</user_files_path>
  <format_schema_path>{root}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
"""

USERS = """<?xml version="1.0"?>
<yandex>
  <profiles>
    <default><max_memory_usage>4000000000</max_memory_usage><load_balancing>random</load_balancing></default>
    <readonly><readonly>1</readonly></readonly>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile><quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
"""


def server_binary() -> str:
    found = shutil.which("clickhouse-server") or shutil.which("clickhouse")
    if not found:
        raise FileNotFoundError(
            "clickhouse-server not found: install Debian's package (apt-get install clickhouse-server)"
        )
    return found


class ClickHouseServer:
    """A throwaway ClickHouse server; ``url`` is a ``clickhouse://`` URL for Ripple's settings."""

    def __init__(self, root: Path | None = None) -> None:
        self._own_root = root is None
        self.root = Path(root or tempfile.mkdtemp(prefix="ripple-ch-"))
        self.tcp_port = free_port()
        self.http_port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"clickhouse://default@127.0.0.1:{self.tcp_port}/default"

    def start(self, timeout: float = 60.0) -> ClickHouseServer:
        for sub in ("log", "data", "tmp", "user_files", "format_schemas"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "config.xml").write_text(CONFIG.format(root=self.root, tcp=self.tcp_port, http=self.http_port))
        (self.root / "users.xml").write_text(USERS)
        binary = server_binary()
        cmd = [binary] if binary.endswith("clickhouse-server") else [binary, "server"]
        cmd += [f"--config-file={self.root / 'config.xml'}"]
        out = open(self.root / "log" / "stdout.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, cwd=self.root, stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                     start_new_session=True)

        def ready() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                log = (self.root / "log" / "error.log")
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"clickhouse-server exited with {self.proc.returncode}: {tail}")
            return port_open(self.tcp_port)

        try:
            wait_until(ready, timeout, "clickhouse-server to listen", interval=0.1)
        except BaseException:
            self.stop()
            raise
        return self

    def pause(self) -> None:
        """SIGSTOP: the server stops answering but keeps its state (an outage without data loss)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGCONT)

    def stop(self, remove: bool = True) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGCONT)
            stop_process(self.proc, deadline=20)
            self.proc = None
        if remove and self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def restart(self, timeout: float = 60.0) -> None:
        """Stop and start on the same ports and data (a real outage)."""
        self.stop(remove=False)
        self.start(timeout)

    def __enter__(self) -> ClickHouseServer:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
