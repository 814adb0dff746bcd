"""HTTP ingest gateway: native channel payloads in, ``feedback.raw.v1`` events out, honest answers.

* One endpoint per channel (``/v1/chat``, ``/v1/email``, ``/v1/reviews``, ``/v1/phone-surveys``) plus
  ``/v1/batch`` (all-or-nothing: one invalid item rejects the batch, so a client never has to work out
  which half landed).
* API keys are configured as SHA-256 hashes (``RIPPLE_GATEWAY_API_KEY_HASHES``) and compared with
  ``hmac.compare_digest`` against every configured hash, so neither the keys nor timing leak.
* Bodies over ``gateway_max_body_bytes`` are refused with 413 from the ``Content-Length`` header before
  anything is read, and streamed bodies are cut off as soon as they pass the limit.
* Bad input gets a precise 4xx with a JSON body naming the field and the problem; nothing is produced.
* Every accepted event is produced with acks=all and the response waits for the ack: 202 means the broker
  has it, 503 means it does not (retry: the deterministic event id makes retries safe).
* Idempotency: the event id is derived from the source's own id (conversation, Message-ID, review id,
  call id). Recently acknowledged ids are kept in a bounded in-memory cache and answered 200 "duplicate"
  without producing; anything the cache misses (restart, several gateway replicas, a retry racing its
  original) is removed downstream, where the sink's tables are keyed by event_id.

* Follow-ups (issue 5): ``POST /v1/followups`` takes one ``followup.acknowledged`` /
  ``followup.completed`` event. Validation is ``streams.customers.followups.validate_followup`` (the
  customers stage owns the rules; its ``Rejection`` becomes the HTTP status with the field named) and
  the event is produced by ``send_followup`` (keyed by customer id) to ``feedback.followups.v1`` with
  acks=all; same auth, size limit, signature and rate limit as the ingest endpoints, idempotent by
  ``event_id``. Other stages may still append routers to :data:`EXTRA_ROUTES`.

Security options (both off by default; ``producers/security.py`` has the pure logic):

* **Request signatures** (``RIPPLE_GATEWAY_SIGNING_SECRET``): every ``/v1/*`` request must also carry
  ``X-Ripple-Timestamp: <unix seconds>`` and ``X-Ripple-Signature: sha256=<hex HMAC-SHA256(secret,
  "<timestamp>.<raw body>")>``. Missing or wrong -> 401 (``unsigned`` / ``bad_signature``, compared with
  ``hmac.compare_digest``); a timestamp more than ``RIPPLE_GATEWAY_SIGNATURE_WINDOW_S`` (300) from the
  gateway clock -> 401 ``stale``; the same signature again within the window -> 409 ``replayed`` (a
  bounded cache, ``RIPPLE_GATEWAY_SIGNATURE_CACHE``). A client retry must be signed again with a fresh
  timestamp; its event id stays the same, so the retry is still deduplicated. The signature is checked
  after the API key and before the body is parsed. Each replica has its own replay cache: behind
  several replicas, a replay to another replica is caught only by the downstream event_id dedup.
* **Rate limit per API key** (``RIPPLE_GATEWAY_RATE_PER_S`` > 0, ``RIPPLE_GATEWAY_RATE_BURST``): a token
  bucket per key (keyed by the key's hash; one token per request, a batch included) answers 429 with
  ``Retry-After`` when empty. Buckets exist only for authenticated keys, so memory is bounded.

Secrets (API keys, signing secret, customer-id secret, ClickHouse password) are never logged or echoed:
errors name the header at fault, not its value; settings hold them as ``SecretStr``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from producers import metrics
from producers.adapters import email as email_adapter
from producers.adapters.base import AdapterContext, AdapterError, problems_of
from producers.adapters.records import ChatTranscript, PhoneSurvey, Review
from producers.kafka import FastProducer, ProduceFailed
from producers.security import SignatureVerifier, TokenBucket
from producers.settings import DEV_SECRET, ProducerSettings
from ripple.contracts import Channel, FollowupEvent, RawFeedback
from streams.customers.followups import Rejection, send_followup, validate_followup

log = logging.getLogger("ripple.gateway")

EXTRA_ROUTES: list[APIRouter] = []
"""Routers other stages register (e.g. follow-up events, issue 5); mounted behind the same auth."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


