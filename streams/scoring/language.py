"""Language detection for routing feedback to the right scorer.

Two tiers, because detection runs on every event and lingua costs ~100 us a call:

1. The script decides where it is unambiguous: Greek, Armenian and Tamil letters each belong to one
   language we serve. Cyrillic with ы/э/ё and no і/ї/є/ґ/ў is Russian (Ukrainian and Bulgarian have no
   ы/э/ё). Latin text dense with English function words is English. Latin text with several
   romanised-Tamil words ("order varala, romba mosam") is "Tanglish".
2. Otherwise lingua-language-detector (models ship in the wheel, nothing downloaded), restricted to
   the languages we serve plus the common look-alikes, decides; German/French/Ukrainian/Bulgarian...
   come back as themselves so the pipeline marks them 'unscored' instead of forcing them into en/ru.
   The detector is built once, in low-accuracy mode: high accuracy costs ~240 MB RSS for ~2x speed
   loss, and tier 1 already settles the short texts where high accuracy would matter.

Short or unsure text falls back to the script's default language (Latin -> en, Cyrillic -> ru) with
``reliable=False`` -- never to a random language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

SERVED = ("en", "el", "ru", "hy", "ta")
CONFIDENCE_FLOOR = 0.6
"""lingua's relative confidence needed before we call text a language we do not serve."""


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    confidence: float
    reliable: bool
    romanised: bool = False
    """Tamil written in Latin letters (Tanglish)."""


_GREEK = re.compile(r"[\u0370-\u03FF\u1F00-\u1FFF]")
_CYRILLIC = re.compile(r"[\u0400-\u052F]")
_ARMENIAN = re.compile(r"[\u0531-\u058F\uFB13-\uFB17]")
_TAMIL = re.compile(r"[\u0B80-\u0BFF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_NON_LATIN = re.compile(r"[\u0370-\u03FF\u1F00-\u1FFF\u0400-\u052F\u0531-\u058F\uFB13-\uFB17\u0B80-\u0BFF]")
_NOISE = re.compile(r"\S+@\S+|https?://\S+|www\.\S+|\[(?:EMAIL|PHONE|CARD|IBAN)\]", re.IGNORECASE)
_LATIN_WORD = re.compile(r"[a-z\u00C0-\u024F']+")
_RU_ONLY = re.compile(r"[ыэёЫЭЁ]")
_CYR_WORD = re.compile(r"[а-яё]+")
# Words that are Russian and neither Ukrainian nor Bulgarian (those say що/какво, вже/вече, де/къде ...).
_RU_WORDS = frozenset(
    [
        "что",
        "это",
        "уже",
        "где",
        "мне",
        "меня",
        "нет",
        "очень",
        "если",
        "или",
        "пожалуйста",
        "спасибо",
        "почему",
        "когда",
        "только",
        "сейчас",
        "вообще",
        "можно",
        "нужно",
        "хочу",
        "мой",
        "моя",
        "мои",
        "моё",
        "мое",
        "ваш",
        "ваша",
        "вас",
        "вам",
        "был",
        "была",
        "были",
        "так",
        "и",
        "не",
        "ещё",
        "еще",
        "всё",
        "сегодня",
    ]
)
_NOT_RU = re.compile(r"[іїєґўІЇЄҐЎ]")

_EN_FUNCTION_WORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "before",
        "being",
        "but",
        "by",
        "can",
        "can't",
        "could",
        "did",
        "didn't",
        "do",
        "does",
        "doesn't",
        "don't",
        "for",
        "from",
        "got",
        "had",
        "has",
        "hasn't",
        "have",
        "haven't",
        "he",
        "her",
        "here",
        "him",
        "his",
        "how",
        "i",
        "i'm",
        "i've",
        "if",
        "in",
        "into",
        "is",
        "isn't",
        "it",
        "it's",
        "its",
        "just",
        "me",
        "my",
        "no",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "our",
        "out",
        "over",
        "please",
        "she",
        "should",
        "so",
        "some",
        "still",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "they",
        "this",
        "to",
        "too",
        "up",
        "us",
        "very",
        "was",
        "wasn't",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "won't",
        "would",
        "you",
        "you're",
        "your",
        "yours",
        "been",
        "get",
        "never",
        "again",
        "order",
        "thanks",
        "thank",
    ]
)
# Common romanised-Tamil words that are not also English words ("than", "da" and "bro" are left out).
ROMANISED_TAMIL = frozenset(
    [
        "romba",
        "rombo",
        "illa",
        "illai",
        "illaye",
        "varala",
        "varalai",
        "varale",
        "vandhuchu",
        "vanthuchu",
        "vandhadhu",
        "vanthathu",
        "pannunga",
        "pannala",
        "panna",
        "pannitanga",
        "pannunga",
        "enna",
        "ennoda",
        "epdi",
        "eppadi",
        "eppo",
        "ippo",
        "innum",
        "inum",
        "seri",
        "sari",
        "nalla",
        "nallave",
        "mosam",
        "mosamana",
        "kadai",
        "kaasu",
        "panam",
        "sollunga",
        "sonnanga",
        "sonninga",
        "ungaluku",
        "unga",
        "ungal",
        "naan",
        "nan",
        "neenga",
        "inga",
        "anga",
        "machan",
        "machi",
        "dei",
        "semma",
        "iruku",
        "irukku",
        "irukkuthu",
        "irukudhu",
        "illaiya",
        "vela",
        "velai",
        "kedaikala",
        "kidaikala",
        "kidaikkala",
        "thaan",
        "dhaan",
        "kodunga",
        "kudunga",
        "vaanga",
        "ponga",
        "poda",
        "podi",
        "theriyuma",
        "theriyala",
        "aachu",
        "aagala",
        "aaguthu",
        "waste-aa",
        "super-aa",
        "kevalama",
        "kevalam",
        "thirumba",
        "thiruppi",
        "anuppunga",
        "anupunga",
        "vandhu",
        "vanthu",
        "kaathirukken",
        "kathirunthen",
        "yaarum",
        "yarum",
        "edhukku",
        "ethuku",
        "paathu",
        "paakala",
        "sapadu",
        "saapadu",
    ]
)

