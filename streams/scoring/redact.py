"""PII redaction: emails, phone numbers, payment cards and IBANs become typed placeholders.

Runs before any scorer, aspect matcher or sink sees the text, so personal data never reaches
ClickHouse or the alert topics. Every number-shaped candidate is *checked* before it is removed
(Luhn for cards, ISO 13616 mod-97 for IBANs, libphonenumber's per-country numbering plans for
phones) so order numbers, prices, dates and percentages survive: a false redaction destroys the
evidence an analyst needs ("order 4482913375 never arrived").

Order matters: IBANs first (they contain long digit runs that look like cards), then cards (13-19
digits, which libphonenumber could otherwise read as a long phone number), then phones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
from stdnum import iban as _iban

EMAIL = "[EMAIL]"
PHONE = "[PHONE]"
CARD = "[CARD]"
IBAN = "[IBAN]"
KINDS = ("email", "phone", "card", "iban")

_EMAIL = re.compile(
    r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}"
    r"|[\w.+%-]+\s?[\[(]\s?at\s?[\])]\s?[\w-]+(?:\s?[\[(]\s?dot\s?[\])]\s?[\w-]+)+",
    re.IGNORECASE,
)
# Two country letters, two check digits, then 11-30 alphanumerics optionally grouped by spaces/dashes.
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]){11,30}(?![A-Za-z0-9])")
# 13-19 digits, optionally grouped by single spaces or dashes; not glued to other digits or a '+'.
_CARD = re.compile(r"(?<![\w+])(?:\d[ -]?){12,18}\d(?!\d)")
# Cheap pre-filter: phones have at least 7 digits within a short, separator-only stretch.
_PHONEISH = re.compile(r"\d(?:[\s().\-/]{0,3}\d){6,}")
_NON_DIGIT = re.compile(r"\D")
# A phone-shaped run: optional '+', digits with spaces, brackets, dots, dashes or slashes between them.
_PHONE_CAND = re.compile(r"(?<![\w+/.:])(?:\+\s?)?\(?\d[\d\s().\-]{5,24}\d(?![\d:/])")
_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}")
# A number right after one of these words is an order/account/ticket reference, not a phone, even when
# it happens to fit a numbering plan ("Order 7576042496", "Заказ 9119142616", "ORD-2024-639627").
_REFERENCE_BEFORE = re.compile(
    r"(?<!\w)(?:order|ref|invoice|inv|ticket|tracking|account|acct|case|sku|id|no\.?|#|№"
    r"|заказ|сч[её]т|трек|номер заказа"
    r"|παραγγελ\w*|κωδ\.?|λογαριασμ\w*|τιμολ\w*|αποστολ\w*|պատվեր\w*|հաշ\w*|ஆர்டர்|கணக்கு|டிக்கெட்|பில்)"
    r"[^\d\n]{0,12}$",
    re.IGNORECASE,
)

# ISO 639-1 language -> regions whose national number formats we try (international '+' formats
# are recognised whatever the region). English customers write US and UK formats.
REGIONS: dict[str, tuple[str, ...]] = {
    "en": ("US", "GB", "IN"),
    "el": ("GR",),
    "ru": ("RU",),
    "hy": ("AM",),
    "ta": ("IN",),
    "uk": ("UA",),
    "bg": ("BG",),
    "de": ("DE",),
    "fr": ("FR",),
    "es": ("ES",),
    "it": ("IT",),
}
_DEFAULT_REGIONS = ("US", "GB")
_SERVED_REGIONS = tuple(dict.fromkeys(r for lang in ("en", "el", "ru", "hy", "ta") for r in REGIONS[lang]))
"""Every region of a served language: a message in one language often quotes a number in another's
local format (an Armenian complaint with an English signature), which the privacy suite caught leaking."""


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum every payment card number carries."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def is_card_number(digits: str) -> bool:
    """13-19 digits, a card-network first digit (2-6: Mir, Visa, Mastercard, Amex, Discover, UnionPay,
    JCB, Maestro) and a valid Luhn checksum; the first-digit rule halves false hits on order numbers."""
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_ok(digits)


def iban_ok(compact: str) -> bool:
    """ISO 13616: country-specific length/format and the mod-97 check digits (python-stdnum)."""
    return bool(_iban.is_valid(compact))


def _sub_iban(text: str, counts: dict[str, int]) -> str:
    def repl(m: re.Match[str]) -> str:
        raw = m.group(0)
        # The greedy match may have swallowed a following upper-case word ("... 695 THANKS");
        # try the longest prefix (at a character boundary) that is a valid IBAN.
        for end in range(len(raw), 14, -1):
            if raw[end - 1] in " -":
                continue
            compact = raw[:end].replace(" ", "").replace("-", "")
            if len(compact) >= 15 and iban_ok(compact):
                counts["iban"] = counts.get("iban", 0) + 1
                return IBAN + raw[end:]
        return raw

    return _IBAN.sub(repl, text)


def _sub_card(text: str, counts: dict[str, int]) -> str:
    def repl(m: re.Match[str]) -> str:
        raw = m.group(0)
        # The greedy match may run on into a following number ("card 4120-0165-0927-1964 12.03"):
        # try the longest prefix that is a valid card number.
        for end in range(len(raw), 12, -1):
            if not raw[end - 1].isdigit():
                continue
            if is_card_number(_NON_DIGIT.sub("", raw[:end])):
                counts["card"] = counts.get("card", 0) + 1
                return CARD + raw[end:]
        return raw

    return _CARD.sub(repl, text)


def _is_reference(text: str, start: int) -> bool:
    """True when the number is glued to a code prefix ("ORD-2024-...") or follows an order/account word."""
    if start and (text[start - 1].isalnum() or text[start - 1] in "-/#№_"):
        return True
    return _REFERENCE_BEFORE.search(text, max(0, start - 24), start) is not None


def _valid_in(candidate: str, regions: Iterable[str]) -> bool:
    for region in regions:
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(candidate, region)):
                return True
        except phonenumbers.NumberParseException:
            continue
    return False


def _sub_phone(text: str, regions: tuple[str, ...], counts: dict[str, int]) -> str:
    """Replace valid phone numbers. Fast path: parse each phone-shaped candidate whole (one libphonenumber
    parse per region); only a candidate that fails whole -- a phone run together with a date or a
    second number -- goes through libphonenumber's slower PhoneNumberMatcher to find the phone inside it."""
    spans: list[tuple[int, int]] = []
    for m in _PHONE_CAND.finditer(text):
        start, cand = m.start(), m.group(0).rstrip(" ().-/")
        if len(_NON_DIGIT.sub("", cand)) < 7 or _is_reference(text, start) or _DATE.fullmatch(cand):
            continue
        if _valid_in(cand, regions):
            spans.append((start, start + len(cand)))
            continue
        for region in regions:
            inner = [
                (start + x.start, start + x.end)
                for x in phonenumbers.PhoneNumberMatcher(cand, region)
                if not _is_reference(text, start + x.start)
            ]
            if inner:
                spans.extend(inner)
                break
    if not spans:
        return text
    out, last, n = [], 0, 0
    for start, end in sorted(spans):
        if start < last:
            continue
        out.append(text[last:start])
        out.append(PHONE)
        last = end
        n += 1
    out.append(text[last:])
    counts["phone"] = counts.get("phone", 0) + n
    return "".join(out)


def redact(text: str, language: str = "en") -> Redaction:
    """Replace personal data in ``text`` by typed placeholders; ``language`` picks national phone formats."""
    counts: dict[str, int] = {}
    if not text:
        return Redaction(text, counts)
    if "@" in text or "[at]" in text or "(at)" in text:
        text, n = _EMAIL.subn(EMAIL, text)
        if n:
            counts["email"] = n
    if _PHONEISH.search(text) is None:  # no 7-digit run: no IBAN, card or phone possible
        return Redaction(text, counts)
    text = _sub_iban(text, counts)
    text = _sub_card(text, counts)
    first = REGIONS.get(language, _DEFAULT_REGIONS)
    text = _sub_phone(text, tuple(dict.fromkeys(first + _SERVED_REGIONS)), counts)
    return Redaction(text, counts)
