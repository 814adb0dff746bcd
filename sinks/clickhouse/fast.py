"""The sink's fast path for ``feedback.scored.v1``: msgspec decoding straight into insert columns.

Why: validating each record with the pydantic contract (``ScoredFeedback.model_validate_json``) and
building a row tuple cost ~30 us per record, which alone capped the sink near 20k rows/s. Here one
msgspec decode per record (C, ~3 us) checks types, enums, required fields, unknown fields and every
numeric and length bound of the contract; the checks msgspec would run in Python per field (the
identifier pattern, the timestamp format, control characters in text) run once per *batch* over a
joined string; and columns are built with one list comprehension each, in the form the driver encodes
fastest (``DateTime`` as epoch seconds, booleans as 0/1).

Exactness rule: the fast path may only accept a record that the contract accepts, and must then
produce the same values the contract path (``rows.feedback_row``) would. It is therefore stricter,
never looser: anything it is unsure about -- a record msgspec rejects, an identifier or timestamp
the batch check does not recognise, a value near a range edge -- is handed to the contract path,
which decides and gives the precise dead-letter reason. ``tests/unit/sinks/test_fast_parity.py`` runs
the poison corpora and valid records through both and asserts identical outcomes and rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from operator import add, itemgetter
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from ripple.contracts import _CONTROL, MAX_TEXT_CHARS

# The contract's identifier: ^[A-Za-z0-9][A-Za-z0-9._:@/+=-]*$, 1-128 characters.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}")
# The timestamps Ripple's producers write (pydantic's UTC form, "Z"): anything else (other offsets or
# layouts, leap seconds, more than 6 fraction digits) goes to the contract path, which accepts more.
_DIGITS_TO_0 = bytes.maketrans(b"123456789", b"000000000")
_TIME_SHAPES = frozenset([b"0000-00-00T00:00:00Z"] + [b"0000-00-00T00:00:00." + b"0" * k + b"Z" for k in range(1, 7)])
_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)
# ClickHouse DateTime (UInt32) bounds as rows.py checks them, kept one second inside so sub-second
# values at the very edge (which the contract path rejects) are never accepted here.
_EPOCH_MIN = 2
_EPOCH_MAX = int((datetime(2105, 12, 31, 23, 59, 59) - _EPOCH) / _SECOND) - 1

Text = Annotated[str, Meta(max_length=MAX_TEXT_CHARS)]
Str16 = Annotated[str, Meta(max_length=16)]
Str64 = Annotated[str, Meta(max_length=64)]
Str256 = Annotated[str, Meta(max_length=256)]
Str1000 = Annotated[str, Meta(max_length=1000)]
Str2048 = Annotated[str, Meta(max_length=2048)]


class FastScored(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """``ScoredFeedback`` (ripple.contracts) as msgspec sees it: same fields, same bounds.

    Identifiers and timestamps are plain strings here; their format is checked per batch by
    :func:`scored_columns`. ``gc=False``: a batch holds thousands of these, and tracking them made
    the cyclic collector rescan every live batch.
    """

    schema_version: Literal[1] = 1
    event_id: str
    customer_id: str
    channel: Literal["chat", "email", "review", "phone_survey"]
    event_time: str
    text: Text = ""
    stars: Annotated[int, Meta(ge=1, le=5)] | None = None
    csat: Annotated[int, Meta(ge=1, le=5)] | None = None
    nps: Annotated[int, Meta(ge=0, le=10)] | None = None
    agent_id: str | None = None
    conversation_id: str | None = None
    external_id: Str256 | None = None
    subject: Str1000 | None = None
    product: Str256 | None = None
    url: Str2048 | None = None
    public: bool = False
    duration_s: Annotated[float, Meta(ge=0, le=86_400)] | None = None
    hold_time_s: Annotated[float, Meta(ge=0, le=86_400)] | None = None
    rings: Annotated[int, Meta(ge=0, le=1000)] | None = None
    asr_confidence: Annotated[float, Meta(ge=0, le=1)] | None = None
    customer_value: Annotated[float, Meta(ge=0)] | None = None
    segment: Str64 | None = None
    incentivised: bool = False
    language_hint: Str16 | None = None
    language: str
    language_confidence: Annotated[float, Meta(ge=0, le=1)]
    sentiment: Annotated[float, Meta(ge=-1, le=1)] | None
    label: Literal["negative", "neutral", "positive", "unscored"]
    reliable: bool
    scorer: str
    scorer_version: str
    drivers: tuple[str, ...] = ()
    satisfaction: Annotated[float, Meta(ge=-1, le=1)] | None = None
    sarcasm: bool = False
    aspects: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    # The contract has no upper bound; rows.py rejects > UInt16 (value_out_of_range) -- that reason
    # comes from the contract path, so the fast path only takes what fits.
    pii_redacted: Annotated[int, Meta(ge=0, le=65_535)] = 0
    scored_at: str


_decode: Callable[[bytes], FastScored] = msgspec.json.Decoder(FastScored).decode


class _Minutes(dict[str, int]):
    """'YYYY-MM-DDTHH:MM' -> epoch seconds, computed (and validated) once per minute seen."""

    def __missing__(self, key: str) -> int:
        if len(self) > 100_000:
            self.clear()
        value = self[key] = (datetime.fromisoformat(key) - _EPOCH) // _SECOND
        return value


_MINUTES = _Minutes()
_MINUTE = itemgetter(slice(0, 16))
_SEC = itemgetter(slice(17, 19))
_SECONDS = {f"{i:02d}": i for i in range(60)}  # the format check allows 00-59 only


def _epochs(times: list[str]) -> list[int] | None:
    """Epoch seconds (floored, as the driver converts DateTime) of well-formed UTC times, else None.

    The shape is checked for all of them at once (digits mapped to 0, then compared with the allowed
    layouts); hour and minute are validated by ``fromisoformat`` once per distinct minute, and the
    seconds by the ``_SECONDS`` table (00-59).
    """
    if not times:
        return []
    joined = "\n".join(times)
    if not joined.isascii():
        return None
    shapes = joined.encode().translate(_DIGITS_TO_0).split(b"\n")
    if len(shapes) != len(times) or not _TIME_SHAPES.issuperset(shapes):
        return None
    try:  # C-level iteration (map): this runs twice per record
        out = list(
            map(add, map(_MINUTES.__getitem__, map(_MINUTE, times)), map(_SECONDS.__getitem__, map(_SEC, times)))
        )
    except (ValueError, KeyError):  # a calendar-invalid date or time such as 2026-02-30, 24:00 or :60
        return None
    if min(out) < _EPOCH_MIN or max(out) > _EPOCH_MAX:
        return None
    return out


def _ids_ok(ids: list[str]) -> bool:
    """Every id matches the contract's pattern and length (one pass over all of them, in C)."""
    if not ids:
        return True
    joined = "\n".join(ids)
    if not joined.isascii() or max(map(len, ids)) > 128:
        return False
    # One C pass maps letters/digits to "a", the other allowed characters to ".", anything else to
    # "!"; then: no "!", exactly the n-1 separators (an id containing "\n" adds one), and no id that
    # is empty or starts with "." (each starts after a "\n").
    shape = b"\n" + joined.encode().translate(_ID_SHAPE) + b"\n"
    return b"!" not in shape and shape.count(b"\n") == len(ids) + 1 and b"\n." not in shape and b"\n\n" not in shape


