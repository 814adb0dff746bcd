"""``ripple import``: files and directories of channel exports -> feedback.raw.v1, safe to re-run.

Safety on re-run comes from three layers:

1. deterministic event ids (same source record -> same id), so anything produced twice is removed
   downstream where tables are keyed by event_id;
2. an import ledger (SQLite, ``<data_dir>/import-ledger.sqlite`` by default) of ids the broker acknowledged;
   a re-run skips those and produces nothing new;
3. the ledger is written only *after* the broker acknowledged a batch, so a crash between produce and
   ledger write can only cause duplicates (removed downstream), never losses.

Rejected records go to a JSON-lines rejects file, one line per record: ``{"source", "record", "field",
"reason"}``. Records are produced with linger (librdkafka batches them) and acknowledged asynchronously.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO

import orjson

from producers import metrics
from producers.adapters.base import AdapterContext, RecordError
from producers.adapters.files import read_paths
from producers.kafka import FastProducer
from producers.settings import ProducerSettings
from ripple.contracts import Channel, RawFeedback


class ImportFailed(RuntimeError):
    """The broker did not acknowledge a batch; nothing after the last acknowledged batch is in the ledger."""


class Ledger:
    """Event ids the broker has acknowledged for earlier imports (SQLite, one table, primary key)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS produced (event_id TEXT PRIMARY KEY) WITHOUT ROWID")

    def known(self, ids: list[str]) -> set[str]:
        out: set[str] = set()
        for i in range(0, len(ids), 900):  # stay under SQLite's bound-variable limit
            chunk = ids[i : i + 900]
            q = f"SELECT event_id FROM produced WHERE event_id IN ({','.join('?' * len(chunk))})"
            out.update(r[0] for r in self.db.execute(q, chunk))
        return out

    def add(self, ids: Iterable[str]) -> None:
        with self.db:
            self.db.executemany("INSERT OR IGNORE INTO produced VALUES (?)", ((i,) for i in ids))

    def close(self) -> None:
        self.db.close()


@dataclass
class ImportSummary:
    records: int = 0
    accepted: int = 0
    rejected: int = 0
    already_imported: int = 0
    duplicates_in_run: int = 0
    elapsed_s: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        rate = self.records / self.elapsed_s if self.elapsed_s else 0.0
        return (
            f"{self.records} records: {self.accepted} accepted, {self.rejected} rejected, "
            f"{self.already_imported} already imported, {self.duplicates_in_run} duplicates in this run "
            f"({self.elapsed_s:.1f} s, {rate:,.0f} records/s)"
        )


Progress = Callable[[ImportSummary], None]


def plain_progress(stream: IO[str] = sys.stderr, every: int = 10_000) -> Progress:
    """Progress for non-terminals (CI logs, tests): one line every ``every`` records."""
    state = {"next": every, "t0": time.perf_counter()}

    def report(s: ImportSummary) -> None:
        if s.records >= state["next"]:
            state["next"] = (s.records // every + 1) * every
            rate = s.records / max(time.perf_counter() - state["t0"], 1e-9)
            print(
                f"import: {s.records} records, {s.accepted} accepted, {s.rejected} rejected ({rate:,.0f}/s)",
                file=stream,
                flush=True,
            )

    return report


def run_import(
    settings: ProducerSettings,
    channel: Channel,
    paths: list[Path],
    *,
    rejects: Path,
    ledger: Path | None,
    producer: FastProducer | None = None,
    batch_size: int = 5000,
    progress: Progress | None = None,
    ack_timeout: float = 60.0,
) -> ImportSummary:
    """Import ``paths``; returns the summary or raises ``ImportFailed`` when the broker does not ack."""
    ctx = AdapterContext(
        secret=settings.customer_id_secret.get_secret_value().encode(),
        assume_utc=True,
        max_future=timedelta(seconds=settings.gateway_max_future_s),
    )
    own = producer is None
    if producer is None:
        producer = FastProducer(
            settings, "import", linger_ms=settings.import_linger_ms, timeout_s=ack_timeout
        )
    book = Ledger(ledger) if ledger else None
    summary = ImportSummary()
    seen: set[str] = set()
    pending: list[RawFeedback] = []
    acked: list[str] = []  # appended by the delivery thread; list.append is atomic
    failures: list[BaseException] = []
    start = time.perf_counter()

    def on_delivery(event_id: str) -> Callable[[BaseException | None], None]:
        def done(err: BaseException | None) -> None:
            if err is None:
                acked.append(event_id)
            else:
                failures.append(err)

        return done

    def record_acked() -> None:
        n = len(acked)
        if n:
            ids = acked[:n]
            del acked[:n]
            summary.accepted += n
            if book:
                book.add(ids)

    def flush() -> None:
        """Skip what the ledger knows, queue the rest; the ledger only ever gets acknowledged ids."""
        if failures:
            raise ImportFailed(f"broker did not acknowledge {len(failures)} events: {failures[0]}")
        if not pending:
            return
        batch = list(pending)
        pending.clear()
        known = book.known([e.event_id for e in batch]) if book else set()
        summary.already_imported += len(known)
        for e in batch:
            if e.event_id not in known:
                producer.send(e, on_delivery(e.event_id))
        record_acked()

    rejects.parent.mkdir(parents=True, exist_ok=True)
    try:
        with rejects.open("wb") as rej:
            for item in read_paths(paths, channel, ctx):
                summary.records += 1
                if isinstance(item, RecordError):
                    summary.rejected += 1
                    summary.reasons[item.field] = summary.reasons.get(item.field, 0) + 1
                    metrics.REJECTED.labels(channel.value, "import").inc()
                    rej.write(orjson.dumps(item.as_dict()) + b"\n")
                elif item.event_id in seen:
                    summary.duplicates_in_run += 1
                else:
                    seen.add(item.event_id)
                    pending.append(item)
                    if len(pending) >= batch_size:
                        flush()
                if progress:
                    progress(summary)
            flush()
            undelivered = producer.flush(ack_timeout)
            record_acked()
            if failures or undelivered:
                raise ImportFailed(
                    f"broker did not acknowledge {len(failures) + undelivered} events"
                    + (f": {failures[0]}" if failures else "")
                )
    finally:
        summary.elapsed_s = time.perf_counter() - start
        if book:
            record_acked()
            book.close()
        if own:
            producer.close(5)
    return summary
