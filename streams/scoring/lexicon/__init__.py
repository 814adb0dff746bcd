"""Lexicon-and-rules sentiment for Greek, Russian, Armenian and Tamil ("ripple-lexicon").

vaderSentiment is English-only and returns 0.0 for these languages, which would silently turn every
Greek, Russian, Armenian or Tamil complaint into "neutral". These scorers follow VADER's arithmetic over
hand-curated, versioned lexicons in ``data/`` (see ``README.md`` in this folder for how each was built).

    >>> score_text("ru", "Не плохо, а отлично!").compound > 0.05
    True
    >>> score_text("de", "Gut") is None
    True
"""

from __future__ import annotations

from functools import cache, lru_cache

from streams.scoring.english import TextScore
from streams.scoring.lexicon.engine import Scorer, load, load_emoji

SCORER = "ripple-lexicon"
# Bump on any change to data/ or to the rules in engine.py: scored events carry it.
VERSION = "0.2.1"
# "ta-Latn": Tamil written in Latin letters ("Tanglish"), code-mixed with English (smaller lexicon).
SUPPORTED: frozenset[str] = frozenset({"el", "ru", "hy", "ta", "ta-Latn"})

__all__ = ["SCORER", "SUPPORTED", "VERSION", "TextScore", "score_text", "scorer_for"]


@lru_cache(maxsize=1)
def _emoji() -> dict[str, float]:
    return load_emoji()


@cache
def scorer_for(lang: str) -> Scorer:
    """The (cached) scorer of one supported language; loading its data files happens once."""
    return Scorer(load(lang), _emoji())


def score_text(lang: str, text: str) -> TextScore | None:
    """Compound in [-1, 1] (VADER normalisation) and the tokens/rules that drove it; None if unsupported.

    Pure and deterministic: the same (lang, text) always gives the same result.
    """
    if lang not in SUPPORTED:
        return None
    s = scorer_for(lang).score(text)
    return TextScore(s.compound, s.drivers)