_ID_SHAPE = bytes(
    ord("a")
    if chr(c).isascii() and chr(c).isalnum()
    else ord(".")
    if chr(c) in "._:@/+=-"
    else c
    if c == 10
    else ord("!")
    for c in range(256)
)


def _record_ok(s: FastScored) -> bool:
    """The per-batch checks of :func:`decode`, for one record (to find the odd one out)."""
    for ident in (s.event_id, s.customer_id, s.agent_id, s.conversation_id):
        if ident is not None and _ID.fullmatch(ident) is None:
            return False
    if _CONTROL.search(s.text) or (s.subject is not None and _CONTROL.search(s.subject)):
        return False
    return _epochs([s.event_time, s.scored_at]) is not None


def _checked(ss: list[FastScored]) -> tuple[list[int], list[int]] | None:
    """The identifier, control-character and timestamp checks for all of ``ss`` at once.

    Returns the event_time and scored_at epoch columns, or None if any record fails (then each is
    checked alone).
    """
    ids = [s.event_id for s in ss] + [s.customer_id for s in ss]
    ids += [s.agent_id for s in ss if s.agent_id is not None]
    ids += [s.conversation_id for s in ss if s.conversation_id is not None]
    if not _ids_ok(ids):
        return None
    texts = "".join([s.text for s in ss]) + "".join([s.subject for s in ss if s.subject is not None])
    if _CONTROL.search(texts):
        return None
    event_time = _epochs([s.event_time for s in ss])
    scored_at = _epochs([s.scored_at for s in ss])
    if event_time is None or scored_at is None:
        return None
    return event_time, scored_at