class GatewayError(Exception):
    """A client error answered as JSON: ``{"error": code, "detail": [{"field":..., "problem":...}]}``."""

    def __init__(
        self,
        status: int,
        code: str,
        problems: list[tuple[str, str]] | str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.problems = [("body", problems)] if isinstance(problems, str) else problems
        self.headers = headers

    def response(self) -> JSONResponse:
        detail = [{"field": f, "problem": p} for f, p in self.problems]
        return JSONResponse(
            {"error": self.code, "detail": detail}, status_code=self.status, headers=self.headers
        )


class BodyLimit:
    """ASGI middleware: 413 from ``Content-Length`` before the app (and auth) reads anything."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] == "http":
            for name, value in scope.get("headers", ()):
                if name == b"content-length":
                    try:
                        length = int(value)
                    except ValueError:
                        resp = GatewayError(
                            400, "bad_content_length", "Content-Length is not a number"
                        ).response()
                        await resp(scope, receive, send)
                        return
                    if length > self.limit:
                        metrics.GATEWAY_REQUESTS.labels("any", "413").inc()
                        resp = GatewayError(
                            413,
                            "body_too_large",
                            f"body of {length} bytes exceeds the {self.limit}-byte limit",
                        ).response()
                        await resp(scope, receive, send)
                        return
        await self.app(scope, receive, send)


class Observe:
    """ASGI middleware counting requests by route template and status, and timing them.

    Pure ASGI rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware runs every request
    through an extra task and stream, which cost a large share of the gateway's throughput.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            endpoint = getattr(scope.get("route"), "path", "unmatched")
            metrics.GATEWAY_REQUESTS.labels(endpoint, str(status[0])).inc()
            metrics.GATEWAY_LATENCY.labels(endpoint).observe(time.perf_counter() - start)


class RecentIds:
    """Bounded LRU of recently acknowledged event ids (thread-safe: produce runs in a thread pool)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, event_id: object) -> bool:
        with self._lock:
            return event_id in self._ids

    def add(self, ids: list[str]) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            for i in ids:
                self._ids[i] = None
                self._ids.move_to_end(i)
            while len(self._ids) > self.capacity:
                self._ids.popitem(last=False)


class Accepted(BaseModel):
    accepted: int = Field(description="Events produced and acknowledged by the broker now.")
    duplicates: int = Field(description="Events already acknowledged recently (not produced again).")
    event_ids: list[str]


class EmailItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    channel: Literal["email"]
    rfc822: str = Field(max_length=5_000_000, description="The whole message, headers and body.")


class ChatItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    channel: Literal["chat"]
    record: ChatTranscript


class ReviewItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    channel: Literal["review"]
    record: Review


class PhoneItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    channel: Literal["phone_survey"]
    record: PhoneSurvey


BatchItem = Annotated[ChatItem | ReviewItem | PhoneItem | EmailItem, Field(discriminator="channel")]


class Batch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    records: list[BatchItem] = Field(min_length=1)


_OPENAPI_DEFS: dict[str, Any] = {}


def _schema_extra(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI request body for endpoints that parse the body themselves (strict JSON, size-limited).

    Nested models' ``$defs`` are collected and added to ``components.schemas`` by ``create_app``.
    """
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    _OPENAPI_DEFS.update(schema.pop("$defs", {}))
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def create_app(
    settings: ProducerSettings, producer: FastProducer | None = None, *, require_auth: bool = True
) -> FastAPI:
    """Build the gateway; ``producer`` is created on startup (and closed on shutdown) when not given."""
    key_hashes = sorted(settings.api_key_hashes())
    if require_auth and not key_hashes:
        raise ValueError("no API key hashes configured (RIPPLE_GATEWAY_API_KEY_HASHES)")
    if settings.customer_id_secret.get_secret_value() == DEV_SECRET:
        log.warning("RIPPLE_CUSTOMER_ID_SECRET is the development default; set it in production")
    ctx = AdapterContext(
        secret=settings.customer_id_secret.get_secret_value().encode(),
        max_future=timedelta(seconds=settings.gateway_max_future_s),
        assume_utc=False,
    )
    recent = RecentIds(settings.gateway_dedup_cache)
    signing = settings.gateway_signing_secret
    verifier = (
        SignatureVerifier(
            signing.get_secret_value().encode(),
            settings.gateway_signature_window_s,
            settings.gateway_signature_cache,
        )
        if signing is not None and signing.get_secret_value()
        else None
    )
    bucket = (
        TokenBucket(settings.gateway_rate_per_s, settings.gateway_rate_burst)
        if settings.gateway_rate_per_s > 0
        else None
    )
    # Operators should see which protections are on; never the values that configure them.
    log.info(
        "request signatures %s; rate limit %s",
        f"required (window {settings.gateway_signature_window_s} s)" if verifier else "off",
        f"{settings.gateway_rate_per_s:g}/s burst {settings.gateway_rate_burst} per key" if bucket else "off",
    )
    limit = settings.gateway_max_body_bytes
    state: dict[str, Any] = {"producer": producer}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = state["producer"] is None
        if owned:
            state["producer"] = FastProducer(
                settings, "gateway", linger_ms=2, timeout_s=settings.gateway_produce_timeout_s
            )
        yield
        if owned:
            await run_in_threadpool(state["producer"].close, 5)

    app = FastAPI(
        title="Ripple ingest gateway",
        version="1",
        summary="Customer feedback from chat, e-mail, reviews and phone surveys -> feedback.raw.v1",
        lifespan=lifespan,
    )

    @app.exception_handler(GatewayError)
    async def _gateway_error(request: Request, exc: GatewayError) -> JSONResponse:
        return exc.response()

    app.add_middleware(Observe)
    app.add_middleware(BodyLimit, limit=limit)

    def rate_limit(who: str) -> None:
        if bucket is None:
            return
        wait = bucket.take(who)
        if wait > 0:
            raise GatewayError(
                429,
                "rate_limited",
                [("X-API-Key", f"rate limit of {settings.gateway_rate_per_s:g} requests/s exceeded")],
                headers={"Retry-After": TokenBucket.retry_after(wait)},
            )

    def authenticate(request: Request) -> None:
        if not require_auth:
            rate_limit("anonymous")
            return
        key = request.headers.get("x-api-key")
        auth = request.headers.get("authorization", "")
        if key is None and auth.lower().startswith("bearer "):
            key = auth[7:].strip()
        if not key:
            raise GatewayError(401, "unauthorized", [("X-API-Key", "missing API key")])
        digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
        ok = False
        for h in key_hashes:  # no early exit: time does not depend on which key matched
            ok |= hmac.compare_digest(digest, h)
        if not ok:
            raise GatewayError(401, "unauthorized", [("X-API-Key", "invalid API key")])
        rate_limit(digest)  # the key's hash, never the key

    async def read_body(request: Request, media: tuple[str, ...]) -> bytes:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in media:
            raise GatewayError(
                415,
                "unsupported_media_type",
                [("Content-Type", f"expected {' or '.join(media)}, got {ctype or 'nothing'}")],
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise GatewayError(413, "body_too_large", f"body exceeds the {limit}-byte limit")
            chunks.append(chunk)
        body = b"".join(chunks)
        if verifier is not None:
            problem = verifier.check(
                request.headers.get("x-ripple-timestamp"), request.headers.get("x-ripple-signature"), body
            )
            if problem is not None:
                raise GatewayError(problem.status, problem.reason, [(problem.field, problem.detail)])
        if not body.strip():
            raise GatewayError(400, "empty_body", "request body is empty")
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise GatewayError(400, "invalid_utf8", f"body is not valid UTF-8 (byte {exc.start})") from None
        return body

    def validate(model: type[BaseModel], body: bytes) -> Any:
        try:
            return model.model_validate_json(body, strict=True, context=ctx.validation_context())
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            if errors and errors[0]["type"] == "json_invalid":
                raise GatewayError(400, "invalid_json", str(errors[0]["msg"])) from None
            problems = problems_of(exc)
            # Discriminated batch items put the tag in the path (records.1.review.record.stars); drop it.
            tags = ("chat.", "review.", "phone_survey.", "email.")
            problems = [
                (re.sub(r"^(records\.\d+\.)(?:" + "|".join(re.escape(t) for t in tags) + ")", r"\1", f), p)
                for f, p in problems
            ]
            raise GatewayError(422, "validation_failed", problems) from None

    def convert(record: ChatTranscript | Review | PhoneSurvey, prefix: str = "") -> RawFeedback:
        try:
            return record.to_raw(ctx)
        except AdapterError as exc:
            raise GatewayError(422, "validation_failed", [(prefix + f, p) for f, p in exc.problems]) from None

    def convert_email(raw: bytes, prefix: str = "") -> RawFeedback:
        try:
            return email_adapter.to_raw(raw, ctx)
        except AdapterError as exc:
            raise GatewayError(422, "validation_failed", [(prefix + f, p) for f, p in exc.problems]) from None

    async def produce(events: list[RawFeedback]) -> tuple[int, JSONResponse]:
        unique: dict[str, RawFeedback] = {}
        for e in events:
            unique.setdefault(e.event_id, e)
        fresh = [e for i, e in unique.items() if i not in recent]
        dups = len(events) - len(fresh)
        if dups:
            fresh_ids = {e.event_id for e in fresh}
            for e in events:
                if e.event_id not in fresh_ids:
                    metrics.DUPLICATES.labels(e.channel.value, "gateway").inc()
        if fresh:
            try:
                await state["producer"].produce_acked_async(fresh, settings.gateway_produce_timeout_s)
            except ProduceFailed as exc:
                log.warning("produce failed: %s", exc)
                return 503, JSONResponse(
                    {
                        "error": "broker_unavailable",
                        "detail": [{"field": "broker", "problem": str(exc)[:500]}],
                    },
                    status_code=503,
                    headers={"Retry-After": "5"},
                )
            recent.add([e.event_id for e in fresh])
        body = Accepted(accepted=len(fresh), duplicates=dups, event_ids=[e.event_id for e in events])
        status = 202 if fresh else 200
        return status, JSONResponse(body.model_dump(), status_code=status)

    guarded = APIRouter(dependencies=[Depends(authenticate)])
    json_media = ("application/json",)

    @guarded.post(
        "/v1/chat",
        status_code=202,
        response_model=Accepted,
        tags=["ingest"],
        openapi_extra=_schema_extra(ChatTranscript),
    )
    async def ingest_chat(request: Request) -> Response:
        """One chat transcript; the customer's turns become the feedback text."""
        rec = validate(ChatTranscript, await read_body(request, json_media))
        return (await produce([convert(rec)]))[1]

    @guarded.post(
        "/v1/reviews",
        status_code=202,
        response_model=Accepted,
        tags=["ingest"],
        openapi_extra=_schema_extra(Review),
    )
    async def ingest_review(request: Request) -> Response:
        """One review (stars 1-5, public)."""
        rec = validate(Review, await read_body(request, json_media))
        return (await produce([convert(rec)]))[1]

    @guarded.post(
        "/v1/phone-surveys",
        status_code=202,
        response_model=Accepted,
        tags=["ingest"],
        openapi_extra=_schema_extra(PhoneSurvey),
    )
    async def ingest_phone(request: Request) -> Response:
        """One IVR / post-call survey result."""
        rec = validate(PhoneSurvey, await read_body(request, json_media))
        return (await produce([convert(rec)]))[1]

    @guarded.post(
        "/v1/email",
        status_code=202,
        response_model=Accepted,
        tags=["ingest"],
        openapi_extra={
            "requestBody": {"required": True, "content": {"message/rfc822": {"schema": {"type": "string"}}}}
        },
    )
    async def ingest_email(request: Request) -> Response:
        """One RFC 822 message as sent (``Content-Type: message/rfc822``); quotes and signature are cut."""
        raw = await read_body(request, ("message/rfc822",))
        return (await produce([convert_email(raw)]))[1]

    @guarded.post(
        "/v1/batch",
        status_code=202,
        response_model=Accepted,
        tags=["ingest"],
        openapi_extra=_schema_extra(Batch),
    )
    async def ingest_batch(request: Request) -> Response:
        """Many records of any channels; all-or-nothing: one bad record rejects the batch (422 names it)."""
        batch: Batch = validate(Batch, await read_body(request, json_media))
        if len(batch.records) > settings.gateway_max_batch:
            raise GatewayError(
                413,
                "batch_too_large",
                [("records", f"{len(batch.records)} records, limit {settings.gateway_max_batch}")],
            )
        events: list[RawFeedback] = []
        problems: list[tuple[str, str]] = []
        for i, item in enumerate(batch.records):
            try:
                if isinstance(item, EmailItem):
                    events.append(convert_email(item.rfc822.encode(), f"records.{i}."))
                else:
                    events.append(convert(item.record, f"records.{i}.record."))
            except GatewayError as exc:
                problems.extend(exc.problems)
        if problems:
            raise GatewayError(422, "validation_failed", problems)
        return (await produce(events))[1]

    @guarded.post(
        "/v1/followups",
        status_code=202,
        response_model=Accepted,
        tags=["follow-ups"],
        openapi_extra=_schema_extra(FollowupEvent),
    )
    async def followup(request: Request) -> Response:
        """``followup.acknowledged`` / ``followup.completed`` -> ``feedback.followups.v1`` keyed by customer."""
        checked = validate_followup(await read_body(request, json_media))
        if isinstance(checked, Rejection):
            raise GatewayError(checked.status, checked.reason, [_rejection_field(checked)])
        cache_id = "followup:" + checked.event_id
        if cache_id in recent:
            return JSONResponse(
                Accepted(accepted=0, duplicates=1, event_ids=[checked.event_id]).model_dump(), status_code=200
            )
        try:
            await send_followup(_TopicSender(state["producer"], settings.gateway_produce_timeout_s), checked)
        except ProduceFailed as exc:
            log.warning("follow-up produce failed: %s", exc)
            raise GatewayError(
                503, "broker_unavailable", [("broker", str(exc)[:500])], headers={"Retry-After": "5"}
            ) from None
        recent.add([cache_id])
        body = Accepted(accepted=1, duplicates=0, event_ids=[checked.event_id])
        return JSONResponse(body.model_dump(), status_code=202)

    for router in EXTRA_ROUTES:  # before the catch-all below, or it would shadow them
        guarded.include_router(router)

    @guarded.post("/v1/{channel}", status_code=404, include_in_schema=False)
    async def unknown_channel(channel: str) -> Response:
        known = "chat, email, reviews, phone-surveys, batch, followups"
        raise GatewayError(
            404, "unknown_channel", [("channel", f"unknown channel {channel!r}; known: {known}")]
        )

    app.include_router(guarded)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> Response:
        """200 when the Kafka producer is connected to a broker, 503 otherwise."""
        ok = state["producer"] is not None and await run_in_threadpool(_any_broker_reachable, settings)
        return JSONResponse(
            {"status": "ok" if ok else "broker_unreachable", "time": datetime.now(UTC).isoformat()},
            status_code=200 if ok else 503,
        )

    @app.get("/metrics", tags=["ops"])
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(_OPENAPI_DEFS)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


class _TopicSender:
    """``send_followup`` speaks kafka-python's ``send(topic, key=, value=)``; this answers with an awaitable
    that resolves when the gateway's librdkafka producer has the broker's ack (acks=all)."""

    def __init__(self, producer: FastProducer, timeout: float) -> None:
        self.producer = producer
        self.timeout = timeout

    def send(self, topic: str, *, key: bytes, value: bytes) -> Awaitable[None]:
        return self.producer.produce_bytes_acked_async(topic, key, value, self.timeout)


def _rejection_field(rej: Rejection) -> tuple[str, str]:
    """``validate_followup`` writes ``"<field.path>: <message> (n error(s))"`` for 422s; name that field."""
    if rej.status == 422:
        where, sep, rest = rej.detail.partition(": ")
        if sep and " " not in where and where != "(root)":
            return where, rest
    return "body", rej.detail


def _any_broker_reachable(settings: ProducerSettings, timeout: float = 1.0) -> bool:
    """Readiness: can a TCP connection to some bootstrap broker be opened right now."""
    import socket

    for server in settings.broker_list():
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout):
                return True
        except (OSError, ValueError):
            continue
    return False


def channel_paths() -> dict[Channel, str]:
    return {
        Channel.CHAT: "/v1/chat",
        Channel.EMAIL: "/v1/email",
        Channel.REVIEW: "/v1/reviews",
        Channel.PHONE_SURVEY: "/v1/phone-surveys",
    }
