"""Shared adapter plumbing: errors as data, validation context, pydantic errors -> field reasons."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from ripple.contracts import RawFeedback


@dataclass(frozen=True)
class AdapterContext:
    """What an adapter needs besides the payload.

    ``secret`` keys the pseudonymous customer ids; ``now``/``max_future`` reject event times from a
    broken clock; ``assume_utc`` lets file exports with naive timestamps through as UTC (the gateway
    does not: an API client must say which timezone it means).
    """

    secret: bytes
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    max_future: timedelta = timedelta(hours=24)
    assume_utc: bool = False

    def validation_context(self) -> dict[str, Any]:
        return {"assume_utc": self.assume_utc}


@dataclass(frozen=True)
class RecordError:
    """One rejected record: where it came from, which field, and what is wrong with it."""

    source: str
    record: int | str
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "record": self.record, "field": self.field, "reason": self.reason}


@dataclass
class Outcome:
    """Result of adapting many records: accepted events and rejected records, both kept."""

    ok: list[RawFeedback] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)

    def extend(self, other: Outcome) -> None:
        self.ok.extend(other.ok)
        self.errors.extend(other.errors)


class AdapterError(ValueError):
    """A payload cannot become an event; ``problems`` lists (field, problem) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {p}" for f, p in problems))
        self.problems = problems

    @classmethod
    def one(cls, field_name: str, problem: str) -> AdapterError:
        return cls([(field_name, problem)])


def loc_name(loc: Iterable[Any]) -> str:
    return ".".join(str(p) for p in loc) or "body"


def problems_of(exc: ValidationError, rename: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """pydantic errors -> (field, problem); ``rename`` maps contract fields back to the payload's names."""
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        name = loc_name(err["loc"])
        if rename:
            name = rename.get(name, name)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "missing":
            msg = "required field missing"
        out.append((name, msg))
    return out


def check_time(ctx: AdapterContext, when: datetime, field_name: str) -> None:
    if when - ctx.now() > ctx.max_future:
        hours = ctx.max_future.total_seconds() / 3600
        raise AdapterError.one(field_name, f"is more than {hours:g} h in the future ({when.isoformat()})")


def build(rename: Mapping[str, str] | None = None, **fields: Any) -> RawFeedback:
    """Construct the contract model, turning its validation errors into payload-named problems."""
    try:
        return RawFeedback(**fields)
    except ValidationError as exc:
        raise AdapterError(problems_of(exc, rename)) from None
