"""The live preview in a real browser during ``ripple demo`` (real broker, worker, sink, simulator).

Debian's chromium runs headless (never a downloaded browser): it loads the page, lets its scripts
fetch and draw, then we read the DOM state the page exposes and check the screenshot's pixels. The
screenshots are kept under artifacts/ (gitignored) as the test's evidence.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from ripple.dev.procs import free_port, stop_process, wait_until
from tests.conftest import ARTIFACTS, ROOT

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                  "--disable-dev-shm-usage", "--window-size=1600,1400", "--virtual-time-budget=15000"]
# Panels whose data a few hundred simulated events always produce (abuse, SLA breaches, closed loops
# and spikes need rarer events or more time, so those panels may legitimately be empty here).
CORE_PANELS = {"Feedback events", "Volume by channel", "Satisfaction trend", "Negative share", "Language mix",
               "Unscored share"}
CUSTOMER_PANELS = {"Open alerts", "Open alerts by priority", "Reach at risk by channel"}


class Demo:
    """``ripple demo`` in its own session, with its stdout collected by a thread."""

    def __init__(self, tmp: Path, unique: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RIPPLE_")}
        env.update({"RIPPLE_DATA_DIR": str(tmp / "demo"), "RIPPLE_CLICKHOUSE_URL": f"chdb://{tmp / 'chdb'}",
                    "RIPPLE_WORKER_ID": f"demo-{unique}", "RIPPLE_SINK_GROUP": f"sink-{unique}",
                    "RIPPLE_PARTITIONS": "2", "PYTHONPATH": str(ROOT),
                    # faust's worker command serves its web view even with web_enabled=False; a free
                    # port keeps this test from colliding with any other worker on the machine.
                    "WEB_PORT": str(free_port()), "WEB_BIND": "127.0.0.1"})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ripple", "demo", "--rate", "40", "--preview-port", "0"],
            env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def output(self) -> str:
        return "\n".join(self.lines)

    def url(self) -> str | None:
        for line in self.lines:
            m = re.search(r"live preview on (http://\S+)", line)
            if m:
                return m.group(1)
        return None


@pytest.fixture
def demo(tmp_path: Path, unique: str) -> Iterator[Demo]:
    d = Demo(tmp_path, unique)
    yield d
    stop_process(d.proc, deadline=40)


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.load(resp)


def _chromium(args: list[str], tmp: Path) -> str:
    out = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'chromium'}", *args],
                         capture_output=True, text=True, timeout=120, check=True)
    return out.stdout


def _colourful_pixels(path: Path) -> int:
    """Pixels of chart colour: the page itself is greys, so saturated pixels are drawn data."""
    img = Image.open(path).convert("HSV")
    return sum(1 for _, s, v in img.getdata() if s > 90 and v > 90)


def test_preview_page_draws_live_charts_in_chromium(demo: Demo, tmp_path: Path) -> None:
    wait_until(lambda: demo.url() is not None or demo.proc.poll() is not None, 90, "the preview URL")
    base = demo.url()
    assert base, demo.output()

    def has_data() -> bool:
        assert demo.proc.poll() is None, demo.output()
        page = _get(base + "api/dashboards/ripple-operations")
        panels = {p["title"]: p for p in page["panels"]}
        return all(panels[t]["rows"] for t in CORE_PANELS) and panels["Feedback events"]["rows"][0]["events"] >= 300

    wait_until(has_data, 150, "dashboard panels with data", interval=1.0)

    def has_alerts() -> bool:
        page = _get(base + "api/dashboards/ripple-customers")
        table = next(p for p in page["panels"] if p["title"] == "Open alerts by priority")
        return bool(table["rows"])

    wait_until(has_alerts, 120, "customers at risk in the preview", interval=1.0)

    ARTIFACTS.mkdir(exist_ok=True)
    shots = (("ripple-operations", "preview-operations.png"), ("ripple-customers", "preview-customers.png"),
             ("ripple-agents", "preview-agents.png"))
    for uid, name in shots:
        page_url = f"{base}?dashboard={uid}"
        dom = _chromium(["--dump-dom", page_url], tmp_path)
        assert 'data-state="ready"' in dom, dom[:2000]
        states = dict(re.findall(r'data-panel-id="(\d+)"[^>]*data-panel-state="(\w+)"', dom))
        points = {k: int(v) for k, v in re.findall(r'data-panel-id="(\d+)"[^>]*data-points="(\d+)"', dom)}
        assert states and "error" not in states.values(), states
        titles = {str(p["id"]): p["title"] for p in _get(base + f"api/dashboards/{uid}")["panels"]}
        drawn = {titles[k] for k, v in states.items() if v == "ok" and points[k] > 0}
        must = CORE_PANELS if uid == "ripple-operations" else CUSTOMER_PANELS if uid == "ripple-customers" else set()
        assert drawn >= must, f"{uid}: not drawn: {must - drawn}"
        shot = ARTIFACTS / name
        shot.unlink(missing_ok=True)
        _chromium([f"--screenshot={shot}", page_url], tmp_path)
        assert shot.exists()
        assert _colourful_pixels(shot) > 5000, f"{name}: the charts look empty"
