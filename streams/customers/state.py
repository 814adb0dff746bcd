"""Per-customer state as kept in the faust table: small, versioned, serialised with orjson.

The table value is bytes we encode ourselves (short keys, no pydantic on the hot path) so a customer
costs a few hundred bytes in RocksDB and in the changelog topic, and decoding stays cheap at
thousands of events per second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

STATE_VERSION = 1

# Contact flags (bit set), so a recent interaction is one small list on the wire.
NEGATIVE = 1
VERY_NEGATIVE = 2
ABUSE = 4
POSITIVE = 8


@dataclass(slots=True)
class Contact:
    """One recent interaction: enough to re-evaluate windowed rules and to dedupe replays."""

    event_id: str
    t: float  # event time, epoch seconds
    channel: str
    score: float | None
    flags: int

    def to_wire(self) -> list[Any]:
        return [self.event_id, self.t, self.channel, self.score, self.flags]

    @classmethod
    def from_wire(cls, w: list[Any]) -> Contact:
        return cls(w[0], w[1], w[2], w[3], w[4])


@dataclass(slots=True)
class Episode:
    """The customer's current (or last) win-back alert and its follow-up loop."""

    alert_id: str
    episode: int
    status: str  # open | acknowledged | closed
    version: int
    opened_at: float
    warn_at: float
    due_by: float
    severity: str
    reach: int
    reasons: list[dict[str, Any]]
    trigger_event_id: str | None
    trigger_t: float
    before: float | None  # worst satisfaction among the triggering contacts
    warned: bool = False
    breached: bool = False
    owner: str | None = None
    acknowledged_at: float | None = None
    closed_at: float | None = None
    closed_by: str | None = None  # followup | recovery
    after: float | None = None
    recovered: bool = False
    followups: list[str] = field(default_factory=list)  # follow-up event ids seen (idempotency)

    def is_open(self) -> bool:
        return self.status != "closed"


@dataclass(slots=True)
class CustomerState:
    """Everything Ripple remembers about one customer across channels."""

    recent: list[Contact] = field(default_factory=list)
    negatives: dict[str, int] = field(default_factory=dict)  # negative contacts per channel (lifetime)
    contacts: int = 0
    risk: float = 0.0  # time-decayed negativity
    risk_t: float = 0.0
    last_satisfaction: float | None = None
    last_t: float = 0.0
    value: float | None = None
    segment: str | None = None
    episodes: int = 0
    episode: Episode | None = None
    abuse_count: int = 0
    abuse_alerts: int = 0
    abuse_alert_t: float | None = None
    abuse_last_t: float | None = None  # event time of the last abusive contact

    def seen(self, event_id: str) -> bool:
        return any(c.event_id == event_id for c in self.recent)

    def to_bytes(self) -> bytes:
        ep = self.episode
        d: dict[str, Any] = {
            "v": STATE_VERSION,
            "r": [c.to_wire() for c in self.recent],
            "n": self.negatives,
            "c": self.contacts,
            "k": [round(self.risk, 4), self.risk_t],
            "s": [self.last_satisfaction, self.last_t],
            "cv": [self.value, self.segment],
            "e": self.episodes,
            "a": [self.abuse_count, self.abuse_alerts, self.abuse_alert_t, self.abuse_last_t],
        }
        if ep is not None:
            d["ep"] = {k: getattr(ep, k) for k in Episode.__slots__}
        return orjson.dumps(d)

    @classmethod
    def from_bytes(cls, data: bytes | None) -> CustomerState:
        """Decode a table value; ``None`` (a customer never seen) gives an empty state."""
        if not data:
            return cls()
        d = orjson.loads(data)
        if d.get("v") != STATE_VERSION:
            raise ValueError(f"unsupported customer state version {d.get('v')!r}")
        ep = d.get("ep")
        return cls(
            recent=[Contact.from_wire(w) for w in d["r"]],
            negatives=d["n"],
            contacts=d["c"],
            risk=d["k"][0],
            risk_t=d["k"][1],
            last_satisfaction=d["s"][0],
            last_t=d["s"][1],
            value=d["cv"][0],
            segment=d["cv"][1],
            episodes=d["e"],
            episode=Episode(**ep) if ep is not None else None,
            abuse_count=d["a"][0],
            abuse_alerts=d["a"][1],
            abuse_alert_t=d["a"][2],
            abuse_last_t=d["a"][3] if len(d["a"]) > 3 else None,
        )


def due_entry(state: CustomerState, partition: int | None = None) -> bytes | None:
    """What the SLA timer needs to know about this customer, or None when nothing is pending.

    Kept in a second, small table so the timer scans only customers with open alerts. ``partition``:
    where the customer's state lives, so the timer can write its changelog record there.
    """
    ep = state.episode
    if ep is None or not ep.is_open() or ep.breached:
        return None
    return orjson.dumps([ep.warn_at if not ep.warned else None, ep.due_by, partition])


def next_deadline(entry: bytes) -> float:
    warn_at, due_by = orjson.loads(entry)[:2]
    return float(warn_at if warn_at is not None else due_by)


def entry_partition(entry: bytes) -> int | None:
    """The partition recorded in a due entry (None in entries written before it was recorded)."""
    d = orjson.loads(entry)
    return int(d[2]) if len(d) > 2 and d[2] is not None else None


class DecodedStates:
    """The decoded states of the customers saved most recently, so the next event skips the decode.

    Why: a customer's events come in bursts (a chat, a complaint followed by a follow-up), and decoding
    the table value was ~7% of the worker at 1,000 events/s. An entry is used only while the table
    still holds the bytes it was saved as (a restore, a rebalance or another writer makes it stale),
    and ``take`` hands the object over: whoever took it saves it again (``keep``) or drops it, so a
    state changed by a handler that then did not save can never come back.
    """

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._entries: dict[bytes, tuple[bytes, CustomerState]] = {}

    def take(self, key: bytes, data: bytes | None) -> CustomerState:
        """The state stored as ``data`` for ``key`` (decoded unless kept since it was saved)."""
        hit = self._entries.pop(key, None)
        if hit is not None and data is not None and hit[0] == data:
            return hit[1]
        return CustomerState.from_bytes(data)

    def keep(self, key: bytes, data: bytes, state: CustomerState) -> None:
        """Remember ``state``, just saved as ``data``; the least recently kept entry goes past ``size``."""
        entries = self._entries
        entries.pop(key, None)
        entries[key] = (data, state)
        if len(entries) > self.size:
            del entries[next(iter(entries))]

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
