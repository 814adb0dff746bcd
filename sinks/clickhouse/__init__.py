"""ClickHouse: backends (server via clickhouse-driver, in-process chDB), schema and the batched writer."""

from sinks.clickhouse.backend import Backend, ChdbBackend, ClickHouseError, DriverBackend, connect

__all__ = ["Backend", "ChdbBackend", "ClickHouseError", "DriverBackend", "connect"]
