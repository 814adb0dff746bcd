"""Two ClickHouse backends behind one small interface.

* ``clickhouse://user:pass@host:9000/db`` — a ClickHouse server over the native protocol
  (clickhouse-driver). Production, and Debian's 18.16 server in tests.
* ``chdb://PATH`` — chDB, ClickHouse in-process with its data in PATH: the embedded default so a
  laptop needs no server. Only one process may open a chDB path at a time.

Queries take ``%(name)s`` parameters escaped by clickhouse-driver's own escaping on both backends,
so no SQL is ever assembled from untrusted strings by hand.
"""

from __future__ import annotations

import re
import struct
import threading
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar, Protocol
from urllib.parse import unquote, urlparse

import orjson

# Server error codes that mean "these rows are bad" (the same insert will fail forever): the
# writer isolates the offending rows and dead-letters them. Every other failure (network, memory,
# too many parts, read-only, a missing table after a bad deploy) is retried with backoff, since
# dead-lettering a whole stream because of a transient or operator problem would be worse.
DATA_ERROR_CODES = frozenset(
    {
        6,  # CANNOT_PARSE_TEXT
        26,  # CANNOT_PARSE_QUOTED_STRING
        27,  # CANNOT_PARSE_INPUT_ASSERTION_FAILED
        32,  # ATTEMPT_TO_READ_AFTER_EOF
        33,  # CANNOT_READ_ALL_DATA
        38,  # CANNOT_PARSE_DATE
        41,  # CANNOT_PARSE_DATETIME
        53,  # TYPE_MISMATCH
        69,  # ARGUMENT_OUT_OF_BOUND
        70,  # CANNOT_CONVERT_TYPE
        72,  # CANNOT_PARSE_NUMBER
        117,  # INCORRECT_DATA
        131,  # TOO_LARGE_STRING_SIZE
        321,  # VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
        349,  # CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
        407,  # DECIMAL_OVERFLOW
    }
)

_CODE = re.compile(r"Code:\s*(\d+)")


class ClickHouseError(RuntimeError):
    """A query or insert failed.

    ``retryable`` is True when trying again later may succeed (connection lost, server busy);
    ``data_error`` is True when the rows themselves were rejected, so retrying is pointless.
    ``code`` is the server's error code when known.
    """

    def __init__(
        self, message: str, retryable: bool = False, code: int | None = None, data_error: bool = False
    ) -> None:
        super().__init__(message)
        self.code = code
        self.data_error = data_error
        self.retryable = retryable and not data_error

    @classmethod
    def from_server(cls, message: str, code: int | None) -> ClickHouseError:
        """Classify a server-side failure by its code (parsed from the message if not given)."""
        if code is None:
            m = _CODE.search(message)
            code = int(m.group(1)) if m else None
        data = code in DATA_ERROR_CODES
        return cls(message, retryable=not data, code=code, data_error=data)


class Columns:
    """Rows held column by column: what the sink's fast path builds and what the drivers send.

    Sliceable and sized like a list of rows, so the writer bisects a rejected batch the same way.
    ``DateTime`` columns may hold epoch seconds (ints), which both backends take as they are.
    """

    __slots__ = ("data",)

    def __init__(self, data: list[list[Any]]) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data[0]) if self.data else 0

    def __getitem__(self, index: slice) -> Columns:
        return Columns([col[index] for col in self.data])

    def rows(self) -> list[tuple[Any, ...]]:
        return list(zip(*self.data, strict=True))


Rows = Sequence[Sequence[Any]] | Columns
"""What ``Backend.insert`` takes: row tuples or :class:`Columns`."""


def _column_lists(rows: Rows) -> list[list[Any]]:
    if isinstance(rows, Columns):
        return rows.data
    return [list(col) for col in zip(*rows, strict=True)]


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
        rows: Rows,
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

    # Short socket timeouts so a hung server (SIGSTOP, network partition) surfaces as a retryable
    # error within seconds instead of clickhouse-driver's 300 s default; a URL query parameter of
    # the same name overrides each.
    TIMEOUTS: ClassVar[dict[str, float]] = {
        "connect_timeout": 3.0,
        "send_receive_timeout": 30.0,
        "sync_request_timeout": 5.0,
    }

    def __init__(self, url: str, password: str | None = None) -> None:
        from urllib.parse import parse_qs

        from clickhouse_driver import Client

        self._url = url
        self._password = password
        self._client: Any = Client.from_url(url)
        given = parse_qs(urlparse(url).query)
        for name, value in self.TIMEOUTS.items():
            if name not in given:
                setattr(self._client.connection, name, value)
        if password is not None:
            self._client.connection.password = password
        self._version: tuple[int, ...] | None = None
        self._lock = threading.Lock()

    def _run(self, sql: str, params: Any = None, **kw: Any) -> Any:
        from clickhouse_driver import errors

        with self._lock:
            try:
                return self._client.execute(sql, params, **kw)
            except (errors.NetworkError, errors.SocketTimeoutError, OSError, EOFError) as exc:
                self._client.disconnect()
                raise ClickHouseError(f"ClickHouse unreachable: {exc}", retryable=True) from exc
            except errors.ServerException as exc:
                raise ClickHouseError.from_server(" ".join(str(exc).split("\n")[:2])[:500], exc.code) from exc
            except (
                errors.TypeMismatchError,
                errors.TooLargeStringSize,
                TypeError,
                ValueError,
                OverflowError,
                struct.error,
                AttributeError,
            ) as exc:
                # The driver could not encode a value: the rows are bad. The connection may hold a
                # half-sent block, which the server discards when we drop it.
                self._client.disconnect()
                raise ClickHouseError(f"rows rejected by the client encoder: {exc}", data_error=True) from exc
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
        self,
        table: str,
        columns: Sequence[str],
        rows: Rows,
        dedup_token: str | None = None,
    ) -> None:
        if not len(rows):
            return
        settings: dict[str, Any] = {}
        if dedup_token and self.version() >= (22, 2):
            settings["insert_deduplication_token"] = dedup_token
        cols = ", ".join(f"`{c}`" for c in columns)
        # Columnar: one Python list per column, which the driver encodes far faster than rows.
        data = _column_lists(rows)
        self._run(f"INSERT INTO {table} ({cols}) VALUES", data, settings=settings, columnar=True)

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
                raise ClickHouseError.from_server(str(exc).split("\n")[0][:500], None) from exc
        if getattr(result, "has_error", lambda: False)():
            raise ClickHouseError.from_server(result.error_message()[:500], None)
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
        self,
        table: str,
        columns: Sequence[str],
        rows: Rows,
        dedup_token: str | None = None,
    ) -> None:
        if not len(rows):
            return
        # JSONColumns: one JSON object of column arrays, serialised by orjson in one call; naive
        # datetimes come out as ISO 8601, which best_effort parsing reads as UTC (server timezone).
        try:
            body = orjson.dumps(
                dict(zip(columns, _column_lists(rows), strict=True)),
                default=_json_default,
            )
        except (TypeError, ValueError) as exc:
            raise ClickHouseError(f"rows rejected by the encoder: {exc}", data_error=True) from exc
        settings = " SETTINGS date_time_input_format = 'best_effort'"
        if dedup_token:
            settings += ", insert_deduplication_token = " + _escape("%(t)s", {"t": dedup_token})
        cols = ", ".join(f"`{c}`" for c in columns)
        self._raw(f"INSERT INTO {table} ({cols}){settings} FORMAT JSONColumns\n" + body.decode())

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
    raise ValueError(
        f"unsupported ClickHouse URL scheme {parsed.scheme!r}: use clickhouse://... or chdb://PATH"
    )
