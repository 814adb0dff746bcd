"""The provisioned dashboards are well-formed Grafana JSON that the preview and Grafana both accept."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
import yaml

from dashboards.catalog import (
    CLICKHOUSE_TYPE,
    CLICKHOUSE_UID,
    GRAFANA_DIR,
    PROMETHEUS_TYPE,
    PROMETHEUS_UID,
    load_dashboards,
)
from dashboards.macros import variables_used

FILES = sorted(GRAFANA_DIR.glob("*.json"))
KNOWN_DS = {(CLICKHOUSE_TYPE, CLICKHOUSE_UID), (PROMETHEUS_TYPE, PROMETHEUS_UID)}
PANEL_TYPES = {"timeseries", "barchart", "piechart", "stat", "table"}
GRAFANA_BUILTIN_VARS = {"__rate_interval", "__interval", "__range", "__all"}


def test_there_are_the_five_dashboards_with_fixed_unique_uids() -> None:
    uids = [d.uid for d in load_dashboards()]
    assert len(uids) == len(set(uids))
    assert {"ripple-operations", "ripple-agents", "ripple-pipeline"} <= set(uids)
    assert all(re.fullmatch(r"[a-z0-9-]{1,40}", u) for u in uids)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_dashboard_structure(path: Path) -> None:
    raw = orjson.loads(path.read_bytes())
    for key in ("uid", "title", "panels", "templating", "schemaVersion", "time", "annotations"):
        assert key in raw, key
    ids = [p["id"] for p in raw["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    defined = {v["name"] for v in raw["templating"]["list"]}
    cells: set[tuple[int, int]] = set()
    for panel in raw["panels"]:
        assert panel["type"] in PANEL_TYPES, panel["title"]
        g = panel["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= 24 and g["h"] > 0, panel["title"]
        mine = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
        assert not mine & cells, f"{panel['title']} overlaps another panel"
        cells |= mine
        assert panel["targets"], panel["title"]
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids))
        for t in panel["targets"]:
            ds = t.get("datasource") or panel["datasource"]
            assert (ds["type"], ds["uid"]) in KNOWN_DS, panel["title"]
            query = t.get("rawSql") if ds["type"] == CLICKHOUSE_TYPE else t.get("expr")
            assert query, panel["title"]
            used = variables_used(query) - GRAFANA_BUILTIN_VARS
            assert used <= defined, f"{panel['title']}: undefined variables {used - defined}"
            if ds["type"] == CLICKHOUSE_TYPE:
                assert t["editorType"] == "sql" and t["format"] in (0, 1)
                # The plugin's QueryType and sqlds' format: 0 = time series, 1 = table.
                assert t["queryType"] == ("timeSeries" if t["format"] == 0 else "table")
                # toStartOfInterval (what $__timeInterval expands to) does not exist on ClickHouse 18.16.
                assert "$__timeInterval" not in query, panel["title"]
                # Dedup-safe: ReplacingMergeTree rows are only exact with FINAL (or uniqExact/argMax).
                assert re.search(r"\bFINAL\b|uniqExact|argMax", query), f"{panel['title']} is not dedup-safe"
    for v in raw["templating"]["list"]:
        assert (v["datasource"]["type"], v["datasource"]["uid"]) in KNOWN_DS


def test_clickhouse_dashboards_have_channel_language_aspect_variables() -> None:
    for dash in load_dashboards():
        if any(p.datasource_type == CLICKHOUSE_TYPE for p in dash.panels):
            assert {"channel", "language", "aspect"} <= {v.name for v in dash.variables}, dash.uid


def test_provisioning_matches_the_dashboards() -> None:
    ds = yaml.safe_load((GRAFANA_DIR / "provisioning/datasources/ripple.yml").read_text())
    by_uid = {d["uid"]: d for d in ds["datasources"]}
    assert by_uid[CLICKHOUSE_UID]["type"] == CLICKHOUSE_TYPE
    assert by_uid[PROMETHEUS_UID]["type"] == PROMETHEUS_TYPE
    ch = by_uid[CLICKHOUSE_UID]
    assert ch["jsonData"]["username"] == "grafana"  # the read-only user
    assert ch["secureJsonData"]["password"].startswith("$"), "password must come from the environment"
    providers = yaml.safe_load((GRAFANA_DIR / "provisioning/dashboards/ripple.yml").read_text())["providers"]
    assert providers[0]["type"] == "file"
    assert providers[0]["options"]["path"] == "/etc/grafana/dashboards/ripple"
