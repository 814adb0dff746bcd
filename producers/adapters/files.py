"""Reading channel exports from disk: files and directories (recursive), one outcome per source record.

Streaming (a generator per file) so a 100k-row export never sits in memory twice. Each yielded item is
either a ``RawFeedback`` or a ``RecordError`` naming the file, the record (1-based line for CSV/JSON lines,
index for JSON arrays, message number for mbox) and the field.
"""

from __future__ import annotations

import csv
import mailbox
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from producers.adapters import email as email_adapter
from producers.adapters.base import AdapterContext, AdapterError, RecordError, problems_of
from producers.adapters.records import RECORD_MODELS
from ripple.contracts import Channel, RawFeedback

Item = RawFeedback | RecordError

EXTENSIONS: dict[Channel, tuple[str, ...]] = {
    Channel.CHAT: (".json", ".jsonl", ".ndjson"),
    Channel.EMAIL: (".eml", ".mbox"),
    Channel.REVIEW: (".csv", ".json", ".jsonl", ".ndjson"),
    Channel.PHONE_SURVEY: (".csv", ".json", ".jsonl", ".ndjson"),
}

# Common export column names -> our field names (lower-cased header, spaces/dashes as underscores).
CSV_ALIASES: dict[str, str] = {
    "rating": "stars",
    "score": "stars",
    "star_rating": "stars",
    "body": "text",
    "content": "text",
    "review": "text",
    "review_text": "text",
    "comment": "text",
    "headline": "title",
    "summary": "title",
    "id": "review_id",
    "reviewid": "review_id",
    "date": "created_at",
    "created": "created_at",
    "review_date": "created_at",
    "timestamp": "created_at",
    "sku": "product",
    "product_name": "product",
    "link": "url",
    "review_url": "url",
    "reviewer": "author",
    "user": "author",
    "username": "author",
    "caller": "customer_phone",
    "phone": "customer_phone",
    "email": "customer_email",
    "call_started_at": "called_at",
    "call_time": "called_at",
    "asr_conf": "asr_confidence",
    "duration": "duration_s",
    "call_duration_s": "duration_s",
    "hold_time": "hold_time_s",
    "hold_s": "hold_time_s",
    "agent": "agent_id",
    "id_call": "call_id",
}


def iter_files(paths: Iterable[Path], channel: Channel) -> Iterator[Path]:
    """Files to read, in a stable order; directories are walked recursively for the channel's extensions."""
    exts = EXTENSIONS[channel]
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in exts)
        else:
            yield path


def adapt_record(channel: Channel, record: Any, ctx: AdapterContext, source: str, where: int | str) -> Item:
    """Validate one native record (a dict) and convert it; never raises for bad data."""
    model = RECORD_MODELS[channel]
    if not isinstance(record, dict):
        return RecordError(
            source, where, "record", f"record: expected a JSON object, got {type(record).__name__}"
        )
    try:
        return model.model_validate(record, context=ctx.validation_context()).to_raw(ctx)
    except ValidationError as exc:
        problems = problems_of(exc)
    except AdapterError as exc:
        problems = exc.problems
    field, reason = problems[0]
    extra = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return RecordError(source, where, field, f"{field}: {reason}{extra}")


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    with path.open(newline="", encoding="utf-8-sig", errors="strict") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            return
        names = [h.strip().lower().replace(" ", "_").replace("-", "_") for h in header]
        names = [CSV_ALIASES.get(n, n) for n in names]
        line = reader.line_num + 1
        for row in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                yield start, None, f"has {len(row)} columns, header has {len(names)}"
                continue
            yield start, {k: v for k, v in zip(names, row, strict=True) if v.strip() != ""}, ""


def _read_csv(path: Path, channel: Channel, ctx: AdapterContext) -> Iterator[Item]:
    allowed = set(RECORD_MODELS[channel].model_fields)
    src = str(path)
    try:
        for line, row, problem in _csv_rows(path):
            if row is None:
                yield RecordError(src, line, "row", f"row: {problem}")
                continue
            yield adapt_record(channel, {k: v for k, v in row.items() if k in allowed}, ctx, src, line)
    except UnicodeDecodeError as exc:
        yield RecordError(src, "file", "encoding", f"encoding: not UTF-8 ({exc.reason} at byte {exc.start})")
    except csv.Error as exc:
        yield RecordError(src, "file", "csv", f"csv: {exc}")


def _read_jsonl(path: Path, channel: Channel, ctx: AdapterContext) -> Iterator[Item]:
    src = str(path)
    with path.open("rb") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield RecordError(src, n, "json", f"json: {exc}")
                continue
            yield adapt_record(channel, record, ctx, src, n)


def _read_json(path: Path, channel: Channel, ctx: AdapterContext) -> Iterator[Item]:
    src = str(path)
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        yield RecordError(src, "file", "json", f"json: {exc}")
        return
    records = data if isinstance(data, list) else [data]
    for i, record in enumerate(records):
        yield adapt_record(channel, record, ctx, src, i)


def _email_item(raw: bytes, ctx: AdapterContext, src: str, where: int | str) -> Item:
    try:
        return email_adapter.to_raw(raw, ctx)
    except AdapterError as exc:
        f, reason = exc.problems[0]
        return RecordError(src, where, f, f"{f}: {reason}")


def _read_mbox(path: Path, ctx: AdapterContext) -> Iterator[Item]:
    box = mailbox.mbox(path, create=False)
    try:
        for n, key in enumerate(box.iterkeys(), 1):
            yield _email_item(box.get_bytes(key), ctx, str(path), n)
    finally:
        box.close()


def _starts_with(path: Path, prefix: bytes) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(prefix)) == prefix


def read_path(path: Path, channel: Channel, ctx: AdapterContext) -> Iterator[Item]:
    """Every record of one file as an event or an error."""
    suffix = path.suffix.lower()
    if not path.exists():
        yield RecordError(str(path), "file", "path", "path: does not exist")
    elif channel is Channel.EMAIL:
        if suffix == ".mbox" or (suffix != ".eml" and _starts_with(path, b"From ")):
            yield from _read_mbox(path, ctx)
        else:
            yield _email_item(path.read_bytes(), ctx, str(path), 1)
    elif suffix == ".csv" and channel is not Channel.CHAT:
        yield from _read_csv(path, channel, ctx)
    elif suffix in (".jsonl", ".ndjson"):
        yield from _read_jsonl(path, channel, ctx)
    elif suffix == ".json":
        yield from _read_json(path, channel, ctx)
    else:
        yield RecordError(str(path), "file", "path", f"path: unsupported file type {suffix!r} for {channel}")


def read_paths(paths: Iterable[Path], channel: Channel, ctx: AdapterContext) -> Iterator[Item]:
    for path in iter_files(paths, channel):
        yield from read_path(path, channel, ctx)
