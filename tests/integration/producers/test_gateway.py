"""The gateway over real HTTP against a real broker: accepted payloads land once, failures are honest."""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson
import pytest

from ripple import topics
from ripple.contracts import RawFeedback, parse
from ripple.dev.tansu import TansuBroker
from tests.conftest import consume_all
from tests.integration.producers.conftest import Gateway

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[2] / "data" / "producers"


def post(
    gw: Gateway, path: str, body: bytes, ctype: str = "application/json", key: str | None = None
) -> httpx.Response:
    headers = {"Content-Type": ctype, **({"Authorization": f"Bearer {key}"} if key else gw.headers)}
    return httpx.post(gw.url + path, content=body, headers=headers, timeout=30)


def test_each_channel_lands_once_and_retries_are_idempotent(gateway: Gateway, broker: TansuBroker) -> None:
    review = {
        "review_id": "r-77",
        "stars": 1,
        "title": "Broken",
        "text": "Stopped working, twice.",
        "product": "Blender",
        "url": "https://reviews.example/r/77",
        "author": "jo",
        "created_at": "2026-01-05T10:00:00Z",
    }
    call = {
        "call_id": "ivr-1",
        "called_at": "2026-01-05T09:00:00+02:00",
        "csat": 1,
        "nps": 0,
        "transcript": "forty minutes on hold",
        "asr_confidence": 0.8,
        "customer_phone": "+30 210 555 0101",
        "duration_s": 2700,
        "hold_time_s": 2400,
        "rings": 7,
        "agent_id": "agent07",
    }
    sent = [
        post(gateway, "/v1/chat", (DATA / "chat.json").read_bytes()),
        post(gateway, "/v1/email", (DATA / "multipart_reply_signature.eml").read_bytes(), "message/rfc822"),
        post(gateway, "/v1/reviews", orjson.dumps(review), key="second-key"),
        post(gateway, "/v1/phone-surveys", orjson.dumps(call)),
    ]
    assert [r.status_code for r in sent] == [202] * 4, [r.text for r in sent]
    ids = [r.json()["event_ids"][0] for r in sent]
    # A client retry (same payload) and a batch repeating two of them produce nothing new.
    again = post(gateway, "/v1/reviews", orjson.dumps(review))
    assert again.status_code == 200 and again.json() == {
        "accepted": 0,
        "duplicates": 1,
        "event_ids": [ids[2]],
    }
    batch = {
        "records": [
            {"channel": "review", "record": review},
            {"channel": "phone_survey", "record": call},
            {"channel": "email", "rfc822": (DATA / "html_only.eml").read_text()},
        ]
    }
    b = post(gateway, "/v1/batch", orjson.dumps(batch))
    assert b.status_code == 202 and b.json()["accepted"] == 1 and b.json()["duplicates"] == 2

    records = consume_all(broker.bootstrap, topics.RAW, 5)
    events = {parse(RawFeedback, r.value).event_id: (r, parse(RawFeedback, r.value)) for r in records}
    assert len(records) == 5 and set(ids) <= set(events)
    for rec, ev in events.values():
        assert rec.key == ev.customer_id.encode()
        assert b"@" not in rec.value  # no address, not even inside a Message-ID
        assert b"maria.k" not in rec.value.lower()
    mail = events[ids[1]][1]
    assert mail.customer_id.startswith("em:") and mail.subject == "Re: Your order #55213 has shipped"
    assert "Konstantinou" not in mail.text and "Good news" not in mail.text
    phone = events[ids[3]][1]
    assert (phone.csat, phone.nps, phone.hold_time_s, phone.rings) == (1, 0, 2400, 7)
    assert phone.event_time.isoformat() == "2026-01-05T07:00:00+00:00"
    assert events[ids[2]][1].public is True


def test_ops_endpoints_and_metrics(gateway: Gateway) -> None:
    assert httpx.get(gateway.url + "/healthz").status_code == 200
    docs = httpx.get(gateway.url + "/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = httpx.get(gateway.url + "/openapi.json").json()
    assert {"/v1/chat", "/v1/email", "/v1/reviews", "/v1/phone-surveys", "/v1/batch"} <= set(spec["paths"])
    body = spec["paths"]["/v1/reviews"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "stars" in body["properties"]
    assert post(gateway, "/v1/chat", (DATA / "chat.json").read_bytes()).status_code == 202
    text = httpx.get(gateway.url + "/metrics").text
    assert 'ripple_producer_produced_total{channel="chat",source="gateway"}' in text
    assert "ripple_gateway_requests_total" in text and "ripple_producer_ack_latency_seconds_bucket" in text


def test_broker_down_is_reported_as_503_not_accepted(gateway: Gateway, broker: TansuBroker) -> None:
    review = {"review_id": "r-down", "stars": 2, "author": "x", "created_at": "2026-01-05T10:00:00Z"}
    assert post(gateway, "/v1/reviews", orjson.dumps({**review, "review_id": "r-up"})).status_code == 202
    broker.stop()
    r = post(gateway, "/v1/reviews", orjson.dumps(review))
    assert r.status_code == 503, r.text
    assert r.json()["error"] == "broker_unavailable" and r.headers["Retry-After"]
    assert httpx.get(gateway.url + "/healthz").status_code == 503
    # The failed id was not remembered as produced: a retry is attempted again (and fails again).
    assert post(gateway, "/v1/reviews", orjson.dumps(review)).status_code == 503
