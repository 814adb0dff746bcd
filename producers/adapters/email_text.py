"""Turning an e-mail body into the customer's own words: HTML -> text, quoted replies and signatures cut.

Rules rather than a reply-parser library: the maintained ones (``mail-parser-reply``, ``email_reply_parser``)
know no Greek, Russian, Armenian or Tamil "wrote:" headers, and their signature rule also eats hyphen
lists ("- it smells burnt"), which are often the complaint itself. The rules, in order:

1. Cut at the first reply header: a "wrote:" line in any supported language (possibly wrapped over two
   lines), an "Original Message"/"Forwarded message" separator, an Outlook ``From:`` block followed by
   ``Sent:/Date:/To:/Subject:`` (localised), or a long underscore rule.
2. Drop every ``>``-quoted line that survives (inline quoting).
3. Cut at the RFC 3676 signature delimiter (``-- ``), a "Sent from my phone" line, or a valediction line
   ("Best regards", "С уважением", "Με εκτίμηση", "Հարգանքով", "மரியாதையுடன்" ...) that stands alone on a line
   in the last few lines of the message.
"""

from __future__ import annotations

import re

import html2text

_WROTE = re.compile(
    r"(\bwrote|\ba écrit|\bschrieb|\bescribió|έγραψε|γράφει|пишет|написал(?:\(а\)|а)?"
    r"|գրել է|գրեց|எழுதியது|எழுதினார்)"
    r"\s*[:։՝]\s*$",
    re.IGNORECASE,
)
_WROTE_START = re.compile(
    r"^\s*(On|Le|Am|El|Στις|Στο|Την|\d{1,2}[./ ]|Вт|Пн|Ср|Чт|Пт|Сб|Вс|\w+,)", re.IGNORECASE
)
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(Original Message|Forwarded message|Исходное сообщение|Пересылаемое сообщение|"
    r"Αρχικό μήνυμα|Προωθημένο μήνυμα|Բնօրինակ հաղորդագրություն)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(From|Από|От|Ուղարկող|அனுப்புநர்)\s*:\*?\s*\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(
    r"^\s*\*?(Sent|Date|To|Subject|Cc|Στάλθηκε|Ημερομηνία|Προς|Θέμα|Отправлено|Дата|Кому|Тема|Ամսաթիվ|Թեմա)"
    r"\s*:",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{20,}\s*$")
_SIG_DELIM = re.compile(r"^-- ?$")
_SENT_FROM = re.compile(
    r"^\s*(Sent from my|Get Outlook for|Отправлено с|Отправлено из|Στάλθηκε από|Αποστολή από|Ուղարկված է)",
    re.IGNORECASE,
)
_VALEDICTION = re.compile(
    r"^\s*(best regards|kind regards|warm regards|regards|best wishes|best|cheers|thanks|thank you|"
    r"many thanks|sincerely|yours sincerely|yours faithfully|"
    r"с уважением|с наилучшими пожеланиями|всего доброго|спасибо|заранее спасибо|"
    r"με εκτίμηση|φιλικά|ευχαριστώ|ευχαριστώ πολύ|με φιλικούς χαιρετισμούς|"
    r"հարգանքով|շնորհակալություն|մաքսիմալ հարգանքով|"
    r"மரியாதையுடன்|நன்றி|அன்புடன்|நன்றியுடன்)\s*[,.!։]?\s*$",
    re.IGNORECASE,
)
_SIG_TAIL_LINES = 6
"""A valediction further up than this many non-empty lines from the end is content, not a sign-off."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def html_to_text(html: str) -> str:
    """Readable plain text from an HTML body; ``<blockquote>`` becomes ``>`` lines so quote rules apply."""
    h = html2text.HTML2Text()
    h.body_width = 0
    h.ignore_links = True
    h.ignore_images = True
    h.ignore_emphasis = True
    h.ignore_tables = True
    h.unicode_snob = True
    text: str = h.handle(html)
    # html2text writes markdown headings and list bullets; customers did not.
    text = re.sub(r"^\s*#{1,6}\s+", "", text, flags=re.MULTILINE)
    return text


def _reply_cut(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if _SEPARATOR.match(line) or _RULE.match(line):
            return i
        if _WROTE.search(line) and (_WROTE_START.match(line) or "@" in line):
            return i
        # Gmail wraps long headers: "On Mon, 5 Jan 2026 at 10:00, Shop <s@x.com>" / "wrote:"
        if i + 1 < len(lines) and _WROTE.match(lines[i + 1].strip()) and _WROTE_START.match(line):
            return i
        if _OUTLOOK_FROM.match(line) and any(_OUTLOOK_NEXT.match(n) for n in lines[i + 1 : i + 4]):
            return i
    return len(lines)


def _signature_cut(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if _SIG_DELIM.match(line) or _SENT_FROM.match(line):
            lines = lines[:i]
            break
    nonempty = [i for i, line in enumerate(lines) if line.strip()]
    for i in nonempty[-_SIG_TAIL_LINES:]:
        if _VALEDICTION.match(lines[i]):
            return i
    return len(lines)


def strip_reply(text: str) -> str:
    """The newest part of a message body without quoted history or signature."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    lines = lines[: _reply_cut(lines)]
    lines = [line for line in lines if not line.lstrip().startswith(">")]
    lines = lines[: _signature_cut(lines)]
    out = "\n".join(line.rstrip() for line in lines).strip()
    return re.sub(r"\n{3,}", "\n\n", out)


def clean_control(text: str) -> str:
    """Mail bodies carry form feeds, NULs from broken clients...; the contract forbids them: blank them."""
    return _CONTROL.sub(" ", text)
