"""Language detection.

The script decides first (Greek, Armenian, Tamil and Cyrillic letters are unambiguous enough for
routing); Latin-script text is treated as English. Short or letterless text is 'und'.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    confidence: float
    reliable: bool


_SCRIPT_LANG = {"GREEK": "el", "CYRILLIC": "ru", "ARMENIAN": "hy", "TAMIL": "ta", "LATIN": "en"}


def _script(ch: str) -> str | None:
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    return name.split(" ", 1)[0]


def detect_language(text: str) -> Language:
    counts = Counter(s for s in (_script(c) for c in text if c.isalpha()) if s)
    total = sum(counts.values())
    if total < 2:
        return Language("und", 0.0, False)
    script, n = counts.most_common(1)[0]
    code = _SCRIPT_LANG.get(script, "und")
    share = n / total
    return Language(code, round(share, 3), code != "und" and share >= 0.6)