_LATIN_CANDIDATES = (
    "ENGLISH",
    "GERMAN",
    "FRENCH",
    "SPANISH",
    "ITALIAN",
    "PORTUGUESE",
    "DUTCH",
    "TURKISH",
    "POLISH",
    "ROMANIAN",
    "INDONESIAN",
    "SWEDISH",
    "CZECH",
    "CROATIAN",
    "TAGALOG",
    "LATIN",
)
_CYRILLIC_CANDIDATES = ("RUSSIAN", "UKRAINIAN", "BULGARIAN", "BELARUSIAN", "SERBIAN", "MACEDONIAN", "KAZAKH")


@lru_cache(maxsize=1)
def _english_vocabulary() -> frozenset[str]:
    """VADER's lexicon words plus function words: a Latin text mostly made of these is English."""
    from streams.scoring.english import plain_analyzer

    return frozenset(w for w in plain_analyzer().lexicon if w.isalpha()) | _EN_FUNCTION_WORDS


@lru_cache(maxsize=1)
def _detector() -> Any:
    """lingua detector over the look-alikes, built once per process (low-accuracy mode: ~28 MB RSS)."""
    from lingua import Language as L
    from lingua import LanguageDetectorBuilder

    langs = [getattr(L, n) for n in (*_LATIN_CANDIDATES, *_CYRILLIC_CANDIDATES)]
    return LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()


def _lingua(text: str, candidates: tuple[str, ...]) -> tuple[str, float]:
    """Best of ``candidates`` for ``text`` and its confidence relative to the other candidates."""
    values = _detector().compute_language_confidence_values(text)
    allowed = [(v.language, v.value) for v in values if v.language.name in candidates]
    if not allowed:
        return "und", 0.0
    total = sum(v for _, v in allowed) or 1.0
    lang, value = max(allowed, key=lambda lv: lv[1])
    return lang.iso_code_639_1.name.lower(), value / total


# Letters (or words) a Cyrillic language cannot do without in a sentence. lingua is only asked to choose
# among the languages whose evidence is present: its low-accuracy mode calls plain Russian such as
# "Мясо пережарено, соус пересолен." Ukrainian, which no text without і/ї/є/ґ is.
_CYR_EVIDENCE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("UKRAINIAN", re.compile(r"[іїєґІЇЄҐ]")),
    ("BELARUSIAN", re.compile(r"[ўЎі]")),
    ("SERBIAN", re.compile(r"[јљњћђџЈЉЊЋЂЏ]")),
    ("MACEDONIAN", re.compile(r"[јљњѓќѕџЈЉЊЃЌЅЏ]")),
    ("KAZAKH", re.compile(r"[әғқңөұүһӘҒҚҢӨҰҮҺ]")),
    ("BULGARIAN", re.compile(r"\Bъ\B|ъ\b|(?<!\w)(?:е|са|ще|съм|сте|няма|какво|защо|кога|къде|тук)(?!\w)",
                              re.IGNORECASE)),
)