def decode(
    values: Sequence[bytes], partitions: list[int], offsets: list[int]
) -> tuple[list[list[Any]], list[int], list[int]]:
    """The fast path for a batch: ``(columns, accepted, rest)``.

    ``columns`` holds the records at the indexes ``accepted`` (in order); ``rest`` are the indexes
    the fast path did not accept, for the contract path to decide.
    """
    out: list[FastScored | None] = []
    append = out.append
    for value in values:
        try:
            append(_decode(value))
        except (msgspec.DecodeError, ValueError):  # ValueError: also invalid UTF-8
            append(None)
    ok = [s for s in out if s is not None]
    checked = _checked(ok) if ok else ([], [])
    if checked is None:
        out = [s if s is not None and _record_ok(s) else None for s in out]
        ok = [s for s in out if s is not None]
        checked = _checked(ok) if ok else ([], [])
        assert checked is not None  # every record passed alone
    if len(ok) == len(values):
        return columns(ok, *checked, partitions, offsets), list(range(len(values))), []
    accepted = [i for i, s in enumerate(out) if s is not None]
    rest = [i for i, s in enumerate(out) if s is None]
    cols = columns(ok, *checked, [partitions[i] for i in accepted], [offsets[i] for i in accepted])
    return cols, accepted, rest


def columns(
    ss: Sequence[FastScored], event_time: list[int], scored_at: list[int], partitions: list[int], offsets: list[int]
) -> list[list[Any]]:
    """The ``feedback_events`` columns (rows.FEEDBACK_COLUMNS order) of checked records."""
    return [
        [s.event_id for s in ss],
        [s.customer_id for s in ss],
        [s.channel for s in ss],
        event_time,
        [s.text for s in ss],
        [s.stars for s in ss],
        [s.csat for s in ss],
        [s.nps for s in ss],
        [s.agent_id or "" for s in ss],
        [s.conversation_id or "" for s in ss],
        [s.subject or "" for s in ss],
        [s.product or "" for s in ss],
        list(map(int, [s.public for s in ss])),
        [s.duration_s for s in ss],
        [s.hold_time_s for s in ss],
        [s.rings for s in ss],
        [s.customer_value for s in ss],
        [s.segment or "" for s in ss],
        list(map(int, [s.incentivised for s in ss])),
        [s.language for s in ss],
        [s.language_confidence for s in ss],
        [s.sentiment for s in ss],
        [s.label for s in ss],
        list(map(int, [s.reliable for s in ss])),
        [s.scorer for s in ss],
        [s.scorer_version for s in ss],
        [s.drivers for s in ss],
        [s.satisfaction for s in ss],
        list(map(int, [s.sarcasm for s in ss])),
        [s.aspects for s in ss],
        [s.cues for s in ss],
        [s.pii_redacted for s in ss],
        scored_at,
        partitions,
        offsets,
    ]
