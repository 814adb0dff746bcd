"""ALTER ... DELETE/UPDATE mutations, waited for the same way on 18.16 and on current servers.

Mutations are asynchronous; 18.16 has no ``mutations_sync`` setting, so completion is observed in
``system.mutations`` on every server (one code path, tested on both backends).
"""

from __future__ import annotations

import time

from sinks.clickhouse.backend import Backend, ClickHouseError


def pending_mutations(backend: Backend, tables: list[str] | tuple[str, ...]) -> int:
    if not tables:
        return 0
    rows = backend.query(
        "SELECT count() FROM system.mutations WHERE database = currentDatabase() AND is_done = 0 "
        "AND has(%(tables)s, table)",
        {"tables": list(tables)},
    )
    return int(rows[0][0])


def wait_mutations(backend: Backend, tables: list[str] | tuple[str, ...], timeout: float = 300.0) -> None:
    """Block until the mutations on ``tables`` finished; raise ClickHouseError on timeout."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while pending_mutations(backend, tables):
        if time.monotonic() > deadline:
            raise ClickHouseError(f"mutations on {', '.join(tables)} not finished after {timeout:.0f}s")
        time.sleep(delay)  # polling a server-side state: there is nothing to await on
        delay = min(delay * 2, 1.0)
