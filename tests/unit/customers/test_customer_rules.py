"""The dissatisfaction rules, the alert lifecycle and the closed loop, on plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ripple.contracts import AlertKind, AlertStatus, Channel, CustomerAlert, FollowupEvent, Severity
from streams.customers.config import CustomerRules
from streams.customers.journeys import scored
from streams.customers.rules import alert_id, apply_followup, contact_score, priority, process_event, tick
from streams.customers.state import CustomerState

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RULES = CustomerRules()


def feed(events: list, rules: CustomerRules = RULES, state: CustomerState | None = None):  # type: ignore[no-untyped-def]
    state = state or CustomerState()
    alerts: list[CustomerAlert] = []
    for ev in events:
        out = process_event(state, ev, rules, ev.event_time)
        state = CustomerState.from_bytes(out.state.to_bytes())  # as the worker: through the table bytes
        alerts.extend(out.alerts)
    return state, alerts


def test_one_very_negative_contact_opens_an_alert_with_evidence() -> None:
    ev = scored("c1", "e1", T0, -0.8, text="Terrible, worst ever", drivers=("terrible", "worst"))
    state, alerts = feed([ev])
    [a] = alerts
    assert a.kind is AlertKind.OPENED and a.status is AlertStatus.OPEN
    assert a.reasons[0].rule == "very_negative" and a.reasons[0].event_ids == ("e1",)
    assert a.reasons[0].drivers == ("terrible", "worst") and a.reasons[0].snippet == "Terrible, worst ever"
    assert a.trigger_event_id == "e1" and a.alert_id == alert_id("c1", "winback", 1)
    assert a.due_by == T0 + timedelta(hours=10) and a.warn_at == T0 + timedelta(hours=8)
    assert a.estimated_reach == 10 and a.severity is Severity.HIGH
    assert state.episode is not None and state.episode.is_open()


def test_a_mildly_negative_contact_alone_is_not_an_alert() -> None:
    # No aspect or cue: nothing says what went wrong, so there is no complaint to answer yet.
    _, alerts = feed([scored("c1", "e1", T0, -0.3)])
    assert alerts == []


def test_one_complaint_said_to_us_in_chat_or_email_is_enough() -> None:
    # "Let him say it to you, not to his friends": a mildly worded complaint that names what went wrong,
    # made to us directly, is an unresolved complaint and gets a follow-up.
    for channel in (Channel.CHAT, Channel.EMAIL):
        _, [a] = feed([scored("c1", "e1", T0, -0.3, channel=channel, aspects=("delivery",))])
        assert a.kind is AlertKind.OPENED and [r.rule for r in a.reasons] == ["complaint"]
        assert a.severity is Severity.MEDIUM and "delivery" in a.reasons[0].detail


@pytest.mark.parametrize(
    ("channel", "sentiment", "aspects", "fires"),
    [
        (Channel.REVIEW, -0.3, ("delivery",), False),  # rated channels speak through their ratings
        (Channel.PHONE_SURVEY, -0.3, ("delivery",), False),
        (Channel.CHAT, -0.1, ("delivery",), False),  # above negative_threshold: not a complaint
        (Channel.CHAT, 0.4, ("delivery",), False),
    ],
)
def test_complaint_rule_needs_a_direct_channel_and_negative_text(
    channel: Channel, sentiment: float, aspects: tuple[str, ...], fires: bool
) -> None:
    _, alerts = feed([scored("c1", "e1", T0, sentiment, channel=channel, aspects=aspects)])
    assert bool(alerts) is fires


def test_complaint_rule_is_configurable() -> None:
    ev = scored("c1", "e1", T0, -0.3, channel=Channel.REVIEW)
    assert feed([ev])[1] == []
    wide = CustomerRules(complaint_channels=("review",), complaint_needs_aspect=False)
    assert [r.rule for a in feed([ev], wide)[1] for r in a.reasons] == ["complaint"]
    off = CustomerRules(enabled_rules=("very_negative",))
    assert feed([scored("c1", "e1", T0, -0.3, aspects=("delivery",))], off)[1] == []


def test_an_unknown_complaint_channel_is_rejected_at_start() -> None:
    with pytest.raises(ValueError, match="unknown channels"):
        CustomerRules(complaint_channels=("chat", "emial"))


def test_a_very_negative_complaint_reports_very_negative_only() -> None:
    _, [a] = feed([scored("c1", "e1", T0, -0.8, aspects=("delivery",))])
    assert [r.rule for r in a.reasons] == ["very_negative"]


def test_two_negative_contacts_within_seven_days_across_channels() -> None:
    evs = [
        scored("c1", "e1", T0, -0.3, channel=Channel.EMAIL),
        scored("c1", "e2", T0 + timedelta(days=6), -0.3, channel=Channel.CHAT),
    ]
    state, alerts = feed(evs)
    [a] = alerts
    assert a.reasons[0].rule == "repeat_negative" and a.reasons[0].event_ids == ("e1", "e2")
    assert set(a.reasons[0].channels) == {Channel.EMAIL, Channel.CHAT}
    assert state.negatives == {"email": 1, "chat": 1}


def test_two_negative_contacts_eight_days_apart_are_not_repeat() -> None:
    evs = [scored("c1", "e1", T0, -0.3), scored("c1", "e2", T0 + timedelta(days=8), -0.3)]
    assert feed(evs)[1] == []


@pytest.mark.parametrize(
    ("nps", "sentiment", "fires"),
    [(6, -0.2, True), (3, -0.1, True), (7, -0.3, False), (5, 0.4, False), (0, None, False)],
)
def test_nps_detractor_needs_negative_text(nps: int, sentiment: float | None, fires: bool) -> None:
    ev = scored("c1", "e1", T0, sentiment, channel=Channel.PHONE_SURVEY, nps=nps, satisfaction=0.0)
    _, alerts = feed([ev])
    assert [r.rule for a in alerts for r in a.reasons] == (["nps_detractor"] if fires else [])


@pytest.mark.parametrize(
    ("fields", "sentiment", "fires"),
    [
        ({"stars": 2, "public": True}, -0.2, True),  # a 2-star review that complains
        ({"stars": 1, "public": True}, -0.06, True),
        ({"stars": 3, "public": True}, -0.4, False),  # a middling rating: a passive with a gripe
        ({"stars": 2, "public": True}, 0.3, False),  # the text does not complain
        ({"csat": 2}, -0.1, True),
        ({"csat": 3}, -0.3, False),
    ],
)
def test_low_rating_needs_negative_text(fields: dict[str, object], sentiment: float, fires: bool) -> None:
    # satisfaction pinned above every other rule's threshold: only low_rating can fire here.
    ev = scored("c1", "e1", T0, sentiment, channel=Channel.REVIEW, satisfaction=0.0, **fields)
    _, alerts = feed([ev])
    assert [r.rule for a in alerts for r in a.reasons] == (["low_rating"] if fires else [])


def test_low_rating_thresholds_are_configurable() -> None:
    ev = scored("c1", "e1", T0, -0.2, channel=Channel.REVIEW, satisfaction=0.0, stars=3)
    assert feed([ev])[1] == []
    assert [r.rule for a in feed([ev], CustomerRules(low_stars_max=3))[1] for r in a.reasons] == ["low_rating"]


@pytest.mark.parametrize(
    ("cue", "severity", "reach"),
    [("churn_threat", Severity.HIGH, 10), ("public_threat", Severity.CRITICAL, 100)],
)
def test_threat_cues_alert_even_with_mild_text(cue: str, severity: Severity, reach: int) -> None:
    _, [a] = feed([scored("c1", "e1", T0, -0.1, cues=(cue,))])
    assert a.reasons[0].rule == "threat" and cue in a.reasons[0].drivers
    assert a.severity is severity and a.estimated_reach == reach
    assert "2 h" in a.recommended_action


def test_broken_promise_by_cue_or_aspect() -> None:
    _, [a] = feed([scored("c1", "e1", T0, -0.2, aspects=("broken_promise", "price"))])
    _, [b] = feed([scored("c2", "e2", T0, 0.0, cues=("broken_promise",))])
    assert "broken_promise" in {r.rule for r in a.reasons}  # with "complaint": a negative chat naming it
    assert b.reasons[0].rule == "broken_promise"
    assert "promise" in a.recommended_action


def test_a_promise_merely_mentioned_in_a_non_negative_contact_is_not_broken() -> None:
    # The aspect names the topic ("a day earlier than you said"); without the cue only a negative
    # contact about a promise is a broken one (producers simulator: Greek praise fired the rule).
    _, alerts = feed([scored("c1", "e1", T0, 0.2, aspects=("broken_promise", "delivery"))])
    assert alerts == []


def test_a_promise_in_a_clearly_positive_contact_is_a_promise_kept() -> None:
    ev = scored("c1", "e1", T0, 0.8, text="Delivered a day earlier than promised!", cues=("broken_promise",))
    assert feed([ev])[1] == []


def test_abusive_contact_goes_to_the_abuse_path_not_win_back() -> None:
    ev = scored("c1", "e1", T0, -0.9, cues=("abuse",), agent_id="ag1", duration_s=700.0)
    out = process_event(CustomerState(), ev, RULES, T0)
    [a] = out.alerts
    assert a.kind is AlertKind.ABUSE and a.agent_id == "ag1" and "not win-back" in a.recommended_action
    assert out.state.episode is None
    assert out.hostile is not None and out.hostile.agent_id == "ag1" and out.hostile.duration_s == 700.0
    # Repeated abuse within the abuse cooldown: counted, not re-alerted; never feeds repeat_negative.
    out2 = process_event(
        out.state,
        scored("c1", "e2", T0 + timedelta(hours=1), -0.9, cues=("abuse",)),
        RULES,
        T0 + timedelta(hours=1),
    )
    assert out2.alerts == [] and out2.state.abuse_count == 2


def test_abuse_can_be_configured_to_count_for_win_back() -> None:
    rules = CustomerRules(abuse_counts_for_winback=True)
    _, alerts = feed([scored("c1", "e1", T0, -0.9, cues=("abuse",))], rules)
    assert [a.kind for a in alerts] == [AlertKind.OPENED]


def test_one_open_alert_per_customer_updated_not_repeated() -> None:
    evs = [
        scored("c1", "e1", T0, -0.9),
        scored("c1", "e2", T0 + timedelta(hours=1), -0.1, cues=("churn_threat",)),
        scored("c1", "e3", T0 + timedelta(hours=2), -0.9),
    ]
    state, alerts = feed(evs)
    assert [a.kind for a in alerts] == [AlertKind.OPENED, AlertKind.UPDATED, AlertKind.UPDATED]
    assert len({a.alert_id for a in alerts}) == 1 and [a.version for a in alerts] == [1, 2, 3]
    assert {r.rule for r in alerts[-1].reasons} == {"very_negative", "threat", "repeat_negative"}
    # The deadline stays the first trigger's: updates never postpone the follow-up.
    assert alerts[-1].due_by == alerts[0].due_by
    assert state.episodes == 1


def test_replayed_event_is_a_no_op() -> None:
    ev = scored("c1", "e1", T0, -0.9)
    state, _ = feed([ev])
    out = process_event(state, ev, RULES, T0 + timedelta(minutes=1))
    assert out.duplicate and out.alerts == []


def test_positive_contact_recovers_and_measures_recovery_and_time_to_close() -> None:
    state, _ = feed([scored("c1", "e1", T0, -0.8)])
    out = process_event(state, scored("c1", "e2", T0 + timedelta(hours=3), 0.7), RULES, T0 + timedelta(hours=3))
    [a] = out.alerts
    assert a.kind is AlertKind.RECOVERED and a.status is AlertStatus.CLOSED
    assert a.sentiment_before == -0.8 and a.sentiment_after == 0.7 and a.recovery == pytest.approx(1.5)
    assert a.time_to_close_s == pytest.approx(3 * 3600)


def test_a_replayed_recovery_republishes_the_same_alert_and_a_backfill_measures_event_time() -> None:
    # Found by the fault test: closed_at was the wall clock, so the same (alert_id, version) replayed
    # after a crash carried another closed_at, and a backfill's time to close ran until the replay.
    state, _ = feed([scored("c1", "e1", T0, -0.8)])
    good = scored("c1", "e2", T0 + timedelta(hours=3), 0.7)
    first = process_event(CustomerState.from_bytes(state.to_bytes()), good, RULES, T0 + timedelta(days=30))
    replay = process_event(CustomerState.from_bytes(state.to_bytes()), good, RULES, T0 + timedelta(days=31))
    [a], [b] = first.alerts, replay.alerts
    assert a.model_dump(exclude={"emitted_at"}) == b.model_dump(exclude={"emitted_at"})
    assert a.closed_at == T0 + timedelta(hours=3) and a.time_to_close_s == pytest.approx(3 * 3600)
    # ...and the cooldown after it is judged on the same axis: a complaint 2 h later re-opens it.
    late = scored("c1", "e3", T0 + timedelta(hours=5), -0.8)
    again = process_event(first.state, late, RULES, T0 + timedelta(days=30))
    assert [x.kind for x in again.alerts] == [AlertKind.UPDATED] and again.alerts[0].alert_id == a.alert_id


def test_followup_acknowledge_then_complete_closes_the_loop() -> None:
    state, [opened] = feed([scored("c1", "e1", T0, -0.8)])

    def fu(kind: str, eid: str, hours: float) -> FollowupEvent:
        return FollowupEvent(
            event_id=eid,
            customer_id="c1",
            alert_id=opened.alert_id,
            kind=kind,
            owner="maria",
            at=T0 + timedelta(hours=hours),
        )

    ack = apply_followup(state, fu("followup.acknowledged", "f1", 1), RULES, T0 + timedelta(hours=1))
    assert [a.status for a in ack.alerts] == [AlertStatus.ACKNOWLEDGED] and ack.alerts[0].owner == "maria"
    done = apply_followup(ack.state, fu("followup.completed", "f2", 4), RULES, T0 + timedelta(hours=4))
    [closed] = done.alerts
    assert closed.kind is AlertKind.CLOSED and closed.time_to_close_s == pytest.approx(4 * 3600)
    assert closed.acknowledged_at == T0 + timedelta(hours=1)
    again = apply_followup(done.state, fu("followup.completed", "f2", 4), RULES, T0 + timedelta(hours=5))
    assert again.duplicate and again.alerts == []
    # A closed alert ignores timers: no warning or breach after the loop was closed.
    assert tick("c1", done.state, RULES, T0 + timedelta(hours=11)).alerts == []
    # A positive contact after a closed loop still measures recovery, once.
    rec = process_event(done.state, scored("c1", "e9", T0 + timedelta(days=2), 0.6), RULES, T0 + timedelta(days=2))
    assert [a.kind for a in rec.alerts] == [AlertKind.RECOVERED] and rec.alerts[0].recovery == pytest.approx(1.4)


def test_followup_for_an_unknown_alert_is_ignored() -> None:
    state, _ = feed([scored("c1", "e1", T0, -0.8)])
    out = apply_followup(
        state,
        FollowupEvent(event_id="f1", customer_id="c1", alert_id="other", owner="x", kind="followup.completed", at=T0),
        RULES,
        T0,
    )
    assert out.ignored == "unknown_alert" and out.alerts == []


def test_sla_warning_then_breach_each_once() -> None:
    state, _ = feed([scored("c1", "e1", T0, -0.8)])
    assert tick("c1", state, RULES, T0 + timedelta(hours=7, minutes=59)).alerts == []
    warn = tick("c1", state, RULES, T0 + timedelta(hours=8))
    assert [a.kind for a in warn.alerts] == [AlertKind.SLA_WARNING]
    assert warn.alerts[0].event_time == T0 + timedelta(hours=8)
    assert tick("c1", warn.state, RULES, T0 + timedelta(hours=9)).alerts == []
    breach = tick("c1", warn.state, RULES, T0 + timedelta(hours=10))
    assert [a.kind for a in breach.alerts] == [AlertKind.SLA_BREACH]
    assert tick("c1", breach.state, RULES, T0 + timedelta(hours=30)).alerts == []


def test_late_timer_emits_warning_and_breach_together() -> None:
    state, _ = feed([scored("c1", "e1", T0, -0.8)])
    out = tick("c1", state, RULES, T0 + timedelta(hours=12))
    assert [a.kind for a in out.alerts] == [AlertKind.SLA_WARNING, AlertKind.SLA_BREACH]
    assert [a.version for a in out.alerts] == [2, 3]


def test_cooldown_reopens_the_same_alert_then_a_new_episode_after_it() -> None:
    state, [opened] = feed([scored("c1", "e1", T0, -0.8)])
    closed = apply_followup(
        state,
        FollowupEvent(
            event_id="f1",
            customer_id="c1",
            alert_id=opened.alert_id,
            kind="followup.completed",
            owner="o",
            at=T0 + timedelta(hours=1),
        ),
        RULES,
        T0 + timedelta(hours=1),
    ).state
    soon = process_event(closed, scored("c1", "e2", T0 + timedelta(hours=5), -0.9), RULES, T0 + timedelta(hours=5))
    [re] = soon.alerts
    assert re.alert_id == opened.alert_id and re.kind is AlertKind.UPDATED and re.status is AlertStatus.OPEN
    assert re.due_by == T0 + timedelta(hours=15)
    closed2 = apply_followup(
        soon.state,
        FollowupEvent(
            event_id="f2",
            customer_id="c1",
            alert_id=opened.alert_id,
            kind="followup.completed",
            owner="o",
            at=T0 + timedelta(hours=6),
        ),
        RULES,
        T0 + timedelta(hours=6),
    ).state
    later = T0 + timedelta(days=3)
    new = process_event(closed2, scored("c1", "e3", later, -0.9), RULES, later)
    assert new.alerts[0].kind is AlertKind.OPENED and new.alerts[0].alert_id == alert_id("c1", "winback", 2)
    assert new.alerts[0].episode == 2


def test_priority_grows_with_value_segment_and_reach_but_not_linearly() -> None:
    base = priority("high", None, None, 10, RULES)
    assert priority("high", 1000, None, 10, RULES) == pytest.approx(2 * base)
    assert priority("high", 10_000, None, 10, RULES) < 10 * base
    assert priority("high", None, "VIP", 10, RULES) == pytest.approx(1.5 * base)
    assert priority("high", None, None, 100, RULES) > base
    assert priority("critical", None, None, 10, RULES) > base


def test_value_and_segment_are_remembered_and_weight_the_alert() -> None:
    evs = [scored("c1", "e1", T0, 0.5, customer_value=5000.0, segment="vip"), scored("c1", "e2", T0, -0.9)]
    state, [a] = feed(evs)
    assert a.customer_value == 5000.0 and a.segment == "vip" and state.value == 5000.0
    assert a.priority > priority("high", None, None, 10, RULES) * 3


def test_unscored_text_falls_back_to_the_customers_own_rating() -> None:
    ev = scored("c1", "e1", T0, None, channel=Channel.REVIEW, stars=1, public=True, satisfaction=None)
    assert contact_score(ev) == -1.0
    _, [a] = feed([ev])
    assert a.reasons[0].rule == "very_negative" and a.estimated_reach == 100


def test_history_is_bounded_and_risk_decays() -> None:
    evs = [scored("c1", f"e{i}", T0 + timedelta(days=i), -0.1) for i in range(40)]
    state, _ = feed(evs, CustomerRules(negative_threshold=-0.05, repeat_negative_count=50))
    assert len(state.recent) <= RULES.max_recent
    assert state.recent[0].t >= (T0 + timedelta(days=39 - 30)).timestamp()
    # Steady state of a geometric series: bounded, not 40 * 0.1.
    assert 0.5 < state.risk < 1.6


def test_rules_can_be_switched_off() -> None:
    rules = CustomerRules(enabled_rules=("threat",))
    assert feed([scored("c1", "e1", T0, -0.95)], rules)[1] == []
    assert len(feed([scored("c1", "e2", T0, -0.1, cues=("churn_threat",))], rules)[1]) == 1


def test_snippets_can_be_disabled() -> None:
    _, [a] = feed([scored("c1", "e1", T0, -0.9, text="x" * 500)], CustomerRules(snippet_chars=0))
    assert a.reasons[0].snippet is None
    _, [b] = feed([scored("c1", "e1", T0, -0.9, text="y" * 500)])
    assert b.reasons[0].snippet is not None and len(b.reasons[0].snippet) == RULES.snippet_chars


def test_complaint_soon_after_abuse_stays_on_the_abuse_path() -> None:
    rude = scored("c1", "e1", T0, -0.9, cues=("abuse",))
    complaint = scored("c1", "e2", T0 + timedelta(days=2), -0.9, text="Parcel never came")
    state, alerts = feed([rude, complaint])
    assert [a.kind for a in alerts] == [AlertKind.ABUSE, AlertKind.ABUSE]
    assert "recently abusive" in alerts[1].reasons[0].detail and state.episode is None
    # Long after the abuse the same complaint is a win-back case again.
    later = scored("c1", "e3", T0 + timedelta(days=40), -0.9)
    _, more = feed([later], state=state)
    assert [a.kind for a in more] == [AlertKind.OPENED]
    # ... and the window is a setting (0 = off).
    _, off = feed([rude, complaint], CustomerRules(abusive_customer_days=0))
    assert [a.kind for a in off] == [AlertKind.ABUSE, AlertKind.OPENED]
