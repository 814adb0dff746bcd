"""Prometheus rules and Alertmanager config, checked by the real tools (Debian prometheus and
prometheus-alertmanager packages): syntax, rule unit tests, and that every alert is tested both
firing and not firing. The tools' absence is a failure, not a skip (CI installs them)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
PROM = ROOT / "dashboards" / "prometheus"
RULES = sorted((PROM / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROM / "tests").glob("*.yml"))
ALERTMANAGER = ROOT / "dashboards" / "alertmanager" / "alertmanager.yml"


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} not found: apt-get install -y prometheus prometheus-alertmanager"
    return path


def run(*args: str, cwd: Path = PROM) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_rule_files_exist() -> None:
    assert {p.name for p in RULES} >= {"recording.yml", "complaints.yml", "pipeline.yml"}
    assert RULE_TESTS


def test_promtool_check_rules() -> None:
    r = run(tool("promtool"), "check", "rules", *map(str, RULES))
    assert r.returncode == 0, r.stdout + r.stderr


def test_promtool_check_config() -> None:
    r = run(tool("promtool"), "check", "config", "prometheus.yml")
    assert r.returncode == 0, r.stdout + r.stderr


def test_promtool_rule_unit_tests() -> None:
    r = run(tool("promtool"), "test", "rules", *map(str, RULE_TESTS))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("SUCCESS") == len(RULE_TESTS)


def test_amtool_check_config() -> None:
    r = run(tool("amtool"), "check-config", str(ALERTMANAGER))
    assert r.returncode == 0, r.stdout + r.stderr


def _alerts() -> set[str]:
    names = set()
    for path in RULES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            names |= {r["alert"] for r in group["rules"] if "alert" in r}
    return names


def _cases() -> list[dict[str, Any]]:
    cases = []
    for path in RULE_TESTS:
        for test in yaml.safe_load(path.read_text())["tests"]:
            cases.extend(test.get("alert_rule_test", []))
    return cases


@pytest.mark.parametrize("alert", sorted(_alerts()))
def test_every_alert_is_tested_firing_and_not_firing(alert: str) -> None:
    cases = [c for c in _cases() if c["alertname"] == alert]
    assert any(c.get("exp_alerts") for c in cases), f"{alert}: no test where it fires"
    assert any(not c.get("exp_alerts") for c in cases), f"{alert}: no test where it stays quiet"


def test_every_alert_has_severity_and_family() -> None:
    for path in RULES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
                    assert rule["labels"].get("family"), rule["alert"]


def test_the_rule_tests_catch_a_broken_threshold(tmp_path: Path) -> None:
    """Guard against tests that cannot fail: doubling a threshold must break `promtool test rules`."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "tests").mkdir()
    for p in RULES:
        text = p.read_text()
        if p.name == "complaints.yml":
            text = text.replace("(ripple_spike_active) >= 1", "(ripple_spike_active) >= 3")
        (tmp_path / "rules" / p.name).write_text(text)
    for p in RULE_TESTS:
        (tmp_path / "tests" / p.name).write_text(p.read_text())
    r = run(tool("promtool"), "test", "rules", *[str(tmp_path / "tests" / p.name) for p in RULE_TESTS],
            cwd=tmp_path)
    assert r.returncode != 0
    assert "ComplaintSpike" in r.stdout + r.stderr


def test_promtool_rejects_a_broken_rule_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: sum(rate(x[5m]) > \n")
    assert run(tool("promtool"), "check", "rules", str(bad)).returncode != 0
