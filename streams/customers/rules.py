"""The customers-at-risk engine: pure functions from (state, input, clock) to (state, alerts).

Three inputs move a customer's state: a scored contact (``process_event``), a person's follow-up
(``apply_followup``) and the clock (``tick``, driven by a timer so SLA warnings fire with no further
events). Nothing here touches Kafka or faust, so every rule is unit-tested with plain values and the
evaluation harness replays whole journeys through the same code the worker runs.

Functions take ownership of the ``CustomerState`` they are given (it is a fresh decode of the table
value in the worker) and return it updated.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ripple.contracts import (
    AlertKind,
    AlertReason,
    AlertStatus,
    Channel,
    CustomerAlert,
    FollowupEvent,
    FollowupKind,
    ScoredFeedback,
    Severity,
)
from streams.customers.config import CustomerRules
from streams.customers.state import (
    ABUSE,
    NEGATIVE,
    POSITIVE,
    VERY_NEGATIVE,
    Contact,
    CustomerState,
    Episode,
)

ALERT_NAMESPACE = uuid.UUID("6f1c2a4e-8d1b-5c7e-9a53-2f0e4b7d1c55")
"""uuid5 namespace of alert ids: the same customer and episode always give the same alert id."""

DAY = 86_400.0
SEVERITY_ORDER = (Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)
SEVERITY_WEIGHT = {Severity.LOW: 1.0, Severity.MEDIUM: 2.0, Severity.HIGH: 3.0, Severity.CRITICAL: 4.0}
RULE_SEVERITY = {
    "very_negative": Severity.HIGH,
    "complaint": Severity.MEDIUM,
    "nps_detractor": Severity.MEDIUM,
    "low_rating": Severity.MEDIUM,
    "repeat_negative": Severity.MEDIUM,
    "threat": Severity.HIGH,
    "broken_promise": Severity.MEDIUM,
}
# Checked in order: the first reason present picks the recommended action.
ACTIONS = (
    (
        "public_threat",
        "Call within 2 h, before it goes public: a named owner apologises, fixes the cause and "
        "offers compensation where warranted; then ask how the customer feels now.",
    ),
    (
        "churn_threat",
        "Retention call within 2 h by a named owner: acknowledge, fix, and make a tangible offer "
        "(a real discount beats a postcard).",
    ),
    (
        "broken_promise",
        "Honour the original promise or compensate the difference, and confirm it in writing.",
    ),
    (
        "very_negative",
        "Acknowledge today, investigate quickly, resolve, and tell the customer yourself before the deadline.",
    ),
    (
        "complaint",
        "Answer the complaint today: acknowledge, fix what it names, and tell the customer yourself.",
    ),
    (
        "repeat_negative",
        "Repeated bad contacts: one named owner takes the case across channels and calls back.",
    ),
    ("nps_detractor", "Call the detractor back, ask what went wrong, and close the loop."),
    ("low_rating", "Answer the low rating: ask what went wrong, fix it, and close the loop."),
)
ABUSE_ACTION = (
    "Abuse path, not win-back: protect the agent, answer per the abuse policy, no compensation; "
    "a supervisor reviews the contact."
)


def alert_id(customer_id: str, kind: str, episode: int) -> str:
    """Stable id for downstream dedup: the same customer, kind and episode give the same id."""
    return str(uuid.uuid5(ALERT_NAMESPACE, f"{customer_id}\x1f{kind}\x1f{episode}"))


def contact_score(ev: ScoredFeedback) -> float | None:
    """The contact's satisfaction in [-1, 1]: fused score, else text, else the customer's own rating."""
    if ev.satisfaction is not None:
        return ev.satisfaction
    if ev.sentiment is not None:
        return ev.sentiment
    if ev.stars is not None:
        return (ev.stars - 3) / 2
    if ev.csat is not None:
        return (ev.csat - 3) / 2
    if ev.nps is not None:
        return (ev.nps - 5) / 5
    return None


@dataclass(frozen=True, slots=True)
class HostileContact:
    """An abusive contact handled by an agent: forwarded (keyed by agent) to the exposure counter."""

    agent_id: str
    customer_id: str
    event_id: str
    t: float
    duration_s: float


@dataclass(slots=True)
class Outcome:
    state: CustomerState
    alerts: list[CustomerAlert] = field(default_factory=list)
    hostile: HostileContact | None = None
    duplicate: bool = False
    ignored: str | None = None  # why a follow-up changed nothing
    closed_by: str | None = None  # set when this input closed the loop: "followup" | "recovery"


def _ts(dt: datetime) -> float:
    return dt.timestamp()


def _dt(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _max_severity(a: str, b: str) -> str:
    order = [s.value for s in SEVERITY_ORDER]
    return a if order.index(a) >= order.index(b) else b


def _escalate(sev: str) -> str:
    order = [s.value for s in SEVERITY_ORDER]
    return order[min(order.index(sev) + 1, len(order) - 1)]


def priority(severity: str, value: float | None, segment: str | None, reach: int, rules: CustomerRules) -> float:
    """Severity weighted by customer value (log: 10x the value is not 10x the care), segment and reach."""
    value_factor = 1.0 + math.log2(1.0 + (value or 0.0) / rules.value_reference)
    segment_factor = rules.segment_weights.get((segment or "").lower(), 1.0)
    reach_factor = 1.0 + math.log10(max(reach, 1)) / 2
    return round(SEVERITY_WEIGHT[Severity(severity)] * value_factor * segment_factor * reach_factor, 3)


def _decay(state: CustomerState, t: float, rules: CustomerRules) -> None:
    if state.risk_t and t > state.risk_t:
        state.risk *= 0.5 ** ((t - state.risk_t) / (rules.decay_half_life_days * DAY))
    state.risk_t = max(state.risk_t, t)


def _remember(state: CustomerState, contact: Contact, rules: CustomerRules) -> None:
    recent = state.recent
    recent.append(contact)
    if len(recent) > 1 and recent[-2].t > contact.t:  # late arrival: keep time order
        recent.sort(key=lambda c: c.t)
    horizon = recent[-1].t - rules.history_days * DAY
    while recent and (recent[0].t < horizon or len(recent) > rules.max_recent):
        recent.pop(0)


def _snippet(ev: ScoredFeedback, rules: CustomerRules) -> str | None:
    if rules.snippet_chars <= 0 or not ev.text:
        return None
    text = " ".join(ev.text.split())
    return text if len(text) <= rules.snippet_chars else text[: rules.snippet_chars - 1] + "…"


def _drivers(ev: ScoredFeedback) -> tuple[str, ...]:
    return tuple(d[:64] for d in ev.drivers[:8])


def _reasons(
    state: CustomerState, ev: ScoredFeedback, score: float | None, flags: int, rules: CustomerRules
) -> list[AlertReason]:
    """Which dissatisfaction rules this contact triggers (with the contacts that prove it)."""
    on = rules.enabled_rules
    out: list[AlertReason] = []
    snippet = _snippet(ev, rules)
    drivers = _drivers(ev)
    me = (ev.event_id,)
    ch = (ev.channel,)

    def this_contact(rule: str, detail: str, cues: tuple[str, ...] = ()) -> AlertReason:
        """A reason proven by this contact alone."""
        return AlertReason(rule=rule, event_ids=me, channels=ch, drivers=cues + drivers, detail=detail,
                           snippet=snippet)

    if "very_negative" in on and flags & VERY_NEGATIVE:
        out.append(this_contact("very_negative", f"satisfaction {score:.2f}"))
    if (
        "complaint" in on
        and flags & NEGATIVE
        and not flags & VERY_NEGATIVE  # very_negative already covers it, with a higher severity
        and ev.channel.value in rules.complaint_channels
        and (not rules.complaint_needs_aspect or ev.aspects or set(ev.cues) - set(rules.abuse_cues))
    ):
        what = ", ".join(ev.aspects[:4]) or ", ".join(ev.cues[:4])
        out.append(this_contact("complaint", f"complaint ({what}), satisfaction {score:.2f}"))
    if (
        "nps_detractor" in on
        and ev.nps is not None
        and ev.nps <= rules.nps_detractor_max
        and ev.sentiment is not None
        and ev.sentiment <= rules.nps_text_threshold
    ):
        out.append(this_contact("nps_detractor", f"NPS {ev.nps} with negative text ({ev.sentiment:.2f})"))
    if "low_rating" in on and ev.sentiment is not None and ev.sentiment <= rules.nps_text_threshold:
        low = (
            f"{ev.stars} stars"
            if ev.stars is not None and ev.stars <= rules.low_stars_max
            else f"CSAT {ev.csat}"
            if ev.csat is not None and ev.csat <= rules.low_csat_max
            else None
        )
        if low is not None:
            out.append(this_contact("low_rating", f"{low} with negative text ({ev.sentiment:.2f})"))
    if "repeat_negative" in on and flags & NEGATIVE:
        since = ev.event_time.timestamp() - rules.repeat_window_days * DAY
        hits = [
            c
            for c in state.recent
            if c.flags & NEGATIVE and c.t >= since and (rules.abuse_counts_for_winback or not c.flags & ABUSE)
        ]
        if len(hits) >= rules.repeat_negative_count:
            hits = hits[-16:]
            out.append(
                AlertReason(
                    rule="repeat_negative",
                    event_ids=tuple(c.event_id for c in hits),
                    channels=tuple(dict.fromkeys(Channel(c.channel) for c in hits)),
                    drivers=drivers,
                    detail=f"{len(hits)} negative contacts within {rules.repeat_window_days:g} days",
                    snippet=snippet,
                )
            )
    if "threat" in on:
        threats = [c for c in ev.cues if c in rules.threat_cues]
        if threats:
            out.append(this_contact("threat", "threat: " + ", ".join(threats), tuple(threats)))
    # The cue says a promise was broken; a clearly positive contact with it ("earlier than promised") is a
    # promise kept. The aspect only says a promise was *mentioned* ("a day earlier than you said"), so it
    # counts only in a negative contact.
    if "broken_promise" in on and not flags & POSITIVE:
        marks = [m for m in rules.broken_promise_markers if m in ev.cues or (m in ev.aspects and flags & NEGATIVE)]
        if marks:
            out.append(this_contact("broken_promise", "broken promise"))
    return out


def _severity_of(reasons: list[dict[str, object]] | list[AlertReason], public: bool) -> str:
    sev = Severity.LOW.value
    rules_seen: set[str] = set()
    for r in reasons:
        rule = str(r["rule"] if isinstance(r, dict) else r.rule)
        drivers = r["drivers"] if isinstance(r, dict) else r.drivers
        rules_seen.add(rule)
        rs = RULE_SEVERITY.get(rule, Severity.MEDIUM).value
        if rule == "threat" and "public_threat" in drivers:  # type: ignore[operator]
            rs = Severity.CRITICAL.value
        sev = _max_severity(sev, rs)
    if len(rules_seen) >= 3 or public:
        sev = _escalate(sev)
    return sev


def _action(reasons: list[dict[str, object]]) -> str:
    present: set[str] = set()
    for r in reasons:
        present.add(str(r["rule"]))
        present.update(str(d) for d in r.get("drivers", ()))  # type: ignore[attr-defined]
    for key, text in ACTIONS:
        if key in present:
            return text
    return ACTIONS[-1][1]


def build_alert(
    customer_id: str,
    state: CustomerState,
    kind: AlertKind,
    event_time: datetime,
    now: datetime,
    rules: CustomerRules,
) -> CustomerAlert:
    """Publish the episode as it now stands (every publication is the whole alert, not a diff)."""
    ep = state.episode
    assert ep is not None
    ttc = (ep.closed_at - ep.opened_at) if ep.closed_at is not None else None
    recovery = round(ep.after - ep.before, 4) if ep.after is not None and ep.before is not None else None
    return CustomerAlert(
        alert_id=ep.alert_id,
        version=ep.version,
        kind=kind,
        status=AlertStatus(ep.status),
        customer_id=customer_id,
        episode=ep.episode,
        severity=Severity(ep.severity),
        priority=priority(ep.severity, state.value, state.segment, ep.reach, rules),
        reasons=tuple(AlertReason.model_validate(r) for r in ep.reasons),
        trigger_event_id=ep.trigger_event_id,
        estimated_reach=ep.reach,
        customer_value=state.value,
        segment=state.segment,
        risk_score=round(max(state.risk, 0.0), 4),
        recommended_action=_action(ep.reasons),
        owner=ep.owner,
        opened_at=_dt(ep.opened_at),
        warn_at=_dt(ep.warn_at),
        due_by=_dt(ep.due_by),
        acknowledged_at=_dt(ep.acknowledged_at) if ep.acknowledged_at is not None else None,
        closed_at=_dt(ep.closed_at) if ep.closed_at is not None else None,
        time_to_close_s=max(ttc, 0.0) if ttc is not None else None,
        sentiment_before=ep.before,
        sentiment_after=ep.after,
        recovery=recovery,
        event_time=event_time,
        emitted_at=now,
    )


def _merge_reasons(old: list[dict[str, object]], new: list[AlertReason]) -> list[dict[str, object]]:
    """One reason per rule: evidence ids accumulate (bounded), the latest contact's words and snippet win.

    Keeps the alert readable and the state bounded however long the customer keeps complaining.
    """
    by_rule = {str(r["rule"]): dict(r) for r in old}
    for r in new:
        d = r.model_dump(mode="json")
        prev = by_rule.get(r.rule)
        if prev is not None:
            ids = list(dict.fromkeys([*prev["event_ids"], *d["event_ids"]]))  # type: ignore[misc]
            chans = list(dict.fromkeys([*prev["channels"], *d["channels"]]))  # type: ignore[misc]
            d["event_ids"], d["channels"] = ids[-16:], chans[-16:]
        by_rule[r.rule] = d
    return list(by_rule.values())


def _abuse_alert(
    customer_id: str,
    state: CustomerState,
    ev: ScoredFeedback,
    now: datetime,
    rules: CustomerRules,
    detail: str = "abusive contact",
) -> CustomerAlert:
    cues = tuple(c for c in ev.cues if c in rules.abuse_cues)
    reach = rules.reach.of(ev.channel.value, ev.public)
    t = _ts(ev.event_time)
    return CustomerAlert(
        alert_id=alert_id(customer_id, "abuse", state.abuse_alerts),
        version=1,
        kind=AlertKind.ABUSE,
        status=AlertStatus.OPEN,
        customer_id=customer_id,
        episode=state.abuse_alerts,
        severity=Severity.MEDIUM,
        priority=priority(Severity.MEDIUM.value, None, None, 1, rules),
        reasons=(
            AlertReason(
                rule="abuse",
                event_ids=(ev.event_id,),
                channels=(ev.channel,),
                drivers=cues + _drivers(ev),
                detail=detail,
                snippet=_snippet(ev, rules),
            ),
        ),
        trigger_event_id=ev.event_id,
        estimated_reach=reach,
        customer_value=state.value,
        segment=state.segment,
        risk_score=round(state.risk, 4),
        recommended_action=ABUSE_ACTION,
        opened_at=_dt(min(t, _ts(now))),
        agent_id=ev.agent_id,
        event_time=ev.event_time,
        emitted_at=now,
    )


def _recently_abusive(state: CustomerState, t: float, rules: CustomerRules) -> bool:
    last = state.abuse_last_t
    return (
        not rules.abuse_counts_for_winback and last is not None and abs(t - last) <= rules.abusive_customer_days * DAY
    )


def _abuse_path(
    cid: str,
    state: CustomerState,
    ev: ScoredFeedback,
    now: datetime,
    rules: CustomerRules,
    out: Outcome,
    detail: str,
) -> None:
    """One abuse alert per customer per abuse cooldown; further abusive contacts are only counted."""
    now_t = _ts(now)
    last = state.abuse_alert_t
    if last is None or now_t - last >= rules.abuse_cooldown_hours * 3600:
        state.abuse_alerts += 1
        state.abuse_alert_t = now_t
        out.alerts.append(_abuse_alert(cid, state, ev, now, rules, detail))


def process_event(state: CustomerState, ev: ScoredFeedback, rules: CustomerRules, now: datetime) -> Outcome:
    """Fold one scored contact into the customer's state; open/update/recover an alert when due."""
    if state.seen(ev.event_id):  # a replay after a crash: the state already has it
        return Outcome(state, duplicate=True)
    cid = ev.customer_id
    t = _ts(ev.event_time)
    now_t = _ts(now)
    score = contact_score(ev)
    abuse = any(c in rules.abuse_cues for c in ev.cues)
    flags = 0
    if score is not None:
        if score <= rules.negative_threshold:
            flags |= NEGATIVE
        if score <= rules.very_negative_threshold:
            flags |= VERY_NEGATIVE
        if score >= rules.positive_threshold:
            flags |= POSITIVE
    if abuse:
        flags |= ABUSE

    state.contacts += 1
    if ev.customer_value is not None:
        state.value = ev.customer_value
    if ev.segment is not None:
        state.segment = ev.segment
    _decay(state, t, rules)
    if score is not None:
        if t >= state.last_t:
            state.last_satisfaction, state.last_t = score, t
        if score < 0 and not abuse:
            state.risk += -score * (0.5 ** (max(state.risk_t - t, 0.0) / (rules.decay_half_life_days * DAY)))
    if flags & NEGATIVE:
        state.negatives[ev.channel.value] = state.negatives.get(ev.channel.value, 0) + 1
    _remember(
        state,
        Contact(ev.event_id, t, ev.channel.value, None if score is None else round(score, 3), flags),
        rules,
    )

    out = Outcome(state)
    if abuse and ev.agent_id is not None:
        out.hostile = HostileContact(ev.agent_id, cid, ev.event_id, t, ev.duration_s or 0.0)
    if abuse and not rules.abuse_counts_for_winback:
        state.abuse_count += 1
        state.abuse_last_t = max(state.abuse_last_t or t, t)
        _abuse_path(cid, state, ev, now, rules, out, "abusive contact")
        return out

    reasons = _reasons(state, ev, score, flags, rules)
    ep = state.episode
    if reasons and _recently_abusive(state, t, rules) and (ep is None or not ep.is_open()):
        # Not rewarded: a complaint from a customer who abused staff recently stays on the abuse path
        # (a person still reads it there), instead of triggering a win-back offer.
        detail = "complaint from a recently abusive customer: " + ", ".join(r.rule for r in reasons)
        _abuse_path(cid, state, ev, now, rules, out, detail)
        return out
    if reasons:
        public = ev.public or rules.public_threat_cue in ev.cues
        reach = rules.reach.of(ev.channel.value, public)
        anchor = min(t, now_t)
        if ep is not None and ep.is_open():
            ep.reasons = _merge_reasons(ep.reasons, reasons)
            ep.version += 1
            ep.reach = max(ep.reach, reach)
            ep.severity = _max_severity(ep.severity, _severity_of(ep.reasons, public))
            ep.trigger_event_id = ev.event_id
            if score is not None:
                ep.before = score if ep.before is None else min(ep.before, score)
            kind = AlertKind.UPDATED
        elif ep is not None and ep.closed_at is not None and anchor - ep.closed_at < rules.cooldown_hours * 3600:
            # Cooldown: the same customer complaining again soon after closing re-opens the same alert.
            ep.reasons = _merge_reasons(ep.reasons, reasons)
            ep.version += 1
            ep.status = "open"
            ep.reach = max(ep.reach, reach)
            ep.severity = _max_severity(ep.severity, _severity_of(ep.reasons, public))
            ep.trigger_event_id, ep.trigger_t = ev.event_id, t
            ep.warn_at, ep.due_by = anchor + rules.warn_s, anchor + rules.sla_s
            ep.warned = ep.breached = ep.recovered = False
            ep.closed_at = ep.closed_by = ep.after = None
            ep.before = score
            kind = AlertKind.UPDATED
        else:
            state.episodes += 1
            dumped = [r.model_dump(mode="json") for r in reasons]
            state.episode = ep = Episode(
                alert_id=alert_id(cid, "winback", state.episodes),
                episode=state.episodes,
                status="open",
                version=1,
                opened_at=anchor,
                warn_at=anchor + rules.warn_s,
                due_by=anchor + rules.sla_s,
                severity=_severity_of(dumped, public),
                reach=reach,
                reasons=dumped,
                trigger_event_id=ev.event_id,
                trigger_t=t,
                before=score,
            )
            kind = AlertKind.OPENED
        out.alerts.append(build_alert(cid, state, kind, ev.event_time, now, rules))
    elif ep is not None and flags & POSITIVE and not flags & NEGATIVE and t >= ep.trigger_t:
        # Lifecycle times are on the contact's time axis (clamped to now), like opened_at and a
        # follow-up's closed_at: a replay after a crash then republishes the very same alert, and a
        # backfill measures time-to-close between contacts, not until the day it was replayed.
        at = min(t, now_t)
        if ep.is_open():
            ep.status, ep.closed_at, ep.closed_by = "closed", max(at, ep.opened_at), "recovery"
            ep.after, ep.recovered, ep.version, ep.trigger_event_id = score, True, ep.version + 1, ev.event_id
            out.closed_by = "recovery"
            out.alerts.append(build_alert(cid, state, AlertKind.RECOVERED, ev.event_time, now, rules))
        elif not ep.recovered and ep.closed_at is not None and at - ep.closed_at <= rules.recovery_window_days * DAY:
            ep.after, ep.recovered, ep.version, ep.trigger_event_id = score, True, ep.version + 1, ev.event_id
            out.alerts.append(build_alert(cid, state, AlertKind.RECOVERED, ev.event_time, now, rules))
    return out


