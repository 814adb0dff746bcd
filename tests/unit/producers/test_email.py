"""E-mail adapter on real-format fixtures: MIME multipart, ISO-8859-7, KOI8-R, HTML-only, mbox."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from producers.adapters import email as email_adapter
from producers.adapters.base import AdapterContext, AdapterError, RecordError
from producers.adapters.email_text import strip_reply
from producers.adapters.files import read_paths
from producers.ids import email_customer_id
from ripple.contracts import Channel, RawFeedback

DATA = Path(__file__).resolve().parents[2] / "data" / "producers"
CTX = AdapterContext(secret=b"unit-secret")


def load(name: str) -> RawFeedback:
    return email_adapter.to_raw((DATA / name).read_bytes(), CTX)


def test_multipart_reply_keeps_only_the_new_words_and_the_subject() -> None:
    ev = load("multipart_reply_signature.eml")
    assert ev.channel is Channel.EMAIL and ev.subject == "Re: Your order #55213 has shipped"
    assert ev.text.startswith('Hello,\n\nIt has been ten days and the parcel is still "in transit".')
    assert "- the courier never called\n- nobody answers the hotline" in ev.text  # hyphen lists are content
    assert ev.text.endswith("Please refund me or tell me where it is — today.")
    for gone in ("Best regards", "Konstantinou", "+30 210", "wrote:", "Good news", "Track it here"):
        assert gone not in ev.text
    assert ev.event_time == datetime(2026, 1, 6, 9, 13, 58, tzinfo=UTC)


def test_sender_becomes_a_keyed_pseudonym_and_the_address_is_nowhere() -> None:
    ev = load("multipart_reply_signature.eml")
    assert ev.customer_id == email_customer_id("maria.k@example.org", b"unit-secret")  # case and +tag folded
    assert ev.customer_id != email_customer_id("maria.k@example.org", b"other-secret")
    assert ev.customer_id.startswith("em:") and len(ev.customer_id) == 27
    wire = ev.to_json().lower()
    assert b"maria" not in wire and b"@" not in wire


def test_greek_iso_8859_7_quoted_printable() -> None:
    ev = load("greek_iso8859_7.eml")
    assert ev.subject == "Καθυστέρηση παράδοσης"
    assert "Παρήγγειλα ένα πλυντήριο πριν από δύο εβδομάδες" in ev.text
    assert "θα πάω στον ανταγωνισμό" in ev.text
    assert "Με εκτίμηση" not in ev.text and "Παπαδόπουλος" not in ev.text and "έγραψε" not in ev.text
    assert ev.language_hint == "el"


def test_russian_koi8_r_base64() -> None:
    ev = load("russian_koi8r.eml")
    assert ev.subject == "Двойное списание"
    assert ev.text.startswith("Здравствуйте!") and "напишу отзывы везде" in ev.text
    assert "С уважением" not in ev.text and "написал" not in ev.text and "оплачен" not in ev.text


def test_html_only_body_becomes_plain_text_without_quote_or_phone_signature() -> None:
    ev = load("html_only.eml")
    assert "Your checkout page crashed three times while I was paying & I was charged twice." in ev.text
    assert "<" not in ev.text and "*" not in ev.text and "_" not in ev.text
    assert "Sent from my iPhone" not in ev.text and "Thanks for your order" not in ev.text


def test_mbox_yields_each_message_and_a_reason_for_the_bad_one() -> None:
    items = list(read_paths([DATA / "inbox.mbox"], Channel.EMAIL, CTX))
    assert [type(i).__name__ for i in items] == ["RawFeedback", "RawFeedback", "RecordError"]
    err = items[2]
    assert isinstance(err, RecordError) and err.record == 3 and err.field == "From"
    # same message via .eml or via mbox -> same event id (Message-ID based)
    assert isinstance(items[0], RawFeedback) and items[0].event_id == load("html_only.eml").event_id


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"Subject: x\nDate: Mon, 5 Jan 2026 10:00:00 +0000\n\nhi", "From"),
        (b"From: a@b.example\n\nhi", "Date"),
        (b"From: a@b.example\nDate: Mon, 5 Jan 2026 10:00:00 +0000\nContent-Type: image/png\n\nxx", "body"),
        (b"From: a@b.example\nDate: Wed, 1 Jan 2099 10:00:00 +0000\n\nfrom the future", "Date"),
    ],
)
def test_bad_messages_name_the_field(raw: bytes, field: str) -> None:
    with pytest.raises(AdapterError) as info:
        email_adapter.to_raw(raw, CTX)
    assert info.value.problems[0][0] == field


def test_unknown_charset_keeps_the_text() -> None:
    raw = (b"From: a@b.example\nDate: Mon, 5 Jan 2026 10:00:00 +0000\n"
           b"Content-Type: text/plain; charset=x-nope\n\nlate")
    assert email_adapter.to_raw(raw, CTX).text == "late"


@pytest.mark.parametrize(
    "header",
    [
        "On Mon, 5 Jan 2026 at 10:00, Shop <s@shop.example> wrote:",
        "Στις Δευ, 5 Ιαν 2026 στις 10:00 π.μ., ο/η Shop <s@shop.example> έγραψε:",
        "5 января 2026 г., в 10:00, Shop <s@shop.example> написал(а):",
        "Երկ, 5 հնվ 2026, 10:00 Shop <s@shop.example> գրել է՝",
        "திங்., 5 ஜன., 2026, 10:00 Shop <s@shop.example> எழுதியது:",
        "-----Original Message-----",
        "From: Shop <s@shop.example>\nSent: Monday, January 5, 2026 10:00\nTo: me",
    ],
)
def test_reply_headers_in_every_language_cut_the_history(header: str) -> None:
    text = f"Still broken.\n\n{header}\n> old text\nold text unquoted"
    assert strip_reply(text) == "Still broken."


def test_wrapped_gmail_header_and_signature_rules() -> None:
    assert strip_reply("New.\nOn Mon, 5 Jan 2026 at 10:00, Shop <s@x.example>\nwrote:\n> old") == "New."
    assert strip_reply("Broken again.\n\nThanks,\nJo\n-- \nJo Bloggs, ACME") == "Broken again."
    assert (
        strip_reply("Спасибо, что ничего не сделали.\nЖду ответа.")
        == "Спасибо, что ничего не сделали.\nЖду ответа."
    )
    body = "\n".join(["Regards", "the", "complaint", "goes", "on", "for", "many", "lines", "end"])
    assert strip_reply(body) == body  # a valediction far from the end is content
