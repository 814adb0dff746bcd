"""Every Prometheus panel's PromQL parses: promtool checks them as recording rules (Debian's prometheus)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from dashboards.catalog import PROMETHEUS_TYPE, load_dashboards

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


def _concrete(expr: str) -> str:
    """Grafana's variables replaced the way Grafana would for "All" (regex .*) and its auto interval."""
    expr = expr.replace("$__rate_interval", "1m").replace("$__interval", "1m").replace("$__range", "1h")
    return re.sub(r"\$\{?\w+\}?", ".*", expr)


def test_every_promql_panel_query_parses(tmp_path: Path) -> None:
    rules = []
    for dash in load_dashboards():
        for panel in dash.panels:
            for target in panel.targets:
                if target.datasource_type == PROMETHEUS_TYPE:
                    rules.append({"record": f"ripple:check:{dash.uid.replace('-', '_')}_{panel.id}_{target.ref_id}",
                                  "expr": _concrete(target.sql)})
    assert len(rules) >= 8
    path = tmp_path / "panels.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard-panels", "rules": rules}]}))
    out = subprocess.run([PROMTOOL, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_promtool_rejects_a_broken_query(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [{"record": "a:b", "expr": "sum by (x (up)"}]}]}))
    out = subprocess.run([PROMTOOL, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
