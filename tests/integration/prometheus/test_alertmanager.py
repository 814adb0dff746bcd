"""The real Alertmanager (Debian prometheus-alertmanager) with Ripple's config: routing to the
webhook, grouping, and inhibition (critical over warning, specific spike over roll-up spikes)."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from ripple.dev.procs import free_port, stop_process, wait_until

pytestmark = pytest.mark.integration

CONFIG = Path(__file__).resolve().parents[3] / "dashboards" / "alertmanager" / "alertmanager.yml"


class Webhook:
    """A local HTTP endpoint standing in for the on-call bridge; records every notification."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.received.append((self.path, json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[tuple[str, Webhook]]:
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    assert binary, "apt-get install -y prometheus-alertmanager"
    hook = Webhook()
    config = yaml.safe_load(CONFIG.read_text())
    # Same routes and inhibitions; only the receiver address and the waits differ in the test.
    for receiver in config["receivers"]:
        for wh in receiver["webhook_configs"]:
            wh["url"] = wh["url"].replace("http://alert-bridge:8080", hook.url)
    for route in [config["route"], *config["route"].get("routes", [])]:
        route["group_wait"] = "1s"
        route["group_interval"] = "1s"
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config))
    port = free_port()
    log = open(tmp_path / "alertmanager.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([binary, f"--config.file={path}", f"--storage.path={tmp_path / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
                            stdout=log, stderr=log, start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert proc.poll() is None, (tmp_path / "alertmanager.log").read_text()
        try:
            with urllib.request.urlopen(f"{base}/-/ready", timeout=1) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    try:
        wait_until(ready, 30, "alertmanager ready", interval=0.1)
        yield base, hook
    finally:
        stop_process(proc)
        log.close()
        hook.close()


def alert(name: str, severity: str, family: str, **labels: str) -> dict[str, Any]:
    return {"labels": {"alertname": name, "severity": severity, "family": family, **labels},
            "annotations": {"summary": name}, "startsAt": datetime.now(UTC).isoformat()}


def post(base: str, alerts: list[dict[str, Any]]) -> None:
    req = urllib.request.Request(f"{base}/api/v2/alerts", data=json.dumps(alerts).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.status == 200


def states(base: str) -> dict[tuple[str, str, str], str]:
    with urllib.request.urlopen(f"{base}/api/v2/alerts", timeout=5) as r:
        data = json.loads(r.read())
    return {(a["labels"]["alertname"], a["labels"].get("channel", a["labels"].get("topic", "")),
             a["labels"].get("aspect", "")): a["status"]["state"] for a in data}


def test_inhibition_and_routing(alertmanager: tuple[str, Webhook]) -> None:
    base, hook = alertmanager
    post(base, [
        alert("ComplaintSpike", "warning", "complaint_spike", channel="chat", aspect="delivery"),
        alert("ComplaintSpikeCritical", "critical", "complaint_spike", channel="chat", aspect="delivery"),
        alert("ComplaintSpike", "warning", "complaint_spike", channel="chat", aspect="*"),
        alert("ComplaintSpike", "warning", "complaint_spike", channel="*", aspect="delivery"),
        alert("ComplaintSpike", "warning", "complaint_spike", channel="email", aspect="price"),
        alert("ConsumerLagHigh", "warning", "consumer_lag", topic="feedback.raw.v1", job="ripple-worker"),
        alert("ConsumerLagHigh", "warning", "consumer_lag", topic="feedback.scored.v1", job="ripple-worker"),
        alert("ConsumerLagCritical", "critical", "consumer_lag", topic="feedback.scored.v1", job="ripple-worker"),
    ])
    expected = {
        ("ComplaintSpikeCritical", "chat", "delivery"): "active",
        ("ComplaintSpike", "chat", "delivery"): "suppressed",  # critical beats warning
        ("ComplaintSpike", "chat", "*"): "suppressed",  # explained by chat/delivery
        ("ComplaintSpike", "*", "delivery"): "suppressed",  # explained by chat/delivery
        ("ComplaintSpike", "email", "price"): "active",  # unrelated
        ("ConsumerLagHigh", "feedback.raw.v1", ""): "active",
        ("ConsumerLagHigh", "feedback.scored.v1", ""): "suppressed",
        ("ConsumerLagCritical", "feedback.scored.v1", ""): "active",
    }
    wait_until(lambda: states(base) == expected, 20, "inhibition to settle", interval=0.2)

    def notified() -> set[tuple[str, str, str, str]]:
        return {(path, a["labels"]["alertname"], a["labels"].get("channel", a["labels"].get("topic", "")),
                 a["labels"].get("aspect", "")) for path, body in hook.received for a in body["alerts"]}

    want = {
        ("/alertmanager/complaints", "ComplaintSpikeCritical", "chat", "delivery"),
        ("/alertmanager/complaints", "ComplaintSpike", "email", "price"),
        ("/alertmanager", "ConsumerLagHigh", "feedback.raw.v1", ""),
        ("/alertmanager", "ConsumerLagCritical", "feedback.scored.v1", ""),
    }
    wait_until(lambda: want <= notified(), 30, "webhook notifications", interval=0.2)
    assert notified() == want  # nothing inhibited was ever sent
    groups = [body["groupLabels"] for path, body in hook.received if path == "/alertmanager/complaints"]
    assert {"family": "complaint_spike", "channel": "chat"} in groups  # grouped per channel
