"""Producer commands (``ripple gateway``/``import``/``simulate``), registered in ripple/cli.py.

Heavy imports (FastAPI, uvicorn, kafka) happen inside the commands so ``ripple --help`` stays fast.
"""

from __future__ import annotations

import itertools
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from ripple.contracts import Channel


def _fail(message: str) -> None:
    from ripple.cli import fail

    fail(message)


def _settings() -> Any:
    from producers.settings import ProducerSettings

    return ProducerSettings()


def gateway_cmd(
    host: Annotated[str | None, typer.Option(help="Bind address (default RIPPLE_GATEWAY_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default RIPPLE_GATEWAY_PORT).")] = None,
    insecure_no_auth: Annotated[
        bool, typer.Option(help="Accept requests without an API key (dev only).")
    ] = False,
) -> None:
    """Run the HTTP ingest gateway (OpenAPI docs at /docs, metrics at /metrics)."""
    import uvicorn

    from producers.gateway import create_app

    settings = _settings()
    try:
        app = create_app(settings, require_auth=not insecure_no_auth)
    except ValueError as exc:
        _fail(
            f"{exc}; hash a key with: python -c \"import hashlib;print(hashlib.sha256(b'KEY').hexdigest())\""
        )
        return
    uvicorn.run(
        app,
        host=host or settings.gateway_host,
        port=port if port is not None else settings.gateway_port,
        log_level=settings.log_level,
        server_header=False,
    )


