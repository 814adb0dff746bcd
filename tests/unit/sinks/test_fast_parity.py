"""The sink's fast path (msgspec -> columns) must decide exactly as the contract path (pydantic -> rows).

Every record -- valid ones, the reliability poison corpus, the contract tests' invalid cases and a
field-by-field mutation corpus of hostile values -- goes through both:

* the fast path alone may only accept what the contract accepts, producing the identical row;
* the sink's mapping (fast path + contract fallback) gives the same outcome as the contract path:
  the same row, or the same dead-letter reason and detail;
* whole batches (mixed good and bad, in every order) give the same rows in offset order.
"""

from __future__ import annotations

import json
import random
from typing import Any

import orjson
import pytest

from ripple.contracts import ScoredFeedback
from sinks.clickhouse import fast
from sinks.clickhouse.rows import (
    FEEDBACK_COLUMNS,
    RowError,
    Source,
    Sources,
    _epoch_row,
    scored_columns,
    scored_rows,
)
from sinks.sample import scored_events
from tests.reliability.poison import kinds

_SCORED_ONLY = {
    "language": "en",
    "language_confidence": 0.9,
    "sentiment": -0.5,
    "label": "negative",
    "reliable": True,
    "scorer": "vader",
    "scorer_version": "3.3.2",
    "scored_at": "2026-03-01T09:00:01.5Z",
}


