"""The closed loop's entry point: validate a follow-up payload and put it on ``feedback.followups.v1``.

The HTTP gateway (producers) calls ``validate_followup`` on the request body and answers the returned
``Rejection`` as a precise 4xx; a valid event is produced with ``send_followup`` keyed by customer id,
so it lands on the partition that holds the customer's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from ripple import topics
from ripple.contracts import FollowupEvent

MAX_BODY_BYTES = 16_384


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a payload is not a follow-up: ``status`` is the HTTP code the gateway should answer."""

    status: int
    reason: str
    detail: str


def validate_followup(body: bytes | str | dict[str, Any]) -> FollowupEvent | Rejection:
    """Bytes/str (JSON) or an already-decoded mapping in; a ``FollowupEvent`` or a ``Rejection`` out."""
    data: Any = body
    if isinstance(body, bytes | str):
        if len(body) > MAX_BODY_BYTES:
            return Rejection(413, "too_large", f"follow-up body larger than {MAX_BODY_BYTES} bytes")
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return Rejection(400, "invalid_json", str(exc))
    if not isinstance(data, dict):
        return Rejection(422, "invalid_followup", f"expected a JSON object, got {type(data).__name__}")
    try:
        return FollowupEvent.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        return Rejection(422, "invalid_followup", f"{where}: {first['msg']} ({exc.error_count()} error(s))")


def send_followup(producer: Any, event: FollowupEvent, topic: str = topics.FOLLOWUPS) -> Any:
    """Produce with a kafka-python producer, keyed by customer id; returns the send future."""
    return producer.send(topic, key=event.customer_id.encode(), value=event.to_json())
