"""PII redaction: placeholders, checksums, and the acceptance corpora (tests/data/pii)."""

import json
from pathlib import Path

import pytest

from streams.scoring.redact import iban_ok, is_card_number, luhn_ok, redact

PII = Path(__file__).parents[2] / "data" / "pii"


def test_luhn_and_card_rules() -> None:
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")
    assert is_card_number("378282246310005")  # Amex, 15 digits
    assert not is_card_number("7111111111111114")  # Luhn-valid but no card network starts with 7


def test_iban_checksum() -> None:
    assert iban_ok("GB82WEST12345698765432")
    assert not iban_ok("GB83WEST12345698765432")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at john.doe@example.co.uk please", "mail me at [EMAIL] please"),
        ("card 4111 1111 1111 1111 12.03 paid", "card [CARD] 12.03 paid"),
        ("IBAN GR16 0110 1250 0000 0001 2300 695 THANKS", "IBAN [IBAN] THANKS"),
        ("call +7 (912) 345-67-89 now", "call [PHONE] now"),
    ],
)
def test_redacts_typed_placeholders(text: str, expected: str) -> None:
    assert redact(text, "en" if "call" not in text else "ru").text == expected


@pytest.mark.parametrize(
    "text",
    [
        "Order 7576042496 arrived late",
        "Paid £1,299.99 on 12/03/2024, 30% off",
        "Ref ORD-2024-639627",
        "Tracking 1Z999AA10123456784",
        "Заказ №4482913 пришёл 20.11.2024",
    ],
)
def test_ordinary_numbers_survive(text: str) -> None:
    red = redact(text, "en")
    assert red.text == text and red.total == 0


def test_pii_corpus_nothing_survives() -> None:
    rows = [json.loads(line) for line in (PII / "pii.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 200 and {r["lang"] for r in rows} == {"en", "el", "ru", "hy", "ta"}
    survived = [
        (r["id"], p["value"])
        for r in rows
        for p in r["pii"]
        if p["value"] in redact(r["text"], r["lang"]).text
    ]
    assert survived == []


def test_clean_corpus_false_redactions_below_5_percent() -> None:
    rows = [json.loads(line) for line in (PII / "clean.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 200
    false = [r["id"] for r in rows if redact(r["text"], r["lang"]).total]
    assert len(false) / len(rows) < 0.05, false
