"""The preview's HTTP API and the ``ripple dashboard`` command against real ClickHouse backends."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from dashboards.preview.server import PreviewServer, serve_preview
from ripple.dev.procs import stop_process, wait_until
from sinks.clickhouse import Backend, connect
from tests.conftest import ROOT
from tests.integration.dashboards.seed import START, seed

pytestmark = pytest.mark.integration


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            body = resp.read()
            kind = resp.headers.get("Content-Type", "")
            return resp.status, json.loads(body) if "json" in kind else body.decode()
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def server(clickhouse_url: str) -> Iterator[PreviewServer]:
    backend: Backend = connect(clickhouse_url)
    seed(backend, 300)
    srv = serve_preview(backend, "127.0.0.1", 0)
    yield srv
    srv.close()
    backend.close()


def test_dashboards_render_with_rows_from_clickhouse(server: PreviewServer) -> None:
    status, index = get(server.url + "api/dashboards")
    assert status == 200
    by_uid = {d["uid"]: d for d in index}
    assert by_uid["ripple-operations"]["preview"] and not by_uid["ripple-pipeline"]["preview"]
    status, page = get(server.url + "api/dashboards/ripple-operations?range=24h&anchor=latest")
    assert status == 200
    panels = {p["title"]: p for p in page["panels"] if p["type"] == "stat"}
    assert panels["Feedback events"]["rows"] == [{"events": 300}]
    assert page["to"] >= int((START + timedelta(minutes=5)).timestamp() * 1000)  # follows the data
    assert {v["name"] for v in page["variables"]} == {"channel", "language", "aspect"}
    volume = next(p for p in page["panels"] if p["title"] == "Volume by channel")
    assert all(isinstance(r["time"], int) for r in volume["rows"])
    status, page = get(server.url + "api/dashboards/ripple-operations?range=24h&var-channel=review")
    volume = next(p for p in page["panels"] if p["title"] == "Volume by channel")
    assert volume["rows"] and {r["channel"] for r in volume["rows"]} == {"review"}
    status, page = get(server.url + "api/dashboards/ripple-pipeline")
    assert status == 200 and "Prometheus" in page["error"]


def test_bad_requests_get_precise_errors(server: PreviewServer) -> None:
    assert get(server.url + "api/dashboards/nope")[0] == 404
    status, body = get(server.url + "api/dashboards/ripple-operations?range=3y")
    assert status == 400 and "range" in body["error"]
    status, body = get(server.url + "api/dashboards/ripple-operations?var-channel=" + "x" * 500)
    assert status == 400
    assert get(server.url + "static/../server.py")[0] == 404
    assert get(server.url + "static/%2e%2e%2fserver.py")[0] == 404


def test_page_and_script_are_served(server: PreviewServer) -> None:
    status, html = get(server.url)
    assert status == 200 and "/static/app.js" in html
    status, js = get(server.url + "static/app.js")
    assert status == 200 and "panelState" in js


def _start_cli(args: list[str], cwd: Path) -> tuple[subprocess.Popen[str], list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIPPLE_")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "ripple", *args], env=env, cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        lines.extend(line.rstrip() for line in proc.stdout)

    threading.Thread(target=read, daemon=True).start()
    return proc, lines


def test_ripple_dashboard_command_serves_the_configured_clickhouse(server_db: str, tmp_path: Path) -> None:
    backend = connect(server_db)
    seed(backend, 50)
    backend.close()
    proc, lines = _start_cli(["dashboard", "--clickhouse", server_db, "--port", "0"], tmp_path)
    try:
        wait_until(lambda: any("http://" in line for line in lines) or proc.poll() is not None, 60, "the URL")
        m = re.search(r"(http://\S+/)", "\n".join(lines))
        assert m, lines
        status, page = get(m.group(1) + "api/dashboards/ripple-operations?range=24h")
        assert status == 200
        assert next(p for p in page["panels"] if p["title"] == "Feedback events")["rows"] == [{"events": 50}]
    finally:
        assert stop_process(proc, deadline=10) == 0


def test_ripple_dashboard_reports_an_unreachable_clickhouse(tmp_path: Path) -> None:
    proc, lines = _start_cli(["dashboard", "--clickhouse", "clickhouse://default@127.0.0.1:1/x", "--port", "0"],
                             tmp_path)
    code = proc.wait(timeout=60)
    wait_until(lambda: bool(lines), 5, "output")
    assert code != 0
    assert [line for line in lines if line.startswith("ripple: error: cannot open ClickHouse")], lines
