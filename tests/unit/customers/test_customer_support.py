"""State encoding, rule configuration, the follow-up validator and agent protection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from pydantic import ValidationError

from ripple.contracts import AlertKind, CustomerAlert, FollowupEvent
from streams.customers.config import CustomerRules
from streams.customers.exposure import Exposure, decode_hostile, encode_hostile, record_hostile
from streams.customers.followups import Rejection, send_followup, validate_followup
from streams.customers.journeys import scored
from streams.customers.rules import HostileContact, process_event
from streams.customers.state import CustomerState, due_entry, next_deadline

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_state_round_trips_and_stays_small() -> None:
    rules = CustomerRules()
    state = CustomerState()
    for i in range(30):
        ev = scored(
            "c1",
            f"event-{i:06d}",
            T0 + timedelta(hours=i),
            -0.9 if i % 3 else 0.5,
            text="The parcel is late again " * 4,
            customer_value=120.5,
            segment="vip",
        )
        state = process_event(state, ev, rules, ev.event_time).state
    data = state.to_bytes()
    back = CustomerState.from_bytes(data)
    assert back.to_bytes() == data and back.episode == state.episode and back.recent == state.recent
    assert len(data) < 4096


def test_empty_and_unknown_state_versions() -> None:
    assert CustomerState.from_bytes(None) == CustomerState()
    with pytest.raises(ValueError, match="version"):
        CustomerState.from_bytes(orjson.dumps({"v": 99}))


def test_due_entry_only_for_open_alerts_with_pending_deadlines() -> None:
    rules = CustomerRules(warn_seconds=3, sla_seconds=5)
    assert due_entry(CustomerState()) is None
    out = process_event(CustomerState(), scored("c1", "e1", T0, -0.9), rules, T0)
    entry = due_entry(out.state)
    assert entry is not None and next_deadline(entry) == (T0 + timedelta(seconds=3)).timestamp()
    assert out.state.episode is not None
    out.state.episode.warned = True
    assert next_deadline(due_entry(out.state) or b"") == (T0 + timedelta(seconds=5)).timestamp()
    out.state.episode.breached = True
    assert due_entry(out.state) is None


def test_rules_from_env_and_yaml_and_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    yml = tmp_path / "rules.yaml"
    yml.write_text("very_negative_threshold: -0.7\nreach:\n  public: 250\nenabled_rules: [threat, very_negative]\n")
    monkeypatch.setenv("RIPPLE_CUSTOMERS_CONFIG", str(yml))
    monkeypatch.setenv("RIPPLE_CUSTOMERS_SLA_HOURS", "4")
    r = CustomerRules()
    assert r.very_negative_threshold == -0.7 and r.reach.public == 250 and r.sla_s == 4 * 3600
    assert r.enabled_rules == ("threat", "very_negative") and r.reach.chat == 10
    monkeypatch.setenv("RIPPLE_CUSTOMERS_VERY_NEGATIVE_THRESHOLD", "-0.5")  # env beats the file
    assert CustomerRules().very_negative_threshold == -0.5
    toml = tmp_path / "rules.toml"
    toml.write_text('timezone = "Asia/Yerevan"\nrepeat_window_days = 3\n[reach]\nreview = 20\n')
    monkeypatch.setenv("RIPPLE_CUSTOMERS_CONFIG", str(toml))
    r = CustomerRules()
    assert r.timezone == "Asia/Yerevan" and r.repeat_window_days == 3 and r.reach.review == 20


def test_invalid_rules_fail_loudly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="unknown rules"):
        CustomerRules(enabled_rules=("very_negative", "vibes"))
    with pytest.raises(ValidationError):
        CustomerRules(timezone="Mars/Olympus")
    monkeypatch.setenv("RIPPLE_CUSTOMERS_CONFIG", str(tmp_path / "missing.yaml"))
    with pytest.raises(FileNotFoundError):
        CustomerRules()


def test_warning_never_after_the_deadline() -> None:
    assert CustomerRules(warn_seconds=9, sla_seconds=5).warn_s == 5


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b"{nope", 400, "invalid_json"),
        (b"[1, 2]", 422, "invalid_followup"),
        (b'{"event_id": "f1"}', 422, "invalid_followup"),
        (b"x" * 20_000, 413, "too_large"),
    ],
)
def test_followup_validator_rejects_precisely(body: bytes, status: int, reason: str) -> None:
    r = validate_followup(body)
    assert isinstance(r, Rejection) and (r.status, r.reason) == (status, reason)


def test_followup_validator_accepts_and_normalises_time() -> None:
    body = {
        "event_id": "f1",
        "customer_id": "c1",
        "alert_id": "a1",
        "kind": "followup.completed",
        "owner": "Maria K.",
        "at": "2026-03-02T12:00:00+02:00",
    }
    ev = validate_followup(orjson.dumps(body))
    assert isinstance(ev, FollowupEvent) and ev.at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    bad = validate_followup({**body, "kind": "followup.maybe"})
    assert isinstance(bad, Rejection) and "kind" in bad.detail
    naive = validate_followup({**body, "at": "2026-03-02T12:00:00"})
    assert isinstance(naive, Rejection) and "at" in naive.detail


def test_send_followup_keys_by_customer() -> None:
    sent: list[tuple[str, bytes, bytes]] = []

    class Recorder:
        def send(self, topic: str, key: bytes, value: bytes) -> None:
            sent.append((topic, key, value))

    ev = FollowupEvent(event_id="f1", customer_id="c9", alert_id="a", kind="followup.acknowledged", owner="o", at=T0)
    send_followup(Recorder(), ev)
    assert sent == [("feedback.followups.v1", b"c9", ev.to_json())]


def _hostile(eid: str, when: datetime, duration: float, agent: str = "ag1") -> HostileContact:
    return HostileContact(agent, f"cust-{eid}", eid, when.timestamp(), duration)


def test_agent_alert_after_two_long_hostile_contacts_before_eleven_local() -> None:
    rules = CustomerRules(timezone="Asia/Yerevan")  # UTC+4: 06:00 UTC is 10:00 local
    morning = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    state, alert = record_hostile(Exposure(), _hostile("h1", morning, 700), rules, morning)
    assert alert is None
    state, alert = record_hostile(state, _hostile("h2", morning + timedelta(minutes=50), 660), rules, morning)
    assert isinstance(alert, CustomerAlert) and alert.kind is AlertKind.AGENT_ABUSE
    assert alert.agent_id == "ag1" and alert.hostile_contacts == 2 and alert.exposure_s == 1360
    assert alert.reasons[0].event_ids == ("h1", "h2") and "Asia/Yerevan" in alert.reasons[0].detail
    # One alert per agent and shift.
    state, again = record_hostile(state, _hostile("h3", morning + timedelta(minutes=90), 900), rules, morning)
    assert again is None and len(state.contacts) == 3
    # Next local day: a new shift starts from zero.
    state, nxt = record_hostile(state, _hostile("h4", morning + timedelta(days=1), 900), rules, morning)
    assert nxt is None and state.shift == "2026-03-03" and not state.alerted


def test_short_or_afternoon_hostile_contacts_do_not_count() -> None:
    rules = CustomerRules(timezone="UTC")
    s = Exposure()
    s, a1 = record_hostile(s, _hostile("h1", datetime(2026, 3, 2, 9, tzinfo=UTC), 300), rules, T0)
    s, a2 = record_hostile(s, _hostile("h2", datetime(2026, 3, 2, 12, tzinfo=UTC), 1200), rules, T0)
    s, a3 = record_hostile(s, _hostile("h3", datetime(2026, 3, 2, 10, 30, tzinfo=UTC), 1200), rules, T0)
    assert (a1, a2, a3) == (None, None, None)
    s, dup = record_hostile(s, _hostile("h3", datetime(2026, 3, 2, 10, 30, tzinfo=UTC), 1200), rules, T0)
    assert dup is None and len(s.contacts) == 3


def test_threshold_is_configurable_and_encoding_round_trips() -> None:
    rules = CustomerRules(agent_hostile_contacts=1, agent_hostile_min_duration_s=60)
    h = _hostile("h1", datetime(2026, 3, 2, 8, tzinfo=UTC), 61)
    assert decode_hostile(encode_hostile(h)) == h
    s, a = record_hostile(Exposure(), h, rules, T0)
    assert a is not None and Exposure.from_bytes(s.to_bytes()) == s
