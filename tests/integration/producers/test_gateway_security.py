"""Follow-ups over HTTP, request signatures, per-key rate limits and secret hygiene: real HTTP, real broker."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from kafka import KafkaConsumer, TopicPartition

from producers.security import sign
from producers.settings import hash_api_key
from ripple import topics
from ripple.contracts import FollowupEvent, parse
from ripple.dev.tansu import TansuBroker
from tests.conftest import consume_all
from tests.integration.producers.conftest import API_KEY, Gateway, producer_settings, serve

pytestmark = pytest.mark.integration

SIGNING = "sign-7f3a9c1e5b"
AT = datetime.now(UTC).replace(microsecond=0).isoformat()


def followup(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": "fu-1",
        "customer_id": "em:0a1b2c3d",
        "alert_id": "al-9",
        "kind": "followup.acknowledged",
        "owner": "support-team-b",
        "at": AT,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def end_offsets(bootstrap: str, topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        return sum(consumer.end_offsets([TopicPartition(topic, p) for p in parts]).values())
    finally:
        consumer.close()


def post(gw: Gateway, body: bytes, path: str = "/v1/followups", **headers: str) -> httpx.Response:
    return httpx.post(
        gw.url + path,
        content=body,
        headers={"Content-Type": "application/json", "X-API-Key": API_KEY, **headers},
        timeout=30,
    )


def signed(body: bytes, ts: int | None = None, secret: str = SIGNING) -> dict[str, str]:
    stamp = int(time.time()) if ts is None else ts
    return {"X-Ripple-Timestamp": str(stamp), "X-Ripple-Signature": sign(secret.encode(), stamp, body)}


def problem(r: httpx.Response) -> tuple[int, str, str]:
    body = r.json()
    assert all(d["problem"] for d in body["detail"]), body
    return r.status_code, body["error"], body["detail"][0]["field"]


@pytest.fixture
def signing_gateway(broker: TansuBroker, tmp_path: Path) -> Iterator[Gateway]:
    yield from serve(producer_settings(broker, tmp_path, gateway_signing_secret=SIGNING))


def test_followups_land_keyed_by_customer_once(gateway: Gateway, broker: TansuBroker) -> None:
    ack = orjson.dumps(followup())
    done = orjson.dumps(
        followup(event_id="fu-2", customer_id="ph:99ff", kind="followup.completed", owner="Ana")
    )
    first = post(gateway, ack)
    assert first.status_code == 202, first.text
    assert first.json() == {"accepted": 1, "duplicates": 0, "event_ids": ["fu-1"]}
    assert post(gateway, done).status_code == 202
    retry = post(gateway, ack)  # a client retry of the same event produces nothing new
    assert retry.status_code == 200 and retry.json()["duplicates"] == 1
    assert problem(post(gateway, ack, **{"X-API-Key": "wrong"})) == (401, "unauthorized", "X-API-Key")

    records = consume_all(broker.bootstrap, topics.FOLLOWUPS, 2)
    events = {parse(FollowupEvent, r.value).event_id: (r.key, parse(FollowupEvent, r.value)) for r in records}
    assert set(events) == {"fu-1", "fu-2"}
    assert events["fu-1"][0] == b"em:0a1b2c3d" and events["fu-2"][0] == b"ph:99ff"
    assert events["fu-2"][1].kind.value == "followup.completed" and events["fu-2"][1].owner == "Ana"
    assert end_offsets(broker.bootstrap, topics.FOLLOWUPS) == 2
    assert end_offsets(broker.bootstrap, topics.RAW) == 0
    assert "/v1/followups" in httpx.get(gateway.url + "/openapi.json").json()["paths"]


MALFORMED: list[tuple[str, bytes, dict[str, str], tuple[int, str, str]]] = [
    ("not json", b"{kind:", {}, (400, "invalid_json", "body")),
    ("json array", b"[1, 2]", {}, (422, "invalid_followup", "body")),
    ("empty", b"", {}, (400, "empty_body", "body")),
    ("wrong media type", orjson.dumps(followup()), {"Content-Type": "text/plain"},
     (415, "unsupported_media_type", "Content-Type")),
    ("unknown kind", orjson.dumps(followup(kind="followup.ignored")), {}, (422, "invalid_followup", "kind")),
    ("missing owner", orjson.dumps(followup(owner=None)), {}, (422, "invalid_followup", "owner")),
    ("empty owner", orjson.dumps(followup(owner="")), {}, (422, "invalid_followup", "owner")),
    ("control char owner", orjson.dumps(followup(owner="a\x07b")), {}, (422, "invalid_followup", "owner")),
    ("naive time", orjson.dumps(followup(at="2026-01-05T10:00:00")), {}, (422, "invalid_followup", "at")),
    ("bad customer id", orjson.dumps(followup(customer_id="has space")), {},
     (422, "invalid_followup", "customer_id")),
    ("unknown field", orjson.dumps(followup(note="x")), {}, (422, "invalid_followup", "note")),
    ("wrong schema version", orjson.dumps(followup(schema_version=2)), {},
     (422, "invalid_followup", "schema_version")),
    ("too large for a follow-up", orjson.dumps(followup(owner="x" * 20_000)), {}, (413, "too_large", "body")),
    ("no api key", orjson.dumps(followup()), {"X-API-Key": ""}, (401, "unauthorized", "X-API-Key")),
]


def test_malformed_followups_get_precise_4xx_and_produce_nothing(gateway: Gateway, broker: TansuBroker) -> None:
    for name, body, headers, expected in MALFORMED:
        r = post(gateway, body, **headers)
        assert problem(r) == expected, (name, r.text[:300])
        assert end_offsets(broker.bootstrap, topics.FOLLOWUPS) == 0, name


def test_signed_requests_fresh_once_and_everything_else_refused(
    signing_gateway: Gateway, broker: TansuBroker
) -> None:
    gw = signing_gateway
    body = orjson.dumps(followup())
    good = signed(body)
    assert post(gw, body, **good).status_code == 202
    assert problem(post(gw, body, **good)) == (409, "replayed", "X-Ripple-Signature")
    now = int(time.time())
    refused = [
        ({}, (401, "unsigned", "X-Ripple-Timestamp")),
        ({"X-Ripple-Timestamp": str(now)}, (401, "unsigned", "X-Ripple-Signature")),
        (signed(body, secret="not-the-secret"), (401, "bad_signature", "X-Ripple-Signature")),
        ({**signed(body), "X-Ripple-Timestamp": str(now + 1)}, (401, "bad_signature", "X-Ripple-Signature")),
        (signed(body + b" "), (401, "bad_signature", "X-Ripple-Signature")),  # signed another body
        (signed(body, ts=now - 301 - 5), (401, "stale", "X-Ripple-Timestamp")),
        (signed(body, ts=now + 301 + 5), (401, "stale", "X-Ripple-Timestamp")),
        ({"X-Ripple-Timestamp": "yesterday", "X-Ripple-Signature": "sha256=00"},
         (401, "bad_timestamp", "X-Ripple-Timestamp")),
    ]
    for headers, expected in refused:
        assert problem(post(gw, body, **headers)) == expected, headers
    # The ingest endpoints are signed too.
    review = orjson.dumps({"review_id": "r-s", "stars": 4, "author": "x", "created_at": "2026-01-05T10:00:00Z"})
    assert problem(post(gw, review, "/v1/reviews")) == (401, "unsigned", "X-Ripple-Timestamp")
    assert post(gw, review, "/v1/reviews", **signed(review)).status_code == 202
    # A retry re-signed with a fresh timestamp is authentic and deduplicated by event id.
    time.sleep(1.05)  # the new signature needs a different whole-second timestamp
    retry = post(gw, body, **signed(body))
    assert retry.status_code == 200 and retry.json()["duplicates"] == 1
    assert end_offsets(broker.bootstrap, topics.FOLLOWUPS) == 1
    assert end_offsets(broker.bootstrap, topics.RAW) == 1
    assert httpx.get(gw.url + "/healthz").status_code == 200  # ops endpoints stay unsigned


def test_rate_limit_per_api_key_answers_429_with_retry_after(broker: TansuBroker, tmp_path: Path) -> None:
    settings = producer_settings(broker, tmp_path, gateway_rate_per_s=0.2, gateway_rate_burst=3)
    for gw in serve(settings):
        answers = [post(gw, orjson.dumps(followup(event_id=f"fu-r{i}"))) for i in range(5)]
        assert [a.status_code for a in answers] == [202, 202, 202, 429, 429], [a.text for a in answers]
        limited = answers[3]
        assert problem(limited) == (429, "rate_limited", "X-API-Key")
        assert limited.headers["Retry-After"] in {"4", "5"}  # (1 token) / (0.2 tokens/s), rounded up
        # Another key has its own bucket.
        other = post(gw, orjson.dumps(followup(event_id="fu-other")), **{"X-API-Key": "second-key"})
        assert other.status_code == 202
        # A bad key is refused as unauthorised, not counted against anyone.
        assert post(gw, b"{}", **{"X-API-Key": "nope"}).status_code == 401
        assert end_offsets(broker.bootstrap, topics.FOLLOWUPS) == 4


def test_no_secret_is_ever_logged_or_returned(
    broker: TansuBroker, tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    customer_secret = "cust-secret-51d0e9"
    ch_password = "ch-pass-88b2c4"
    settings = producer_settings(
        broker,
        tmp_path,
        gateway_signing_secret=SIGNING,
        gateway_rate_per_s=0.01,  # one token per 100 s: the 7th request of a key is deterministically 429
        gateway_rate_burst=6,
        gateway_produce_timeout_s=1,
        clickhouse_password=ch_password,
        clickhouse_url="clickhouse://ripple@127.0.0.1:9000/ripple",
        customer_id_secret=customer_secret,
    )
    secrets = [API_KEY, "second-key", hash_api_key(API_KEY), SIGNING, customer_secret, ch_password]
    caplog.set_level(logging.DEBUG)
    # The settings' own rendering hides every secret (the key hashes are configuration, shown there).
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert not [s for s in secrets[3:] + secrets[:2] if s in shown], shown
    seen: list[str] = []
    for gw in serve(settings, log_level="debug"):
        body = orjson.dumps(followup())
        review = orjson.dumps({"review_id": "r-x", "stars": 1, "author": "y", "created_at": AT})
        good, good_review = signed(body), signed(review)
        answers = [
            post(gw, body, **good),  # accepted
            post(gw, body, **good),  # replay
            post(gw, body, **{**signed(body), "X-API-Key": API_KEY[:-1]}),  # near-miss key
            post(gw, body, **{"Authorization": f"Bearer {API_KEY}x", "X-API-Key": ""}),
            post(gw, body, **signed(body, secret=SIGNING[:-1])),  # near-miss signing secret
            post(gw, b"{bad", **signed(b"{bad")),
            post(gw, review, "/v1/reviews", **good_review),
            post(gw, review, "/v1/reviews", **good_review),  # replay
            post(gw, review, "/v1/reviews", **good_review),  # 7th token of this key: rate limited first
            httpx.get(gw.url + "/openapi.json"),
            httpx.get(gw.url + "/metrics"),
            httpx.get(gw.url + "/healthz"),
        ]
        statuses = [a.status_code for a in answers]
        assert statuses[:6] == [202, 409, 401, 401, 401, 400], statuses
        assert statuses[6:9] == [202, 409, 429], statuses
        broker.stop()  # failure paths log too: 503 and the client library's own complaints
        down = orjson.dumps(followup(event_id="fu-down"))
        answers.append(post(gw, down, **{**signed(down), "X-API-Key": "second-key"}))
        assert answers[-1].status_code == 503, answers[-1].text
        seen += [a.text for a in answers] + [str(dict(a.headers)) for a in answers]
    out, err = capfd.readouterr()
    seen += [caplog.text, out, err]
    assert "POST /v1/followups" in "".join(seen)  # the capture really saw the traffic
    for s in secrets:
        leaks = [chunk[:200] for chunk in seen if s in chunk]
        assert not leaks, (s, leaks)
