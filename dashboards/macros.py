"""Expand the Grafana ClickHouse plugin's macros and template variables into plain SQL.

The dashboards in ``dashboards/grafana`` are written for the official ClickHouse data source
(``grafana-clickhouse-datasource``). Grafana expands template variables in the browser and the plugin
expands its macros on the server; the live preview (``ripple dashboard``) and the tests must run the
*same* SQL, so both go through this one expander, which follows the plugin's definitions:

* ``$__timeFilter(col)``      -> ``col >= toDateTime(FROM) AND col <= toDateTime(TO)``
* ``$__fromTime`` / ``$__toTime`` -> ``toDateTime(FROM)`` / ``toDateTime(TO)``
* ``$__timeInterval(col)``    -> ``toStartOfInterval(toDateTime(col), INTERVAL N second)``
* ``$__interval_s``           -> ``N``
* ``$__conditionalAll(cond, $var)`` -> ``1=1`` when ``$var`` is "All", else ``cond``
* ``$var``, ``${var}``, ``${var:singlequote}``, ``${var:sqlstring}``, ``${var:csv}`` -> the selected values

Values are quoted with ClickHouse string escaping (backslash and quote), so a value taken from a
preview URL can never break out of its literal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

ALL = "$__all"
"""Grafana's value for the "All" option of a variable with ``includeAll``."""

NICE_INTERVALS_S: tuple[int, ...] = (
    1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
)


class MacroError(ValueError):
    """A macro was malformed (wrong argument count, unbalanced parentheses, unknown variable)."""


@dataclass(frozen=True)
class QueryContext:
    """What Grafana knows when it runs a panel query: the time range, the interval and the variables.

    ``variables`` maps a variable name to its selected values (``[ALL]`` for "All");
    ``options`` maps it to every value it can take, used to expand "All" outside ``$__conditionalAll``.
    """

    time_from: datetime
    time_to: datetime
    interval_s: int = 60
    variables: Mapping[str, Sequence[str]] = field(default_factory=dict)
    options: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def is_all(self, name: str) -> bool:
        values = self.variables.get(name)
        return values is None or not values or ALL in values

    def values(self, name: str) -> list[str]:
        if name not in self.variables and name not in self.options:
            raise MacroError(f"unknown template variable ${name}")
        if self.is_all(name):
            return list(self.options.get(name, ()))
        return list(self.variables[name])


def interval_for(time_from: datetime, time_to: datetime, max_points: int = 120) -> int:
    """Grafana-like auto interval: the smallest "nice" step giving at most ``max_points`` buckets."""
    span = max((time_to - time_from).total_seconds(), 1.0)
    for step in NICE_INTERVALS_S:
        if span / step <= max_points:
            return step
    return NICE_INTERVALS_S[-1]


