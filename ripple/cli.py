"""``ripple``: one command line for every deployable and tool.

Each subcommand imports its stage lazily so ``ripple --help`` stays fast and a stage's
dependencies are only needed where it runs.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ripple.settings import Settings, get_settings

if TYPE_CHECKING:
    from sinks.clickhouse import Backend

cli = typer.Typer(
    name="ripple",
    help="Ripple: real-time customer feedback -> sentiment, customers at risk, spikes -> ClickHouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
contracts_cli = typer.Typer(help="Event contracts: export JSON Schemas for downstream consumers.", no_args_is_help=True)
schema_cli = typer.Typer(help="ClickHouse schema: versioned, forward-only migrations.", no_args_is_help=True)
cli.add_typer(contracts_cli, name="contracts")
cli.add_typer(schema_cli, name="schema")


def fail(message: str, code: int = 2) -> None:
    """One clear line on stderr and a non-zero exit: how every CLI error ends."""
    typer.echo(f"ripple: error: {message}", err=True)
    raise typer.Exit(code)


def _logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")


def _backend(url: str | None) -> Backend:
    """Open the configured ClickHouse backend (password from RIPPLE_CLICKHOUSE_PASSWORD if set)."""
    from sinks.clickhouse import connect

    settings = get_settings()
    secret = settings.clickhouse_password
    return connect(url or settings.clickhouse_url, secret.get_secret_value() if secret else None)


def _on_signals(stop: threading.Event) -> None:
    def handler(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


@cli.command()
def worker() -> None:
    """Run the faust stream worker (scoring; reads feedback.raw.v1)."""
    from streams.app import main as worker_main

    worker_main()


@cli.command()
def sink(
    clickhouse: Annotated[str | None, typer.Option(help="ClickHouse URL (default: RIPPLE_CLICKHOUSE_URL).")] = None,
    processes: Annotated[
        int, typer.Option(min=1, help="Sink processes in one consumer group (scale out by partitions; server only).")
    ] = 1,
) -> None:
    """Run the ClickHouse sink: feedback.scored.v1 -> feedback_events, offsets committed after each insert."""
    from sinks.clickhouse.schema import migrate
    from sinks.writer import FeedbackSink, tune_gc

    settings = get_settings()
    _logging(settings)
    url = clickhouse or settings.clickhouse_url
    try:
        backend = _backend(url)
        migrate(backend)
    except Exception as exc:
        fail(f"cannot open ClickHouse at {url}: {exc}")
        return
    if processes > 1:
        from sinks.processes import run_processes

        if url.startswith("chdb:"):
            fail("--processes needs a ClickHouse server: chDB opens a data directory in one process only")
            return
        backend.close()
        stop = threading.Event()
        _on_signals(stop)
        raise typer.Exit(run_processes(settings, url, processes, stop))
    s = FeedbackSink(settings, backend)
    _on_signals(s.stop_event)
    tune_gc()  # process-wide: this process is the sink
    s.run()


@cli.command()
def produce(
    count: Annotated[int, typer.Option("--count", "-n", help="Events to send (0 = until stopped).")] = 1000,
    rate: Annotated[float, typer.Option(help="Events per second (0 = as fast as possible).")] = 200.0,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same events.")] = 42,
    customers: Annotated[int, typer.Option(help="Distinct customers.")] = 500,
) -> None:
    """Simulate realistic feedback and produce it to feedback.raw.v1 (acks=all, idempotent)."""
    import itertools

    from producers.kafka import make_producer, send_raw
    from producers.simulator import Simulator, paced

    settings = get_settings()
    stop = threading.Event()
    _on_signals(stop)
    try:
        producer = make_producer(settings)
    except Exception as exc:
        fail(f"cannot reach Kafka at {settings.brokers}: {exc}")
        return
    sim = Simulator(seed=seed, customers=customers)
    stream = sim.events(count) if count > 0 else (sim.event() for _ in itertools.count())
    sent = 0
    for ev in paced(stream, rate):
        if stop.is_set():
            break
        send_raw(producer, ev)
        sent += 1
    producer.flush()
    producer.close()
    typer.echo(f"produced {sent} events to {settings.brokers}")


@cli.command()
def demo(
    rate: Annotated[float, typer.Option(help="Simulated events per second.")] = 50.0,
    seconds: Annotated[float, typer.Option(help="Stop by itself after this many seconds (0 = until Ctrl-C).")] = 0,
    clickhouse: Annotated[str | None, typer.Option(help="ClickHouse URL (default: embedded chDB).")] = None,
    preview_port: Annotated[int, typer.Option(help="Live dashboard preview port (0 = any free port).")] = 8050,
) -> None:
    """Start broker, worker, sink and simulator together; show rows arriving; Ctrl-C stops everything."""
    from ripple.demo import run_demo

    sys.exit(run_demo(get_settings(), rate=rate, seconds=seconds, clickhouse=clickhouse, preview_port=preview_port))


@contracts_cli.command("export")
def contracts_export(
    directory: Annotated[Path, typer.Argument(help="Where to write one JSON Schema per topic.")],
) -> None:
    """Write a JSON Schema per topic (e.g. feedback.raw.v1.schema.json) for downstream consumers."""
    import orjson

    from ripple.contracts import json_schemas

    directory.mkdir(parents=True, exist_ok=True)
    for topic, schema in json_schemas().items():
        path = directory / f"{topic}.schema.json"
        path.write_bytes(orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
        typer.echo(str(path))


@schema_cli.command("migrate")
def schema_migrate(
    clickhouse: Annotated[str | None, typer.Option(help="ClickHouse URL (default: RIPPLE_CLICKHOUSE_URL).")] = None,
) -> None:
    """Apply pending ClickHouse migrations (a no-op when up to date)."""
    from sinks.clickhouse.schema import migrate

    settings = get_settings()
    url = clickhouse or settings.clickhouse_url
    try:
        applied = migrate(_backend(url))
    except Exception as exc:
        fail(f"migration failed on {url}: {exc}")
        return
    typer.echo("up to date" if not applied else "applied: " + ", ".join(f"{m.version} {m.name}" for m in applied))


# Stage commands register here, one block per stage, each importing from its own package lazily.
# --- commands: scoring (issue 4) ---
from streams.scoring.cli import eval_cmd  # noqa: E402  (light: heavy imports happen inside the command)

cli.command("eval")(eval_cmd)
# --- commands: producers (issue 3) ---
from producers.cli import gateway_cmd, import_cmd, simulate_cmd  # noqa: E402  (light: heavy imports are lazy)

cli.command("gateway")(gateway_cmd)
cli.command("import")(import_cmd)
cli.command("simulate")(simulate_cmd)
# --- commands: customers (issue 5) ---
# --- commands: spikes (issue 6) ---
# --- commands: clickhouse (issue 7) ---
from sinks.cli import erase_cmd, retention_cmd, stats_cmd  # noqa: E402 - registered after the app exists

cli.command("stats")(stats_cmd)
cli.command("erase")(erase_cmd)
schema_cli.command("retention")(retention_cmd)
# --- commands: dashboards (issue 8) ---
from dashboards.cli import dashboard_cmd  # noqa: E402 - registration block; the command imports lazily

cli.command("dashboard")(dashboard_cmd)
# --- commands: bench (issue 9) ---


def main() -> None:
    cli()