def _cyrillic(text: str, share: float) -> Language:
    if not _NOT_RU.search(text) and (
        _RU_ONLY.search(text) or not _RU_WORDS.isdisjoint(_CYR_WORD.findall(text.lower()))
    ):
        return Language("ru", share, share >= 0.6)
    possible = tuple(name for name, pat in _CYR_EVIDENCE if pat.search(text))
    if not possible:
        # No letter or word of any look-alike: Russian (unsure only when the text is tiny).
        return Language("ru", round(share, 3), share >= 0.6 and len(_CYR_WORD.findall(text.lower())) >= 3)
    code, conf = _lingua(text, ("RUSSIAN", *possible))
    if code != "ru" and conf >= CONFIDENCE_FLOOR:
        return Language(code, round(conf, 3), True)
    return Language(
        "ru", round(conf if code == "ru" else share * 0.5, 3), code == "ru" and conf >= CONFIDENCE_FLOOR
    )


def _latin(text: str, share: float) -> Language:
    words = _LATIN_WORD.findall(text.lower())
    if sum(len(w) for w in words) < 2:
        return Language("und", 0.0, False)
    tamil = sum(map(ROMANISED_TAMIL.__contains__, words))
    if tamil >= 2 or (tamil and tamil / len(words) >= 0.25):
        return Language("ta", round(min(1.0, 0.5 + tamil / len(words)), 3), False, romanised=True)
    english = sum(map(_EN_FUNCTION_WORDS.__contains__, words))
    if len(words) >= 4 and english / len(words) >= 0.25:
        return Language("en", round(share, 3), share >= 0.6)
    known = _english_vocabulary()
    share_known = sum(map(known.__contains__, words)) / len(words)
    if len(words) >= 3 and (share_known >= 0.75 or (english and share_known >= 0.6)):
        # Few function words but English vocabulary ("Excellent quality, exactly like the photos"):
        # English without asking lingua.
        return Language("en", round(share, 3), share >= 0.6)
    if len(words) < 3:
        # Too short for any detector to be trusted: English, flagged unsure.
        return Language("en", 0.5 if english else 0.3, False)
    code, conf = _lingua(text, _LATIN_CANDIDATES)
    if code != "en" and conf >= CONFIDENCE_FLOOR:
        return Language(code, round(conf, 3), True)
    return Language("en", round(conf if code == "en" else 0.3, 3), code == "en" and conf >= CONFIDENCE_FLOOR)


def detect_language(text: str, hint: str | None = None) -> Language:
    """Route ``text`` to a language code (ISO 639-1, or 'und' when there are no letters).

    ``hint`` (the channel's language_hint) settles ambiguous Cyrillic/Latin text when it names a
    language that script can carry, so the lingua call is skipped.
    """
    if "@" in text or "http" in text or "www." in text or "[" in text:
        text = _NOISE.sub(" ", text)
    if _NON_LATIN.search(text) is None:
        # Latin-only or letterless (the common case): no per-script letter counts needed.
        if _LATIN.search(text) is None:
            return Language("und", 0.0, False)
        hint = (hint or "").lower()[:2]
        if hint and hint not in ("en", "ta") and hint.isalpha():
            return Language(hint, 1.0, True)
        return _latin(text, 1.0)
    counts = (
        ("el", len(_GREEK.findall(text))),
        ("cyr", len(_CYRILLIC.findall(text))),
        ("hy", len(_ARMENIAN.findall(text))),
        ("ta", len(_TAMIL.findall(text))),
        ("lat", len(_LATIN.findall(text))),
    )
    total = sum(n for _, n in counts)
    if total < 2:
        return Language("und", 0.0, False)
    script, n = max(counts, key=lambda c: c[1])
    share = n / total
    if script in ("el", "hy", "ta"):
        return Language(script, round(share, 3), share >= 0.5 and n >= 3)
    hint = (hint or "").lower()[:2]
    if script == "cyr":
        if hint in ("ru", "uk", "bg", "be", "sr", "mk", "kk") and not (hint == "ru" and _NOT_RU.search(text)):
            return Language(hint, round(share, 3), share >= 0.6)
        return _cyrillic(text, share)
    if hint and hint not in ("en", "ta") and hint.isalpha():
        return Language(hint, round(share, 3), share >= 0.6)
    return _latin(text, share)
