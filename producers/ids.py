"""Deterministic identifiers: event ids from source ids, customer ids from contact addresses.

* ``event_id`` is a UUIDv5 of ``channel`` + the source system's own id, so importing the same file twice
  or a client retrying a gateway request yields the same id and downstream dedup (by event_id) removes it.
* A customer id derived from an e-mail address or phone number is a keyed HMAC-SHA256 of the *normalised*
  contact, truncated to 96 bits and prefixed by kind. The raw contact never reaches an event; without the
  key the mapping cannot be recomputed, and the same person maps to the same id across channels.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid

import orjson

NAMESPACE = uuid.UUID("6f1f3c1e-51f2-4d0f-9a57-6a1a0c2f7e11")
"""Fixed namespace for Ripple's UUIDv5 event ids (never change: it would re-key every source)."""

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$")


def event_id(channel: str, external_id: str) -> str:
    """Stable event id for one source record: ``<channel-short>-<uuid5>``."""
    return f"{channel[:2]}-{uuid.uuid5(NAMESPACE, f'{channel}:{external_id}')}"


def content_key(record: object) -> str:
    """A stand-in external id for records that have none: a hash of their canonical JSON."""
    blob = orjson.dumps(record, option=orjson.OPT_SORT_KEYS, default=str)
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def normalise_email(address: str) -> str:
    """Case-fold and trim; strip ``+tag`` sub-addressing so ``a+x@b`` and ``a@b`` are one customer."""
    addr = address.strip().lower()
    local, _, domain = addr.rpartition("@")
    if not local:
        return addr
    return f"{local.split('+', 1)[0]}@{domain}"


def normalise_phone(number: str) -> str:
    """Digits only, keeping a leading ``+``; good enough to make one caller one id."""
    digits = re.sub(r"\D", "", number)
    return ("+" if number.strip().startswith("+") else "") + digits


def pseudonym(kind: str, value: str, secret: bytes) -> str:
    """``<kind>:<24 hex>`` keyed HMAC-SHA256 of an already normalised contact value."""
    return f"{kind}:{hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:24]}"


def email_customer_id(address: str, secret: bytes) -> str:
    return pseudonym("em", normalise_email(address), secret)


def phone_customer_id(number: str, secret: bytes) -> str:
    return pseudonym("ph", normalise_phone(number), secret)


def is_safe_id(value: str) -> bool:
    return bool(_SAFE.match(value))
