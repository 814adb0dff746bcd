"""The sink's commands: ``ripple stats``, ``ripple erase`` and ``ripple schema retention``.

Registered in ``ripple/cli.py`` under the clickhouse marker; heavy imports stay inside the bodies
so ``ripple --help`` remains fast.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

ClickHouseOpt = Annotated[
    str | None, typer.Option("--clickhouse", help="ClickHouse URL (default: RIPPLE_CLICKHOUSE_URL).")
]


def _backend(url: str | None) -> tuple[Any, str]:
    from ripple.cli import fail
    from ripple.settings import get_settings
    from sinks.clickhouse import connect

    settings = get_settings()
    target = url or settings.clickhouse_url
    password = settings.clickhouse_password.get_secret_value() if settings.clickhouse_password else None
    try:
        return connect(target, password), target
    except Exception as exc:
        fail(f"cannot open ClickHouse at {target}: {exc}")
        raise  # unreachable: fail() exits


def stats_cmd(
    clickhouse: ClickHouseOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Exact counts per table, channel and label (duplicates from replays are never counted)."""
    import orjson

    from ripple.cli import fail
    from sinks.clickhouse.backend import ClickHouseError
    from sinks.clickhouse.queries import stats

    backend, url = _backend(clickhouse)
    try:
        figures = stats(backend)
    except ClickHouseError as exc:
        fail(f"cannot read stats from {url} (did `ripple schema migrate` run?): {exc}")
        return
    if as_json:
        typer.echo(orjson.dumps(figures, option=orjson.OPT_INDENT_2, default=str).decode())
        return
    typer.echo("rows (exact, deduplicated)")
    for table, n in figures["totals"].items():
        typer.echo(f"  {table:<18} {n:>12,}")
    sections = (
        ("feedback by channel and label", "feedback_by_channel_label"),
        ("customer alerts by kind", "alerts_by_kind"),
        ("spike alerts by state", "spikes_by_state"),
        ("minute aggregates by channel (count, negative)", "minute_by_channel"),
        ("dead letters by stage and reason", "dead_letters_by_reason"),
    )
    for title, key in sections:
        typer.echo(title)
        if not figures[key]:
            typer.echo("  (none)")
        for row in figures[key]:
            *labels, n = row if key != "minute_by_channel" else (row[0], f"{int(row[1]):,} / {int(row[2]):,}")
            shown = f"{int(n):>12,}" if not isinstance(n, str) else f"{n:>12}"
            typer.echo(f"  {' / '.join(str(x) for x in labels):<32} {shown}")
    typer.echo(f"open customer alerts: {figures['open_alerts']:,}")


def erase_cmd(
    customer: Annotated[str, typer.Option("--customer", help="The customer id to erase everywhere.")],
    clickhouse: ClickHouseOpt = None,
    tombstones: Annotated[bool, typer.Option(help="Also write Kafka tombstones for the key.")] = True,
) -> None:
    """Erase a customer: delete their rows from every table and tombstone their key on compacted topics."""
    from ripple.cli import fail
    from ripple.settings import get_settings
    from sinks.clickhouse.backend import ClickHouseError
    from sinks.erase import TOMBSTONE_TOPICS, erase_rows, valid_customer_id, write_tombstones

    if not valid_customer_id(customer):
        fail("--customer must be a customer id (letters, digits and ._:@/+=-, at most 128 characters)")
    backend, url = _backend(clickhouse)
    try:
        found = erase_rows(backend, customer)
    except ClickHouseError as exc:
        fail(f"erasure failed on {url}: {exc}")
        return
    for table, n in found.items():
        typer.echo(f"{table}: {n} row(s) deleted")
    if tombstones:
        settings = get_settings()
        try:
            write_tombstones(settings, customer)
        except Exception as exc:
            fail(f"rows erased, but tombstones could not be written to {settings.brokers}: {exc}")
        typer.echo("tombstones written to " + ", ".join(TOMBSTONE_TOPICS))


def retention_cmd(
    clickhouse: ClickHouseOpt = None,
    days: Annotated[
        int | None, typer.Option(help="Days to keep feedback text (RIPPLE_RETENTION_DAYS).")
    ] = None,
) -> None:
    """Apply the text retention policy now: TTL where the server has it, a mutation on 18.16."""
    from ripple.cli import fail
    from ripple.settings import get_settings
    from sinks.clickhouse.backend import ClickHouseError
    from sinks.clickhouse.retention import enforce

    keep = days if days is not None else get_settings().retention_days
    if keep < 1:
        fail("--days must be at least 1")
    backend, url = _backend(clickhouse)
    try:
        done = enforce(backend, keep)
    except ClickHouseError as exc:
        fail(f"retention failed on {url}: {exc}")
        return
    for table, what in done.items():
        typer.echo(f"{table}: {what} ({keep} days)")
