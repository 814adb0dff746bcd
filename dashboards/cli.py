"""``ripple dashboard``: serve the live preview of the Grafana dashboards against ClickHouse."""

from __future__ import annotations

import threading
from typing import Annotated
from urllib.parse import urlparse

import typer


def _redact(url: str) -> str:
    """The URL without its password, for printing."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    return parsed._replace(netloc=parsed.netloc.replace(f":{parsed.password}@", ":***@")).geturl()


def dashboard_cmd(
    clickhouse: Annotated[str | None, typer.Option(help="ClickHouse URL (default: RIPPLE_CLICKHOUSE_URL).")] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on (the page has no login: keep it local).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0 = any free port).", min=0, max=65535)] = 8050,
) -> None:
    """Serve the dashboards' panels live (same JSON and SQL as Grafana) from the configured ClickHouse.

    A chDB directory opens in one process only: while `ripple demo` runs, use the preview it starts.
    """
    from dashboards.preview.server import serve_preview
    from ripple.cli import _on_signals, fail
    from ripple.settings import get_settings
    from sinks.clickhouse import connect

    settings = get_settings()
    url = clickhouse or settings.clickhouse_url
    password = settings.clickhouse_password.get_secret_value() if settings.clickhouse_password else None
    try:
        backend = connect(url, password)
        backend.version()
    except Exception as exc:
        hint = ""
        if url.startswith("chdb://"):
            hint = " (a chDB directory opens in one process only: while `ripple demo` runs, use the preview it prints)"
        fail(f"cannot open ClickHouse at {_redact(url)}: {exc}{hint}")
        return
    try:
        server = serve_preview(backend, host, port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc}")
        return
    typer.echo(f"ripple dashboard: {server.url} (ClickHouse {_redact(url)}); Ctrl-C stops")
    stop = threading.Event()
    _on_signals(stop)
    stop.wait()
    server.close()
    backend.close()
