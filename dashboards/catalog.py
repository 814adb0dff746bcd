"""The provisioned Grafana dashboards as data, and running their ClickHouse panels.

The JSON files in ``dashboards/grafana`` are the one definition of every panel: Grafana loads them
through provisioning, and ``ripple dashboard`` plus the tests load them here and run the same SQL
(through :mod:`dashboards.macros`) against chDB or a ClickHouse server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from dashboards.macros import ALL, QueryContext, expand
from sinks.clickhouse.backend import Backend

GRAFANA_DIR = Path(__file__).resolve().parent / "grafana"
CLICKHOUSE_TYPE = "grafana-clickhouse-datasource"
PROMETHEUS_TYPE = "prometheus"
CLICKHOUSE_UID = "ripple-clickhouse"
PROMETHEUS_UID = "ripple-prometheus"
TIME_COLUMNS = frozenset({"time", "timeEnd"})


@dataclass(frozen=True)
class Target:
    ref_id: str
    datasource_type: str
    sql: str
    format: str  # "time_series" or "table"


@dataclass(frozen=True)
class Panel:
    id: int
    title: str
    type: str
    description: str
    grid: Mapping[str, int]
    unit: str | None
    targets: tuple[Target, ...]
    options: Mapping[str, Any]

    @property
    def datasource_type(self) -> str:
        return self.targets[0].datasource_type if self.targets else ""


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    datasource_type: str
    query: str


@dataclass(frozen=True)
class Annotation:
    name: str
    datasource_type: str
    sql: str


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    description: str
    refresh: str
    variables: tuple[Variable, ...]
    panels: tuple[Panel, ...]
    annotations: tuple[Annotation, ...]
    raw: Mapping[str, Any]

    @property
    def clickhouse(self) -> bool:
        """True when every panel reads ClickHouse (so the preview can render it)."""
        return bool(self.panels) and all(p.datasource_type == CLICKHOUSE_TYPE for p in self.panels)


def _target(raw: Mapping[str, Any], panel_ds: Mapping[str, Any]) -> Target:
    ds = raw.get("datasource") or panel_ds or {}
    kind = str(ds.get("type", ""))
    if kind == CLICKHOUSE_TYPE:
        fmt = "time_series" if raw.get("format") == 0 else "table"
        return Target(str(raw.get("refId", "A")), kind, str(raw.get("rawSql", "")), fmt)
    return Target(str(raw.get("refId", "A")), kind, str(raw.get("expr", "")), "time_series")


def parse_dashboard(raw: Mapping[str, Any]) -> Dashboard:
    panels = []
    for p in raw.get("panels", []):
        ds = p.get("datasource") or {}
        panels.append(Panel(
            id=int(p["id"]), title=str(p.get("title", "")), type=str(p.get("type", "")),
            description=str(p.get("description", "")), grid=dict(p.get("gridPos", {})),
            unit=(p.get("fieldConfig") or {}).get("defaults", {}).get("unit"),
            targets=tuple(_target(t, ds) for t in p.get("targets", [])), options=dict(p.get("options") or {}),
        ))
    variables = []
    for v in raw.get("templating", {}).get("list", []):
        q = v.get("query", "")
        query = q.get("query", "") if isinstance(q, dict) else str(q)
        variables.append(Variable(str(v["name"]), str(v.get("label", v["name"])),
                                  str((v.get("datasource") or {}).get("type", "")), query))
    annotations = []
    for a in raw.get("annotations", {}).get("list", []):
        if a.get("builtIn"):
            continue
        target = a.get("target") or {}
        annotations.append(Annotation(str(a.get("name", "")), str((a.get("datasource") or {}).get("type", "")),
                                      str(target.get("rawSql", ""))))
    return Dashboard(uid=str(raw["uid"]), title=str(raw.get("title", "")), description=str(raw.get("description", "")),
                     refresh=str(raw.get("refresh", "")), variables=tuple(variables), panels=tuple(panels),
                     annotations=tuple(annotations), raw=raw)


def load_dashboards(directory: Path = GRAFANA_DIR) -> list[Dashboard]:
    """Every ``*.json`` dashboard in ``directory``, sorted by file name."""
    return [parse_dashboard(orjson.loads(p.read_bytes())) for p in sorted(directory.glob("*.json"))]


_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def _to_epoch_ms(value: Any) -> Any:
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(dt.timestamp() * 1000)
    if isinstance(value, str) and value:
        dt = datetime.fromisoformat(value.replace(" ", "T"))
        return _to_epoch_ms(dt)
    return value


def normalise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Make rows from either backend look alike: times in epoch ms, numbers as numbers.

    chDB's JSON output quotes 64-bit integers and renders DateTime as text; clickhouse-driver gives
    Python ints and naive datetimes (UTC here). The preview and the tests compare both, so one shape:
    ``time``/``timeEnd`` in epoch milliseconds (what charts plot), other DateTimes as UTC text.
    """
    out = []
    for row in rows:
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if key in TIME_COLUMNS:
                clean[key] = _to_epoch_ms(value)
            elif isinstance(value, datetime):  # as chDB renders DateTime: "YYYY-MM-DD hh:mm:ss" (UTC)
                clean[key] = value.strftime("%Y-%m-%d %H:%M:%S")
            elif isinstance(value, str) and _NUMBER.fullmatch(value):
                clean[key] = float(value) if any(c in value for c in ".eE") else int(value)
            elif isinstance(value, float) and value != value:  # NaN (avg of nothing) -> null
                clean[key] = None
            else:
                clean[key] = value
        out.append(clean)
    return out


def variable_options(
    backend: Backend, dashboard: Dashboard, time_from: datetime, time_to: datetime
) -> dict[str, list[str]]:
    """Run each ClickHouse variable query (macros expanded) and return the values it offers."""
    ctx = QueryContext(time_from, time_to, variables={v.name: [ALL] for v in dashboard.variables})
    options: dict[str, list[str]] = {}
    for var in dashboard.variables:
        if var.datasource_type != CLICKHOUSE_TYPE:
            continue
        rows = backend.query(expand(var.query, ctx))
        options[var.name] = [str(r[0]) for r in rows]
    return options


def context_for(dashboard: Dashboard, time_from: datetime, time_to: datetime, interval_s: int,
                selected: Mapping[str, Sequence[str]], options: Mapping[str, Sequence[str]]) -> QueryContext:
    """A query context with every dashboard variable defined ("All" unless ``selected`` says otherwise)."""
    variables = {v.name: list(selected.get(v.name) or [ALL]) for v in dashboard.variables}
    return QueryContext(time_from, time_to, interval_s, variables, options)


def run_target(backend: Backend, target: Target, ctx: QueryContext) -> list[dict[str, Any]]:
    """Expand and run one ClickHouse target; rows normalised with :func:`normalise`."""
    if target.datasource_type != CLICKHOUSE_TYPE:
        raise ValueError(f"not a ClickHouse target: {target.datasource_type}")
    return normalise(backend.query_dicts(expand(target.sql, ctx)))


def latest_event_time(backend: Backend, table: str = "feedback_events") -> datetime | None:
    """The newest event time in ``table`` (None when empty), for "follow the data" time ranges."""
    rows = backend.query(f"SELECT count(), max(event_time) FROM {table}")
    if not rows or not int(rows[0][0]):
        return None
    value = rows[0][1]
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace(" ", "T"))
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