def quote(value: str) -> str:
    """A ClickHouse string literal (backslash escaping, as ClickHouse parses it)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _epoch(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def _split_args(text: str, start: int) -> tuple[list[str], int]:
    """Split ``(a, f(b, c), 'x,y')`` starting at the ``(`` at ``start``; return args and the index after ``)``."""
    if start >= len(text) or text[start] != "(":
        raise MacroError(f"expected '(' at offset {start}")
    depth = 0
    args: list[str] = []
    current: list[str] = []
    i = start
    quote_char: str | None = None
    while i < len(text):
        ch = text[i]
        if quote_char:
            current.append(ch)
            if ch == "\\" and i + 1 < len(text):
                current.append(text[i + 1])
                i += 2
                continue
            if ch == quote_char:
                quote_char = None
        elif ch in "'\"`":
            quote_char = ch
            current.append(ch)
        elif ch in "([":
            depth += 1
            if depth > 1:
                current.append(ch)
        elif ch in ")]":
            depth -= 1
            if depth == 0:
                args.append("".join(current).strip())
                return args, i + 1
            current.append(ch)
        elif ch == "," and depth == 1:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    raise MacroError("unbalanced parentheses in macro arguments")


_VAR = re.compile(r"\$\{(?P<braced>[A-Za-z_]\w*)(?::(?P<fmt>\w+))?\}|\$(?P<bare>[A-Za-z_]\w*)")
_MACRO = re.compile(r"\$__(?P<name>timeFilter|timeInterval|conditionalAll|fromTime|toTime|interval_s)\b")


def _format(values: list[str], fmt: str | None) -> str:
    if fmt in (None, "singlequote", "sqlstring"):
        return ",".join(quote(v) for v in values)
    if fmt in ("csv", "raw"):
        # Still quoted: an unquoted value in SQL would be an injection point, and Ripple's
        # variables are all strings.
        return ",".join(quote(v) for v in values)
    raise MacroError(f"unsupported variable format {fmt!r}")


def expand_variables(sql: str, ctx: QueryContext) -> str:
    """Replace ``$var`` / ``${var:fmt}`` with the selected values (leaves ``$__`` macros alone)."""

    def sub(m: re.Match[str]) -> str:
        name = m.group("braced") or m.group("bare")
        if name.startswith("__"):
            return m.group(0)
        return _format(ctx.values(name), m.group("fmt"))

    return _VAR.sub(sub, sql)


def _variable_name(arg: str) -> str:
    m = _VAR.fullmatch(arg.strip())
    if not m:
        raise MacroError(f"$__conditionalAll expects a variable as its second argument, got {arg!r}")
    return m.group("braced") or m.group("bare")


def expand(sql: str, ctx: QueryContext) -> str:
    """Expand every macro and template variable in ``sql`` (a panel's ``rawSql``).

    Macros first, variables last and in one pass, so a selected value is never re-scanned.
    """
    return expand_variables(_expand_macros(sql, ctx), ctx)


def _expand_macros(sql: str, ctx: QueryContext) -> str:
    out: list[str] = []
    pos = 0
    while True:
        m = _MACRO.search(sql, pos)
        if not m:
            out.append(sql[pos:])
            break
        out.append(sql[pos:m.start()])
        name = m.group("name")
        end = m.end()
        if name == "fromTime":
            out.append(f"toDateTime({_epoch(ctx.time_from)})")
        elif name == "toTime":
            out.append(f"toDateTime({_epoch(ctx.time_to)})")
        elif name == "interval_s":
            out.append(str(max(int(ctx.interval_s), 1)))
        else:
            args, end = _split_args(sql, end)
            if name == "timeFilter":
                if len(args) != 1:
                    raise MacroError(f"$__timeFilter expects 1 argument, got {len(args)}")
                col, lo, hi = args[0], _epoch(ctx.time_from), _epoch(ctx.time_to)
                out.append(f"{col} >= toDateTime({lo}) AND {col} <= toDateTime({hi})")
            elif name == "timeInterval":
                if len(args) != 1:
                    raise MacroError(f"$__timeInterval expects 1 argument, got {len(args)}")
                out.append(f"toStartOfInterval(toDateTime({args[0]}), INTERVAL {max(int(ctx.interval_s), 1)} second)")
            else:  # conditionalAll
                if len(args) != 2:
                    raise MacroError(f"$__conditionalAll expects 2 arguments, got {len(args)}")
                var = _variable_name(args[1])
                if var not in ctx.variables and var not in ctx.options:
                    raise MacroError(f"unknown template variable ${var}")
                # Recurse: the condition may hold other macros.
                out.append("1=1" if ctx.is_all(var) else "(" + _expand_macros(args[0], ctx) + ")")
        pos = end
    return "".join(out)


def variables_used(sql: str) -> set[str]:
    """Names of the template variables a query refers to (for dashboard validation)."""
    names = {m.group("braced") or m.group("bare") for m in _VAR.finditer(sql)}
    return {n for n in names if not n.startswith("__")}
