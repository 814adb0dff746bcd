"""``ripple dashboard``: a live preview of the Grafana dashboards, served by Ripple itself.

It renders the same panels from the same dashboard JSON as Grafana: each panel's SQL goes through
:mod:`dashboards.macros` (the expander the tests use) and runs on the configured ClickHouse, chDB or
server. The page (``static/``) draws the charts itself as SVG and refreshes every few seconds, so a
laptop running ``ripple demo`` sees live dashboards without Grafana, and nothing loads from a CDN.

A chDB directory can be opened by one process only, so the server takes an already open
:class:`~sinks.clickhouse.backend.Backend` and runs in a thread of the process that owns it
(``ripple demo`` passes the sink's backend).
"""

from __future__ import annotations

import logging
import mimetypes
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import orjson

from dashboards.catalog import (
    CLICKHOUSE_TYPE,
    Dashboard,
    Target,
    context_for,
    latest_event_time,
    load_dashboards,
    run_target,
    variable_options,
)
from dashboards.macros import ALL, interval_for
from sinks.clickhouse.backend import Backend, ClickHouseError

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
RANGES: dict[str, timedelta] = {
    "15m": timedelta(minutes=15), "1h": timedelta(hours=1), "6h": timedelta(hours=6),
    "24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30),
}
DEFAULT_RANGE = "1h"
MAX_VALUES_PER_VARIABLE = 50
MAX_VALUE_CHARS = 200
REFRESH_SECONDS = 5


class PreviewError(ValueError):
    """A bad request parameter (answered with 400 and the message)."""