def _norm(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(list(v) if isinstance(v, tuple | list) else v for v in row)


def _valid() -> list[dict[str, Any]]:
    return [orjson.loads(e.to_json()) for e in scored_events(300, seed=3, prefix="ok")]


def _mutations(base: dict[str, Any]) -> list[dict[str, Any] | bytes]:
    """Hostile values per field: edges of every bound, wrong types, odd time and id forms."""
    times = [
        "2026-03-01T09:00:00Z", "2026-03-01T09:00:00.000001Z", "2026-03-01T09:00:00.1234567Z",
        "2026-03-01T09:00:00+00:00", "2026-03-01T09:00:00-00:00", "2026-03-01T09:00:00+02:00",
        "2026-03-01T09:00:00.5+05:30", "2026-03-01 09:00:00Z", "2026-03-01t09:00:00z", "2026-03-01T09:00Z",
        "2026-03-01T24:00:00Z", "2026-03-01T23:60:00Z", "2026-03-01T23:59:60Z", "2026-02-30T09:00:00Z",
        "2026-13-01T09:00:00Z", "0000-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "1970-01-01T00:00:00Z",
        "1970-01-01T00:00:00.5Z", "1970-01-01T00:00:01Z", "1970-01-01T00:00:02Z", "2105-12-31T23:59:58Z",
        "2105-12-31T23:59:59Z", "2105-12-31T23:59:59.5Z", "2106-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
        "２０２６-03-01T09:00:00Z", "2026-03-01T09:00:00Z\n", " 2026-03-01T09:00:00Z", "2026-03-01T09:00:00",
        "", 1772355600, 1772355600.5, -1, None, True, "1772355600", "2026-W09-7T09:00:00Z",
    ]  # fmt: skip
    ids = [
        "a", "A" * 128, "A" * 129, "", " a", "a b", "a\n", "\na", "a\nb", "-a", ".a", "a-._:@/+=b", "é", "a\u0000",
        "ａ", "١٢٣", 5, None, ["a"], "a" * 1000,
    ]  # fmt: skip
    texts = [
        "", "x" * 20_000, "x" * 20_001, "é" * 20_000, "😀" * 20_000, "😀" * 20_001, "a\tb\nc\rd", "a\x00b",
        "\x1b[0m", "\x7f", "\x85 next line", "\u2028\u2029", "\ufeff", 42, None, ["t"],
    ]  # fmt: skip
    numbers = [0, 1, -1, 0.5, 1.0, 5, 6, 10, 11, 1000, 1001, 86_400, 86_400.0001, -0.0, 1e400, -1e400, 10**30,
               2**64, 65_535, 65_536, "1", True, None, [1]]  # fmt: skip
    out: list[dict[str, Any] | bytes] = []
    for f in ("event_time", "scored_at"):
        out += [{**base, f: v} for v in times]
    for f in ("event_id", "customer_id", "agent_id", "conversation_id"):
        out += [{**base, f: v} for v in ids]
    for f in ("text", "subject"):
        out += [{**base, f: v} for v in texts]
    for f in ("stars", "csat", "nps", "rings", "duration_s", "hold_time_s", "customer_value", "asr_confidence",
              "language_confidence", "sentiment", "satisfaction", "pii_redacted", "schema_version"):  # fmt: skip
        out += [{**base, f: v} for v in numbers]
    for f in ("public", "incentivised", "reliable", "sarcasm"):
        out += [{**base, f: v} for v in (True, False, 0, 1, "true", None)]
    for f in ("channel", "label"):
        out += [{**base, f: v} for v in ("chat", "review", "negative", "unscored", "CHAT", "", None, 1)]
    for f in ("drivers", "aspects", "cues", "evidence"):
        out += [{**base, f: v} for v in ([], ["a"], ["a", "😀"], [1], [None], "ab", None, [["a"]])]
    for f in ("language", "scorer", "scorer_version", "external_id", "url", "product", "segment", "language_hint"):
        out += [{**base, f: v} for v in ("", "x" * 16, "x" * 17, "x" * 64, "x" * 65, "x" * 257, None, 1)]
    for f in list(base):
        out.append({k: v for k, v in base.items() if k != f})  # each field missing
    out.append({**base, "surprise": 1})
    raw = orjson.dumps(base)
    out += [
        raw + b" ", b" " + raw, raw + b"\n", raw[:-1] + b',"event_id":"dup"}',
        raw.replace(b'"language":"', b'"language":"\\u00e9'),
        raw.replace(b'"text":"', b'"text":"\\ud800'), raw.replace(b'"text":"', b'"text":"\xed\xa0\x80'),
        raw.replace(b'"sentiment":', b'"sentiment":NaN,"x":'), raw.replace(b'"stars":null', b'"stars":5.0'),
        raw.replace(b'"stars":null', b'"stars":1e0'), raw + b"{}", b"[" + raw + b"]", b"", b"null",
        raw.replace(b'"customer_value":', b'"customer_value":1e400,"x":'),
        raw.replace(b'"sentiment":', b'"sentiment":-0.0,"x":'),
    ]  # fmt: skip
    return out


def _poison(base: dict[str, Any]) -> list[bytes]:
    """The reliability poison corpus (raw-topic records) turned into scored records where they are objects."""
    out = []
    for _, data, _ in kinds("p"):
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError:
            out.append(data)
            continue
        out.append(orjson.dumps({**obj, **_SCORED_ONLY}) if isinstance(obj, dict) else data)
    # tests/unit/ripple/test_contracts.py's invalid cases, on a scored record
    for patch in (
        {"event_time": "2026-03-01T10:00:00"}, {"channel": "fax"}, {"stars": 6}, {"stars": 0}, {"nps": 11},
        {"csat": "five"}, {"event_id": ""}, {"event_id": "has space"}, {"customer_id": None},
        {"text": "x" * 20_001}, {"text": "bell\x07"}, {"surprise": 1}, {"schema_version": 2},
    ):  # fmt: skip
        out.append(orjson.dumps({**base, **patch}))
    return out


def _corpus() -> list[bytes]:
    valid = _valid()
    base = next(v for v in valid if v["stars"] is None and v["subject"] is None)
    records: list[bytes] = [orjson.dumps(v) for v in valid]
    for m in _mutations(base) + _mutations(valid[1]):
        # json (not orjson): integers past 64 bits and infinities must reach the decoders as written
        records.append(m if isinstance(m, bytes) else json.dumps(m, ensure_ascii=False).encode())
    records += _poison(base)
    return records


CORPUS = _corpus()


def _reference(value: bytes, offset: int) -> tuple[Any, ...] | RowError:
    """The contract path's outcome: the row (DateTime as epoch seconds, like the fast path) or the error."""
    (out,) = scored_rows([value], [Source(1, offset)])
    return out if isinstance(out, RowError) else _norm(_epoch_row(out))


def _same(err: RowError, ref: object) -> bool:
    return isinstance(ref, RowError) and (err.reason, err.detail) == (ref.reason, ref.detail)


def test_the_fast_struct_mirrors_the_contract_fields() -> None:
    """A field added to ScoredFeedback must be added to FastScored too (else every record falls back)."""
    assert set(fast.FastScored.__struct_fields__) == set(ScoredFeedback.model_fields)


def test_corpus_has_both_outcomes_and_the_fast_path_takes_the_valid_records() -> None:
    accepted = [v for v in CORPUS if not isinstance(_reference(v, 0), RowError)]
    assert len(accepted) > 400 and len(CORPUS) - len(accepted) > 300
    _, taken, rest = fast.decode(CORPUS[:300], [1] * 300, list(range(300)))
    assert taken == list(range(300)) and not rest  # all simulated records take the fast path


@pytest.mark.parametrize("i", range(len(CORPUS)))
def test_fast_path_accepts_only_what_the_contract_accepts_with_the_same_row(i: int) -> None:
    value = CORPUS[i]
    ref = _reference(value, i)
    cols, taken, _ = fast.decode([value], [1], [i])
    if taken:
        assert not isinstance(ref, RowError), f"fast path accepted what the contract rejects: {ref}"
        assert _norm(next(zip(*cols, strict=True))) == ref
    cols2, kept, rejects = scored_columns([value], Sources(1, [i], [None]))
    if kept:
        assert _norm(cols2.rows()[0]) == ref
    else:
        ((_, err),) = rejects
        assert _same(err, ref)


def test_mixed_batches_give_the_contract_paths_rows_in_offset_order() -> None:
    rng = random.Random(5)
    for _ in range(20):
        batch = rng.sample(CORPUS, 200)
        offsets = list(range(1000, 1200))
        ref = [_reference(v, o) for v, o in zip(batch, offsets, strict=True)]
        cols, kept, rejects = scored_columns(batch, Sources(1, offsets, [None] * 200))
        assert [_norm(r) for r in cols.rows()] == [r for r in ref if not isinstance(r, RowError)]
        assert kept == [i for i, r in enumerate(ref) if not isinstance(r, RowError)]
        assert [i for i, _ in rejects] == [i for i, r in enumerate(ref) if isinstance(r, RowError)]
        assert all(_same(e, ref[i]) for i, e in rejects)
        assert len(cols.data) == len(FEEDBACK_COLUMNS)
