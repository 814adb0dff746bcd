"""RFC 822 e-mail (``.eml`` / mbox / a gateway POST) -> RawFeedback.

Parsed with the stdlib ``email`` package and ``policy=default`` (RFC 6532: decoded headers, charset-aware
``get_content()``), so ISO-8859-7, KOI8-R, quoted-printable and base64 bodies arrive as text. The plain part
is preferred; an HTML-only message is converted with html2text. The sender's address is turned into a
pseudonymous customer id (keyed HMAC) and is not kept anywhere in the event.
"""

from __future__ import annotations

import email
import hashlib
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from typing import Any

from producers import ids
from producers.adapters.base import AdapterContext, AdapterError, build, check_time
from producers.adapters.email_text import clean_control, html_to_text, strip_reply
from ripple.contracts import MAX_TEXT_CHARS, Channel, RawFeedback


def parse_message(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def _content(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):
        # Unknown or lying charset label: keep what can be read rather than losing the complaint.
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)
    return content if isinstance(content, str) else content.decode("utf-8", errors="replace")


def body_text(msg: EmailMessage) -> str:
    """The customer's newest words: preferred text part, HTML converted, history and signature cut."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        raise AdapterError.one("body", "no text/plain or text/html part")
    assert isinstance(part, EmailMessage)
    text = _content(part)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return clean_control(strip_reply(text))


def _header(msg: EmailMessage, name: str) -> Any:
    try:
        return msg[name]
    except (ValueError, IndexError, TypeError):
        raise AdapterError.one(name, "malformed header") from None


def to_raw(raw: bytes, ctx: AdapterContext, received_at: datetime | None = None) -> RawFeedback:
    """One message -> one event; ``received_at`` stands in for a missing ``Date`` header when given."""
    msg = parse_message(raw)
    sender = _header(msg, "From")
    addresses = getattr(sender, "addresses", ()) if sender is not None else ()
    addr = addresses[0].addr_spec if addresses else ""
    if not addr or "@" not in addr:
        raise AdapterError.one("From", "missing or has no e-mail address")
    date = _header(msg, "Date")
    when: datetime | None = getattr(date, "datetime", None) if date is not None else None
    if when is None:
        if received_at is None:
            raise AdapterError.one("Date", "missing or unparseable")
        when = received_at
    if when.tzinfo is None:  # RFC 5322 "-0000": time is UTC, source zone unknown
        when = when.replace(tzinfo=UTC)
    check_time(ctx, when, "Date")
    message_id = str(_header(msg, "Message-ID") or "").strip()
    # Message-IDs often embed a hostname or even the sender's address: keep only their hash.
    external = "sha256:" + hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()
    subject = _header(msg, "Subject")
    text = body_text(msg)
    if len(text) > MAX_TEXT_CHARS:
        raise AdapterError.one("body", f"longer than {MAX_TEXT_CHARS} characters after quote stripping")
    lang = _header(msg, "Content-Language")
    return build(
        {"text": "body", "subject": "Subject"},
        event_id=ids.event_id(Channel.EMAIL, external),
        customer_id=ids.email_customer_id(addr, ctx.secret),
        channel=Channel.EMAIL,
        event_time=when,
        text=text,
        subject=clean_control(str(subject)).strip()[:1000] if subject is not None else None,
        external_id=external[:256],
        language_hint=str(lang).split(",")[0].strip()[:16] or None if lang else None,
    )
