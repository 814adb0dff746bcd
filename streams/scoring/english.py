"""English sentiment with vaderSentiment (Hutto & Gilbert 2014)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

SCORER = "vader"
VERSION = "3.3.2"

_WORD = re.compile(r"[A-Za-z']+")


@dataclass(frozen=True)
class TextScore:
    compound: float
    drivers: tuple[str, ...]


@lru_cache(maxsize=1)
def analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def score_english(text: str) -> TextScore:
    """VADER compound plus the lexicon words that drove it (VADER itself does not report them)."""
    a = analyzer()
    compound = float(a.polarity_scores(text)["compound"])
    lex = a.lexicon
    drivers = tuple(dict.fromkeys(w for w in (m.lower() for m in _WORD.findall(text)) if w in lex))[:10]
    return TextScore(compound, drivers)