def apply_followup(state: CustomerState, fu: FollowupEvent, rules: CustomerRules, now: datetime) -> Outcome:
    """A person acknowledged or completed the follow-up: record owner and times, close the loop."""
    ep = state.episode
    out = Outcome(state)
    if ep is None or ep.alert_id != fu.alert_id:
        out.ignored = "unknown_alert"
        return out
    if fu.event_id in ep.followups:
        out.duplicate = True
        return out
    ep.followups = [*ep.followups[-7:], fu.event_id]
    at = max(_ts(fu.at), ep.opened_at)
    if not ep.is_open():
        out.ignored = "already_closed"
        return out
    ep.owner = fu.owner
    ep.version += 1
    if fu.kind is FollowupKind.ACKNOWLEDGED:
        if ep.acknowledged_at is None:
            ep.acknowledged_at = at
        ep.status = "acknowledged"
        out.alerts.append(build_alert(fu.customer_id, state, AlertKind.UPDATED, fu.at, now, rules))
    else:
        ep.status, ep.closed_at, ep.closed_by = "closed", at, "followup"
        out.closed_by = "followup"
        out.alerts.append(build_alert(fu.customer_id, state, AlertKind.CLOSED, fu.at, now, rules))
    return out


def tick(customer_id: str, state: CustomerState, rules: CustomerRules, now: datetime) -> Outcome:
    """The clock moved: emit the SLA warning and/or breach that are due (each at most once)."""
    ep = state.episode
    out = Outcome(state)
    if ep is None or not ep.is_open():
        return out
    now_t = _ts(now)
    if not ep.warned and now_t >= ep.warn_at:
        ep.warned = True
        ep.version += 1
        out.alerts.append(build_alert(customer_id, state, AlertKind.SLA_WARNING, _dt(ep.warn_at), now, rules))
    if not ep.breached and now_t >= ep.due_by:
        ep.breached = True
        ep.version += 1
        out.alerts.append(build_alert(customer_id, state, AlertKind.SLA_BREACH, _dt(ep.due_by), now, rules))
    return out
