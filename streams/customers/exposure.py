"""Agent protection: hostile-contact exposure per agent per shift, and the supervisor alert.

"A few 10-20 minute hostile calls before 11:00 ruin an agent's day" (DOMAIN.md). The customers agent
forwards every abusive contact that names an agent, keyed by ``agent_id``; this module counts them per
local shift (calendar day in the configured time zone) and raises one ``agent_abuse`` alert per agent
and shift when the threshold is passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from ripple.contracts import AlertKind, AlertReason, AlertStatus, CustomerAlert, Severity
from streams.customers.config import CustomerRules
from streams.customers.rules import HostileContact, alert_id, priority

SUPERVISOR_ACTION = (
    "Supervisor: take the agent off the queue for a break and a debrief now; route further "
    "hostile contacts of this shift to a senior colleague."
)


@dataclass(slots=True)
class Exposure:
    shift: str = ""
    contacts: list[list[Any]] = field(default_factory=list)  # [event_id, t, duration_s, customer_id]
    alerted: bool = False

    def to_bytes(self) -> bytes:
        return orjson.dumps({"s": self.shift, "c": self.contacts, "a": self.alerted})

    @classmethod
    def from_bytes(cls, data: bytes | None) -> Exposure:
        if not data:
            return cls()
        d = orjson.loads(data)
        return cls(d["s"], d["c"], d["a"])


def encode_hostile(h: HostileContact) -> bytes:
    return orjson.dumps([h.agent_id, h.customer_id, h.event_id, h.t, h.duration_s])


def decode_hostile(data: bytes) -> HostileContact:
    a, c, e, t, d = orjson.loads(data)
    return HostileContact(str(a), str(c), str(e), float(t), float(d))


def _counts(contact: list[Any], rules: CustomerRules) -> bool:
    """A long hostile contact in the morning: the kind that ruins the rest of an agent's day."""
    local = datetime.fromtimestamp(float(contact[1]), rules.zone)
    hour = local.hour + local.minute / 60 + local.second / 3600
    long_enough = float(contact[2]) >= rules.agent_hostile_min_duration_s
    return long_enough and hour < rules.agent_hostile_before_hour


def record_hostile(
    state: Exposure, h: HostileContact, rules: CustomerRules, now: datetime
) -> tuple[Exposure, CustomerAlert | None]:
    """Add one hostile contact to the agent's shift; return the supervisor alert when it is due."""
    shift = datetime.fromtimestamp(h.t, rules.zone).date().isoformat()
    if shift != state.shift:
        if shift < state.shift:  # a late contact from an earlier shift: that shift's alert is history
            return state, None
        state = Exposure(shift=shift)
    if any(c[0] == h.event_id for c in state.contacts):
        return state, None
    state.contacts.append([h.event_id, h.t, h.duration_s, h.customer_id])
    state.contacts = state.contacts[-64:]
    qualifying = [c for c in state.contacts if _counts(c, rules)]
    if state.alerted or len(qualifying) < rules.agent_hostile_contacts:
        return state, None
    state.alerted = True
    exposure = round(sum(float(c[2]) for c in state.contacts), 1)
    event_time = datetime.fromtimestamp(h.t, UTC)
    reason = AlertReason(
        rule="agent_hostile_exposure",
        event_ids=tuple(str(c[0]) for c in qualifying[-16:]),
        detail=(
            f"{len(qualifying)} hostile contacts of {rules.agent_hostile_min_duration_s / 60:g}+ min before "
            f"{rules.agent_hostile_before_hour:g}:00 {rules.timezone} on {shift}"
        ),
    )
    alert = CustomerAlert(
        alert_id=alert_id(h.agent_id, "agent_abuse", int(shift.replace("-", ""))),
        version=1,
        kind=AlertKind.AGENT_ABUSE,
        status=AlertStatus.OPEN,
        customer_id=h.customer_id,
        episode=1,
        severity=Severity.HIGH,
        priority=priority(Severity.HIGH.value, None, None, 1, rules),
        reasons=(reason,),
        trigger_event_id=h.event_id,
        estimated_reach=0,
        recommended_action=SUPERVISOR_ACTION,
        opened_at=min(event_time, now),
        agent_id=h.agent_id,
        hostile_contacts=len(qualifying),
        exposure_s=exposure,
        event_time=event_time,
        emitted_at=now,
    )
    return state, alert
