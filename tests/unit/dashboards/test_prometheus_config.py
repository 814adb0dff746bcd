"""The Prometheus config docker-compose mounts, checked by Debian's promtool, and its scrape targets
matching the ports the Ripple services serve /metrics on (rules and Alertmanager: the spikes stage's tests)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
PROMETHEUS = ROOT / "dashboards/prometheus/prometheus.yml"


def test_promtool_accepts_the_prometheus_config() -> None:
    promtool = shutil.which("promtool") or "/usr/bin/promtool"
    out = subprocess.run([promtool, "check", "config", str(PROMETHEUS)], capture_output=True, text=True,
                         timeout=60, cwd=PROMETHEUS.parent)
    assert out.returncode == 0, out.stdout + out.stderr


def test_scrape_targets_match_the_compose_metrics_ports() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    served = {name: int(compose["services"][name]["environment"]["RIPPLE_METRICS_PORT"])
              for name in ("worker", "sink", "gateway")}
    config = yaml.safe_load(PROMETHEUS.read_text())
    scraped: set[tuple[str, int]] = set()
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                host, _, port = target.rpartition(":")
                scraped.add((host, int(port)))
        for dns in job.get("dns_sd_configs", []):
            scraped.update((name, int(dns["port"])) for name in dns["names"])
    for name, port in served.items():
        assert (name, port) in scraped, f"Prometheus does not scrape {name}:{port}"
    assert compose["services"]["prometheus"]["volumes"][0].startswith("./dashboards/prometheus:")