class Preview:
    """Answers the page's JSON requests: dashboards, variables, and each panel's rows."""

    def __init__(self, backend: Backend, dashboards: Sequence[Dashboard] | None = None,
                 clock: Any = None) -> None:
        self.backend = backend
        self.dashboards = {d.uid: d for d in (dashboards if dashboards is not None else load_dashboards())}
        self._now = clock or (lambda: datetime.now(UTC))

    def index(self) -> list[dict[str, Any]]:
        return [{"uid": d.uid, "title": d.title, "description": d.description, "preview": d.clickhouse}
                for d in self.dashboards.values()]

    def time_range(self, range_key: str, anchor: str) -> tuple[datetime, datetime]:
        """``anchor=now`` is Grafana's "last N"; ``latest`` ends at the newest event, for replayed
        or simulated data whose event times are not today's (the default: ``auto`` picks ``now``
        when the newest event is recent, else ``latest``)."""
        if range_key not in RANGES:
            raise PreviewError(f"range must be one of {', '.join(RANGES)}")
        if anchor not in ("auto", "now", "latest"):
            raise PreviewError("anchor must be auto, now or latest")
        span = RANGES[range_key]
        now = self._now()
        end = now
        if anchor != "now":
            newest = latest_event_time(self.backend)
            if newest is not None and (anchor == "latest" or newest < now - span):
                end = newest + timedelta(seconds=1)
        return end - span, end

    def render(self, uid: str, params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        dash = self.dashboards.get(uid)
        if dash is None:
            raise KeyError(uid)
        range_key = (params.get("range") or [DEFAULT_RANGE])[0]
        anchor = (params.get("anchor") or ["auto"])[0]
        selected: dict[str, list[str]] = {}
        for var in dash.variables:
            values = [v for raw in params.get(f"var-{var.name}", []) for v in raw.split(",") if v]
            if len(values) > MAX_VALUES_PER_VARIABLE or any(len(v) > MAX_VALUE_CHARS for v in values):
                raise PreviewError(f"too many or too long values for ${var.name}")
            selected[var.name] = values or [ALL]
        out: dict[str, Any] = {"uid": dash.uid, "title": dash.title, "description": dash.description,
                               "refresh_s": REFRESH_SECONDS, "range": range_key, "anchor": anchor,
                               "ranges": list(RANGES), "panels": [], "variables": [], "annotations": []}
        if not dash.clickhouse:
            out["error"] = "this dashboard reads Prometheus: open it in Grafana"
            return out
        try:
            time_from, time_to = self.time_range(range_key, anchor)
            options = variable_options(self.backend, dash, time_from, time_to)
        except ClickHouseError as exc:
            out["error"] = str(exc)
            return out
        interval = interval_for(time_from, time_to, max_points=60)
        out.update({"from": int(time_from.timestamp() * 1000), "to": int(time_to.timestamp() * 1000),
                    "interval_s": interval})
        out["variables"] = [{"name": v.name, "label": v.label, "options": options.get(v.name, []),
                             "selected": selected[v.name]} for v in dash.variables]
        ctx = context_for(dash, time_from, time_to, interval, selected, options)
        for panel in dash.panels:
            item: dict[str, Any] = {"id": panel.id, "title": panel.title, "type": panel.type,
                                    "description": panel.description, "unit": panel.unit,
                                    "grid": dict(panel.grid), "rows": [], "error": None}
            try:
                for target in panel.targets:
                    item["rows"].extend(run_target(self.backend, target, ctx))
            except ClickHouseError as exc:
                item["error"] = str(exc)
            out["panels"].append(item)
        for ann in dash.annotations:
            if ann.datasource_type != CLICKHOUSE_TYPE:
                continue
            try:
                rows = run_target(self.backend, Target("ann", CLICKHOUSE_TYPE, ann.sql, "table"), ctx)
                out["annotations"].append({"name": ann.name, "rows": rows, "error": None})
            except ClickHouseError as exc:
                out["annotations"].append({"name": ann.name, "rows": [], "error": str(exc)})
        return out


def _handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "ripple-preview"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("preview: " + format, *args)

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: Any) -> None:
            self._send(status, orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY), "application/json")

        def do_GET(self) -> None:
            url = urlparse(self.path)
            path = url.path
            try:
                if path in ("/", "/index.html"):
                    self._static("index.html")
                elif path.startswith("/static/"):
                    self._static(path[len("/static/"):])
                elif path == "/healthz":
                    self._json(200, {"ok": True})
                elif path == "/api/dashboards":
                    self._json(200, preview.index())
                elif path.startswith("/api/dashboards/"):
                    uid = path[len("/api/dashboards/"):]
                    self._json(200, preview.render(uid, parse_qs(url.query)))
                else:
                    self._json(404, {"error": "not found"})
            except KeyError:
                self._json(404, {"error": "no such dashboard"})
            except PreviewError as exc:
                self._json(400, {"error": str(exc)})
            except Exception as exc:  # a broken request must not kill the server thread
                log.exception("preview request failed")
                self._json(500, {"error": f"{type(exc).__name__}: {exc}"})

        def _static(self, name: str) -> None:
            files = {p.name: p for p in STATIC_DIR.iterdir() if p.is_file()}
            if name not in files:  # a fixed set of names: no path traversal
                self._json(404, {"error": "not found"})
                return
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if kind.startswith("text/") or kind.endswith("javascript"):
                kind += "; charset=utf-8"
            self._send(200, files[name].read_bytes(), kind)

    return Handler


class PreviewServer(ThreadingHTTPServer):
    """The preview HTTP server running in a daemon thread; ``close()`` stops it."""

    daemon_threads = True

    def __init__(self, preview: Preview, host: str, port: int) -> None:
        super().__init__((host, port), _handler(preview))
        self.preview = preview
        self._thread = threading.Thread(target=self.serve_forever, name="ripple-preview", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> PreviewServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


def serve_preview(backend: Backend, host: str = "127.0.0.1", port: int = 0,
                  dashboards: Sequence[Dashboard] | None = None) -> PreviewServer:
    """Start the preview on ``host:port`` (0 = any free port) in a thread, reading ``backend``."""
    return PreviewServer(Preview(backend, dashboards), host, port).start()