def import_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories (searched recursively).")],
    channel: Annotated[str, typer.Option("--channel", "-c", help="chat, email, review or phone_survey.")],
    rejects: Annotated[Path, typer.Option(help="Where rejected records go (JSON lines).")] = Path(
        "rejects.jsonl"
    ),
    ledger: Annotated[
        Path | None, typer.Option(help="Import ledger (default <data_dir>/import-ledger.sqlite).")
    ] = None,
    no_ledger: Annotated[
        bool, typer.Option(help="Produce everything again (downstream dedups by event_id).")
    ] = False,
    batch: Annotated[int, typer.Option(min=1, help="Events per acknowledged batch.")] = 5000,
) -> None:
    """Import channel exports (CSV, JSON, JSON lines, .eml, mbox); re-running adds nothing."""
    from producers.importer import ImportFailed, plain_progress, run_import

    try:
        ch = Channel(channel.replace("-", "_"))
    except ValueError:
        _fail(f"unknown channel {channel!r}; known: {', '.join(c.value for c in Channel)}")
        return
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        _fail(f"no such file or directory: {', '.join(missing)}")
        return
    settings = _settings()
    book = None if no_ledger else (ledger or settings.data_dir / "import-ledger.sqlite")
    from rich.console import Console

    console = Console(stderr=True)
    try:
        if console.is_terminal:
            from rich.progress import (
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            with Progress(
                SpinnerColumn(),
                TextColumn("[bold]import {task.description}"),
                MofNCompleteColumn(),
                TextColumn("accepted {task.fields[ok]} rejected {task.fields[bad]}"),
                TimeElapsedColumn(),
                console=console,
            ) as bar:
                task = bar.add_task(ch.value, total=None, ok=0, bad=0)
                summary = run_import(
                    settings,
                    ch,
                    paths,
                    rejects=rejects,
                    ledger=book,
                    batch_size=batch,
                    progress=lambda s: (
                        bar.update(task, completed=s.records, ok=s.accepted, bad=s.rejected)
                        if s.records % 500 == 0
                        else None
                    ),
                )
        else:
            summary = run_import(
                settings, ch, paths, rejects=rejects, ledger=book, batch_size=batch, progress=plain_progress()
            )
    except ImportFailed as exc:
        _fail(str(exc))
        return
    except OSError as exc:
        _fail(f"cannot read input or write {rejects}: {exc}")
        return
    except Exception as exc:  # broker unreachable at start-up (kafka NoBrokersAvailable etc.)
        _fail(f"import failed: {type(exc).__name__}: {exc}")
        return
    typer.echo(summary.line())
    if summary.rejected:
        typer.echo(
            f"rejects: {rejects} ({', '.join(f'{k}: {v}' for k, v in sorted(summary.reasons.items()))})"
        )


def _parse_channels(spec: str) -> dict[Channel, float]:
    out: dict[Channel, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, weight = part.partition("=")
        out[Channel(name.strip())] = float(weight)
    return out


def _parse_incident(spec: str) -> Any:
    from producers.sim.engine import Incident
    from producers.sim.texts import ASPECTS

    parts = spec.split(":")
    if len(parts) != 6:
        raise ValueError(f"{spec!r}: expected ID:CHANNEL:ASPECT:START_MIN:DURATION_MIN:BOOST")
    iid, ch, aspect, start, dur, boost = parts
    if aspect not in ASPECTS:
        raise ValueError(f"{aspect!r}: unknown aspect (known: {', '.join(ASPECTS)})")
    return Incident(
        iid, timedelta(minutes=float(start)), timedelta(minutes=float(dur)), Channel(ch), aspect, float(boost)
    )


def simulate_cmd(
    count: Annotated[int, typer.Option("--count", "-n", help="Events (0 = until stopped).")] = 1000,
    seed: Annotated[int, typer.Option(help="Same seed and options -> identical events and truth.")] = 42,
    customers: Annotated[int, typer.Option(min=1, help="Customer population.")] = 5000,
    mix: Annotated[
        str, typer.Option(help="Language mix, e.g. en=0.4,el=0.15,ru=0.2,hy=0.1,ta=0.15.")
    ] = "en=0.4,el=0.15,ru=0.2,hy=0.1,ta=0.15",
    channels: Annotated[
        str, typer.Option(help="Channel mix.")
    ] = "chat=0.35,email=0.25,review=0.2,phone_survey=0.2",
    rate: Annotated[float, typer.Option(help="Wall-clock events/s (0 = as fast as possible).")] = 0.0,
    speed: Annotated[
        float,
        typer.Option(
            help="Time-accelerated: event time runs this many times faster than "
            "the wall clock (overrides --rate)."
        ),
    ] = 0.0,
    rate_per_hour: Annotated[float, typer.Option(help="Mean event-time arrivals per hour.")] = 1200.0,
    start: Annotated[str, typer.Option(help="Event-time start: ISO 8601 or 'now'.")] = "2026-01-05T00:00:00Z",
    incident: Annotated[
        list[str] | None,
        typer.Option(
            help="ID:CHANNEL:ASPECT:START_MIN:DURATION_MIN:BOOST (repeatable); default one delivery outage."
        ),
    ] = None,
    no_incidents: Annotated[bool, typer.Option(help="No injected incidents.")] = False,
    truth: Annotated[
        Path | None,
        typer.Option(
            help="Write per-event truth here (JSON lines) and per-customer truth to <truth>.customers.jsonl."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write events here (JSON lines) instead of producing.")
    ] = None,
) -> None:
    """Realistic multilingual feedback for all four channels, with ground-truth labels."""
    from producers.sim.engine import Simulator, paced, paced_by_event_time, parse_mix

    try:
        weights = parse_mix(mix)
        chans = _parse_channels(channels)
        incidents = [] if no_incidents else ([_parse_incident(s) for s in incident] if incident else None)
        t0 = datetime.now(UTC) if start == "now" else datetime.fromisoformat(start)
        if t0.tzinfo is None:
            raise ValueError("--start needs a timezone (e.g. Z)")
        sim = Simulator(
            seed=seed,
            customers=customers,
            mix=weights,
            channels=chans,
            start=t0,
            rate_per_hour=rate_per_hour,
            incidents=incidents,
            keep_truth=False,
        )
    except ValueError as exc:
        _fail(str(exc))
        return
    from ripple.cli import _on_signals

    stop = threading.Event()
    _on_signals(stop)
    stream = sim.events(count) if count > 0 else (sim.event() for _ in itertools.count())
    stream = paced_by_event_time(stream, speed) if speed > 0 else paced(stream, rate)
    truth_fh = truth.open("wb") if truth else None
    out_fh = out.open("wb") if out else None
    producer = None
    if out_fh is None:
        from producers.kafka import FastProducer

        settings = _settings()
        producer = FastProducer(settings, "simulate", linger_ms=20)
    sent = 0
    try:
        for ev in stream:
            if stop.is_set():
                break
            if out_fh is not None:
                out_fh.write(ev.to_json() + b"\n")
            else:
                assert producer is not None
                producer.send(ev)
            if truth_fh is not None:
                truth_fh.write(orjson.dumps(sim.last_truth.as_dict()) + b"\n")
            sent += 1
    finally:
        undelivered = producer.close(30) if producer is not None else 0
        for fh in (truth_fh, out_fh):
            if fh is not None:
                fh.close()
        if truth is not None:
            with truth.with_name(truth.name + ".customers.jsonl").open("wb") as fh:
                for c in sim.truth.customers().values():
                    fh.write(orjson.dumps(c.as_dict()) + b"\n")
    if undelivered:
        _fail(f"{undelivered} of {sent} events were not acknowledged by {_settings().brokers}")
    where = str(out) if out else "feedback.raw.v1"
    print(f"simulated {sent} events -> {where}", file=sys.stderr if out is None else sys.stdout)
