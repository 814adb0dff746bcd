"""Two ClickHouse backends behind one small interface.

* ``clickhouse://user:pass@host:9000/db`` — a ClickHouse server over the native protocol
  (clickhouse-driver). Production, and Debian's 18.16 server in tests.
* ``chdb://PATH`` — chDB, ClickHouse in-process with its data in PATH: the embedded default so a
  laptop needs no server. Only one process may open a chDB path at a time.

Queries take ``%(name)s`` parameters escaped by clickhouse-driver's own escaping on both backends,
so no SQL is ever assembled from untrusted strings by hand.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

import orjson


class ClickHouseError(RuntimeError):
    """A query or insert failed; ``retryable`` is True for connection-level failures."""

    def __init__(self, message: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class Backend(Protocol):
    name: str

    def version(self) -> tuple[int, ...]: ...

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None: ...

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]: ...

    def query_dicts(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]: ...

    def insert(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        dedup_token: str | None = None,
    ) -> None: ...

    def close(self) -> None: ...


def _escape(sql: str, params: dict[str, Any] | None) -> str:
    if not params:
        return sql
    from clickhouse_driver.util.escape import escape_params

    ctx = SimpleNamespace(server_info=SimpleNamespace(get_timezone=lambda: "UTC"))
    return str(sql % escape_params(params, ctx))


def _parse_version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.strip().strip('"').split(".") if p.isdigit())


class DriverBackend:
    """A ClickHouse server via clickhouse-driver (native protocol, columnar inserts)."""

    name = "server"

    def __init__(self, url: str, password: str | None = None) -> None:
        from clickhouse_driver import Client

        self._url = url
        self._password = password
        self._client: Any = Client.from_url(url)
        if password is not None:
            self._client.connection.password = password
        self._version: tuple[int, ...] | None = None
        self._lock = threading.Lock()

    def _run(self, sql: str, params: dict[str, Any] | list[Any] | None = None, **kw: Any) -> Any:
        from clickhouse_driver import errors

        with self._lock:
            try:
                return self._client.execute(sql, params, **kw)
            except (errors.NetworkError, errors.SocketTimeoutError, OSError, EOFError) as exc:
                self._client.disconnect()
                raise ClickHouseError(f"ClickHouse unreachable: {exc}", retryable=True) from exc
            except errors.ServerException as exc:
                raise ClickHouseError(str(exc).split("\n")[0][:500]) from exc
            except errors.Error as exc:
                self._client.disconnect()
                raise ClickHouseError(f"ClickHouse client error: {exc}", retryable=True) from exc

    def version(self) -> tuple[int, ...]:
        if self._version is None:
            self._version = _parse_version(self._run("SELECT version()")[0][0])
        return self._version

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        self._run(sql, params)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return list(self._run(sql, params))

    def query_dicts(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        rows, cols = self._run(sql, params, with_column_types=True)
        names = [c[0] for c in cols]
        return [dict(zip(names, r, strict=True)) for r in rows]

    def insert(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], dedup_token: str | None = None
    ) -> None:
        if not rows:
            return
        settings: dict[str, Any] = {}
        if dedup_token and self.version() >= (22, 2):
            settings["insert_deduplication_token"] = dedup_token
        cols = ", ".join(f"`{c}`" for c in columns)
        self._run(f"INSERT INTO {table} ({cols}) VALUES", list(rows), settings=settings)

    def close(self) -> None:
        self._client.disconnect()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


class ChdbBackend:
    """chDB: ClickHouse in-process, data kept under a directory."""

    name = "chdb"

    def __init__(self, path: str | Path) -> None:
        from chdb import session

        Path(path).mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self._session: Any = session.Session(self.path)  # type: ignore[no-untyped-call]
        self._lock = threading.Lock()
        self._version: tuple[int, ...] | None = None

    def _raw(self, sql: str, fmt: str = "CSV") -> Any:
        with self._lock:
            try:
                result = self._session.query(sql, fmt)
            except Exception as exc:  # chDB raises plain RuntimeError for SQL errors
                raise ClickHouseError(str(exc).split("\n")[0][:500]) from exc
        if getattr(result, "has_error", lambda: False)():
            raise ClickHouseError(result.error_message()[:500])
        return result

    def version(self) -> tuple[int, ...]:
        if self._version is None:
            self._version = _parse_version(self._raw("SELECT version()").data())
        return self._version

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        self._raw(_escape(sql, params))

    def query_dicts(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        result = self._raw(_escape(sql, params), "JSON")
        text = result.bytes() if hasattr(result, "bytes") else result.data().encode()
        if not text.strip():
            return []
        payload = orjson.loads(text)
        return list(payload.get("data", []))

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        result = self._raw(_escape(sql, params), "JSONCompact")
        text = result.bytes() if hasattr(result, "bytes") else result.data().encode()
        if not text.strip():
            return []
        payload = orjson.loads(text)
        return [tuple(r) for r in payload.get("data", [])]

    def insert(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], dedup_token: str | None = None
    ) -> None:
        if not rows:
            return
        body = b"\n".join(
            orjson.dumps(dict(zip(columns, r, strict=True)), default=_json_default) for r in rows
        )
        settings = ""
        if dedup_token:
            settings = " SETTINGS insert_deduplication_token = " + _escape("%(t)s", {"t": dedup_token})
        cols = ", ".join(f"`{c}`" for c in columns)
        self._raw(f"INSERT INTO {table} ({cols}){settings} FORMAT JSONEachRow\n" + body.decode())

    def close(self) -> None:
        with self._lock:
            self._session.close()


def connect(url: str, password: str | None = None) -> Backend:
    """Open a backend from a ``clickhouse://`` or ``chdb://`` URL (see module docstring)."""
    parsed = urlparse(url)
    if parsed.scheme == "chdb":
        path = unquote(parsed.netloc + parsed.path) or ".ripple/chdb"
        return ChdbBackend(path)
    if parsed.scheme in ("clickhouse", "clickhouses"):
        return DriverBackend(url, password)
    raise ValueError(f"unsupported ClickHouse URL scheme {parsed.scheme!r}: use clickhouse://... or chdb://PATH")
