"""Every kind of malformed input gets a precise 4xx over real HTTP and nothing reaches the topic.

One gateway and broker serve the whole module (starting them per case would dominate the run); each case
checks the topic's end offsets are still zero right after its request, so a leak is pinned to its case.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from kafka import KafkaConsumer, TopicPartition

from ripple import topics
from ripple.dev.tansu import TansuBroker, create_topics
from tests.integration.producers.conftest import API_KEY, Gateway, producer_settings, serve

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[2] / "data" / "producers"
NOW = datetime.now(UTC).replace(microsecond=0)
JSON = {"Content-Type": "application/json", "X-API-Key": API_KEY}
MAIL = {"Content-Type": "message/rfc822", "X-API-Key": API_KEY}


def review(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "review_id": "r-1",
        "stars": 2,
        "title": "Late",
        "text": "Parcel late again.",
        "product": "Jacket",
        "url": "https://reviews.example/r/1",
        "author": "jo",
        "created_at": "2026-01-05T10:00:00Z",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def phone(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "call_id": "call-1",
        "called_at": "2026-01-05T10:00:00Z",
        "csat": 2,
        "nps": 3,
        "customer_phone": "+30 210 555 0101",
        "duration_s": 300,
        "hold_time_s": 60,
        "rings": 2,
        "agent_id": "agent01",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def chat(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "conversation_id": "conv-1",
        "agent_id": "agent01",
        "customer_id": "c-1",
        "messages": [
            {"role": "customer", "text": "Where is my parcel?", "ts": "2026-01-05T10:00:00Z"},
            {"role": "agent", "text": "Checking.", "ts": "2026-01-05T10:01:00Z"},
        ],
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def mail(headers: str, body: str = "The parcel is late again.\n") -> bytes:
    return (
        headers.strip() + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" + body
    ).encode()


GOOD_MAIL_HEADERS = (
    "From: a@example.org\nSubject: late\nDate: Mon, 5 Jan 2026 10:00:00 +0000\nMessage-ID: <m1@x>"
)


@dataclass
class Case:
    name: str
    path: str
    body: bytes | Any
    status: int
    field: str = ""
    headers: dict[str, str] = dataclasses.field(default_factory=lambda: dict(JSON))

    def content(self) -> bytes | Iterator[bytes]:
        if isinstance(self.body, bytes | bytearray):
            return bytes(self.body)
        if callable(self.body):
            return self.body()  # type: ignore[no-any-return]
        return orjson.dumps(self.body)


def chunked_big() -> Iterator[bytes]:
    for _ in range(40):
        yield b"x" * 65536


def deep_json() -> bytes:
    return b'{"stars":' + b"[" * 100_000 + b"]" * 100_000 + b"}"


FUTURE = (NOW + timedelta(days=2)).isoformat()
CASES = [
    # transport, auth, framing
    Case("bad json", "/v1/reviews", b'{"stars": 5,', 400, "body"),
    Case("trailing garbage", "/v1/reviews", orjson.dumps(review()) + b"}}", 400, "body"),
    Case(
        "NaN literal",
        "/v1/reviews",
        b'{"stars": 2, "created_at": "2026-01-05T10:00:00Z", "author": "a", "customer_value": NaN}',
        422,
        "customer_value",
    ),
    Case(
        "Infinity literal",
        "/v1/phone-surveys",
        b'{"call_id": "c", "called_at": "2026-01-05T10:00:00Z", '
        b'"csat": 2, "customer_id": "c1", "duration_s": Infinity}',
        422,
        "duration_s",
    ),
    Case("json array", "/v1/reviews", [review()], 422, "body"),
    Case("json string", "/v1/reviews", "review", 422, "body"),
    Case("empty body", "/v1/reviews", b"", 400, "body"),
    Case("whitespace body", "/v1/reviews", b"  \n ", 400, "body"),
    Case("invalid utf-8", "/v1/reviews", b'{"text": "\xff\xfe bad"}', 400, "body"),
    Case("utf-16 body", "/v1/reviews", orjson.dumps(review()).decode().encode("utf-16"), 400, "body"),
    Case(
        "text/plain content type",
        "/v1/reviews",
        review(),
        415,
        "Content-Type",
        {"Content-Type": "text/plain", "X-API-Key": API_KEY},
    ),
    Case(
        "form content type",
        "/v1/chat",
        chat(),
        415,
        "Content-Type",
        {"Content-Type": "application/x-www-form-urlencoded", "X-API-Key": API_KEY},
    ),
    Case("no API key", "/v1/reviews", review(), 401, "X-API-Key", {"Content-Type": "application/json"}),
    Case(
        "wrong API key",
        "/v1/reviews",
        review(),
        401,
        "X-API-Key",
        {"Content-Type": "application/json", "X-API-Key": "nope"},
    ),
    Case(
        "wrong bearer",
        "/v1/reviews",
        review(),
        401,
        "X-API-Key",
        {"Content-Type": "application/json", "Authorization": "Bearer nope"},
    ),
    Case("10 MB body", "/v1/reviews", b"x" * 10_000_000, 413, "body"),
    Case("2 MB valid-looking json", "/v1/reviews", review(text="a" * 2_000_000), 413, "body"),
    Case("chunked body over limit", "/v1/reviews", chunked_big, 413, "body"),
    Case("deeply nested json", "/v1/reviews", deep_json, 400, "body"),
    Case("unknown channel", "/v1/fax", review(), 404, "channel"),
    # reviews
    Case("stars 0", "/v1/reviews", review(stars=0), 422, "stars"),
    Case("stars 6", "/v1/reviews", review(stars=6), 422, "stars"),
    Case("stars as words", "/v1/reviews", review(stars="five"), 422, "stars"),
    Case("stars as numeric string", "/v1/reviews", review(stars="5"), 422, "stars"),
    Case("stars fractional", "/v1/reviews", review(stars=4.5), 422, "stars"),
    Case("stars boolean", "/v1/reviews", review(stars=True), 422, "stars"),
    Case("stars null", "/v1/reviews", review(stars=None), 422, "stars"),
    Case("stars missing", "/v1/reviews", review(stars=...), 422, "stars"),
    Case("created_at missing", "/v1/reviews", review(created_at=...), 422, "created_at"),
    Case("created_at words", "/v1/reviews", review(created_at="yesterday"), 422, "created_at"),
    Case("created_at epoch", "/v1/reviews", review(created_at=1767607200), 422, "created_at"),
    Case("created_at naive", "/v1/reviews", review(created_at="2026-01-05T10:00:00"), 422, "created_at"),
    Case("created_at 2 days ahead", "/v1/reviews", review(created_at=FUTURE), 422, "created_at"),
    Case("created_at year 9999", "/v1/reviews", review(created_at="9999-12-31T00:00:00Z"), 422, "created_at"),
    Case("created_at month 13", "/v1/reviews", review(created_at="2026-13-01T00:00:00Z"), 422, "created_at"),
    Case("text is a number", "/v1/reviews", review(text=42), 422, "text"),
    Case("text is a list", "/v1/reviews", review(text=["bad"]), 422, "text"),
    Case("text with BEL", "/v1/reviews", review(text="bad \u0007 service"), 422, "text"),
    Case("text with NUL", "/v1/reviews", review(text="bad \u0000 service"), 422, "text"),
    Case("text with ESC", "/v1/reviews", review(text="\u001b[31mred"), 422, "text"),
    Case("title with DEL", "/v1/reviews", review(title="late\u007f"), 422, "title"),
    Case("text too long", "/v1/reviews", review(text="a" * 20_001), 422, "text"),
    Case("misspelt field", "/v1/reviews", review(stras=5), 422, "stras"),
    Case("javascript url", "/v1/reviews", review(url="javascript:alert(1)"), 422, "url"),
    Case("customer_id with space", "/v1/reviews", review(customer_id="bad id"), 422, "customer_id"),
    Case("customer_id too long", "/v1/reviews", review(customer_id="c" * 200), 422, "customer_id"),
    Case("no customer identity", "/v1/reviews", review(author=...), 422, "customer_id"),
    Case("invalid email", "/v1/reviews", review(customer_email="not-an-email"), 422, "customer_email"),
    Case("negative customer_value", "/v1/reviews", review(customer_value=-1), 422, "customer_value"),
    Case(
        "huge customer_value",
        "/v1/reviews",
        b'{"stars":2,"created_at":"2026-01-05T10:00:00Z","author":"a","customer_value":1e400}',
        422,
        "customer_value",
    ),
    Case("public as string", "/v1/reviews", review(public="yes"), 422, "public"),
    Case("title too long", "/v1/reviews", review(title="t" * 1001), 422, "title"),
    # phone surveys
    Case("csat 0", "/v1/phone-surveys", phone(csat=0), 422, "csat"),
    Case("csat 6", "/v1/phone-surveys", phone(csat=6), 422, "csat"),
    Case("nps 11", "/v1/phone-surveys", phone(nps=11), 422, "nps"),
    Case("nps -1", "/v1/phone-surveys", phone(nps=-1), 422, "nps"),
    Case(
        "asr confidence 1.5",
        "/v1/phone-surveys",
        phone(transcript="ok", asr_confidence=1.5),
        422,
        "asr_confidence",
    ),
    Case("hold longer than call", "/v1/phone-surveys", phone(hold_time_s=900), 422, "hold_time_s"),
    Case("nothing said", "/v1/phone-surveys", phone(csat=..., nps=...), 422, "transcript"),
    Case("negative duration", "/v1/phone-surveys", phone(duration_s=-5, hold_time_s=...), 422, "duration_s"),
    Case("rings as words", "/v1/phone-surveys", phone(rings="three"), 422, "rings"),
    Case("called_at missing", "/v1/phone-surveys", phone(called_at=...), 422, "called_at"),
    Case("call_id empty", "/v1/phone-surveys", phone(call_id=""), 422, "call_id"),
    Case(
        "invalid phone number",
        "/v1/phone-surveys",
        phone(customer_phone="call me maybe"),
        422,
        "customer_phone",
    ),
    # chat
    Case("no messages", "/v1/chat", chat(messages=[]), 422, "messages"),
    Case(
        "no customer turn",
        "/v1/chat",
        chat(messages=[{"role": "agent", "text": "hi", "ts": "2026-01-05T10:00:00Z"}]),
        422,
        "messages",
    ),
    Case(
        "unknown role",
        "/v1/chat",
        chat(messages=[{"role": "boss", "text": "hi", "ts": "2026-01-05T10:00:00Z"}]),
        422,
        "messages.0.role",
    ),
    Case("messages not a list", "/v1/chat", chat(messages="hello"), 422, "messages"),
    Case("conversation_id missing", "/v1/chat", chat(conversation_id=...), 422, "conversation_id"),
    Case(
        "message in the future",
        "/v1/chat",
        chat(messages=[{"role": "customer", "text": "hi", "ts": FUTURE}]),
        422,
        "messages.ts",
    ),
    Case(
        "message text control char",
        "/v1/chat",
        chat(messages=[{"role": "customer", "text": "hi\u0008", "ts": "2026-01-05T10:00:00Z"}]),
        422,
        "messages.text",
    ),
    # e-mail
    Case("email as json", "/v1/email", mail(GOOD_MAIL_HEADERS), 415, "Content-Type"),
    Case(
        "email without From",
        "/v1/email",
        mail("Subject: x\nDate: Mon, 5 Jan 2026 10:00:00 +0000"),
        422,
        "From",
        dict(MAIL),
    ),
    Case(
        "email From without address",
        "/v1/email",
        mail("From: Nobody\nDate: Mon, 5 Jan 2026 10:00:00 +0000"),
        422,
        "From",
        dict(MAIL),
    ),
    Case("email without Date", "/v1/email", mail("From: a@example.org\nSubject: x"), 422, "Date", dict(MAIL)),
    Case(
        "email dated next week",
        "/v1/email",
        mail(
            "From: a@example.org\nDate: " + (NOW + timedelta(days=7)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        ),
        422,
        "Date",
        dict(MAIL),
    ),
    Case(
        "email with only an image",
        "/v1/email",
        b"From: a@example.org\nDate: Mon, 5 Jan 2026 10:00:00 +0000\nMIME-Version: 1.0\n"
        b"Content-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n",
        422,
        "body",
        dict(MAIL),
    ),
    # batch
    Case("batch empty", "/v1/batch", {"records": []}, 422, "records"),
    Case("batch not a list", "/v1/batch", {"records": "x"}, 422, "records"),
    Case(
        "batch unknown channel",
        "/v1/batch",
        {"records": [{"channel": "fax", "record": review()}]},
        422,
        "records.0",
    ),
    Case("batch missing channel", "/v1/batch", {"records": [{"record": review()}]}, 422, "records.0"),
    Case(
        "batch one bad among good",
        "/v1/batch",
        {
            "records": [
                {"channel": "review", "record": review()},
                {"channel": "review", "record": review(review_id="r-2", stars=9)},
            ]
        },
        422,
        "records.1.record.stars",
    ),
    Case(
        "batch bad email among good",
        "/v1/batch",
        {
            "records": [
                {"channel": "review", "record": review()},
                {"channel": "email", "rfc822": "Subject: no sender\n\nhello"},
            ]
        },
        422,
        "records.1.From",
    ),
    Case(
        "batch too many",
        "/v1/batch",
        {"records": [{"channel": "review", "record": review(review_id=f"r{i}")} for i in range(1001)]},
        413,
        "records",
    ),
]


@pytest.fixture(scope="module")
def module_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gateway, TansuBroker]]:
    tmp = tmp_path_factory.mktemp("gw")
    with TansuBroker(log_path=tmp / "tansu.log") as broker:
        create_topics(broker.bootstrap, topics.ALL, 2)
        for gw in serve(producer_settings(broker, tmp)):
            yield gw, broker


def raw_end_offsets(bootstrap: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        parts = consumer.partitions_for_topic(topics.RAW) or set()
        assert parts, "topic missing"
        ends = consumer.end_offsets([TopicPartition(topics.RAW, p) for p in parts])
        return sum(ends.values())
    finally:
        consumer.close()


def test_there_are_at_least_50_kinds() -> None:
    assert len({c.name for c in CASES}) == len(CASES) >= 50


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_input_gets_precise_4xx_and_produces_nothing(
    module_gateway: tuple[Gateway, TansuBroker], case: Case
) -> None:
    gw, broker = module_gateway
    with httpx.Client(base_url=gw.url, timeout=30) as client:
        response = client.post(case.path, content=case.content(), headers=case.headers)
    assert response.status_code == case.status, response.text[:500]
    body = response.json()
    assert body["error"], body
    fields = [d["field"] for d in body["detail"]]
    assert any(f == case.field or f.startswith(case.field + ".") for f in fields), fields
    assert all(d["problem"] for d in body["detail"])
    assert raw_end_offsets(broker.bootstrap) == 0
