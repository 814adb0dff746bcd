"""Adapter to the Greek/Russian/Armenian/Tamil scorers of ``streams.scoring.lexicon`` (another branch).

Their API is ``score_text(lang, text) -> TextScore(compound, drivers) | None`` (None: language not
supported). Until that package lands the import fails and those languages are honestly 'unscored'.
The import is guarded once per process so the hot path is a dictionary lookup, not a try/except.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, Protocol

ROMANISED_TAMIL = "ta-Latn"
"""Language tag we pass for Tamil written in Latin letters; a scorer returning None has no support."""


class Score(Protocol):
    compound: float
    drivers: tuple[str, ...]


@lru_cache(maxsize=1)
def _score_text() -> Callable[[str, str], Any] | None:
    try:
        from streams.scoring.lexicon import score_text  # type: ignore[import-not-found, attr-defined, unused-ignore]
    except ImportError:
        return None
    return score_text  # type: ignore[no-any-return, unused-ignore]


@lru_cache(maxsize=1)
def _meta() -> tuple[str, str]:
    """(scorer name, version) the lexicon package advertises, with safe defaults."""
    try:
        import streams.scoring.lexicon as lex  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return "none", "0"
    return str(getattr(lex, "SCORER", "lexicon")), str(getattr(lex, "VERSION", "1"))


def available() -> bool:
    return _score_text() is not None


def scorer_name() -> tuple[str, str]:
    return _meta()


def score(lang: str, text: str) -> Score | None:
    """The lexicon scorer's result, or None when the package or the language is missing."""
    fn = _score_text()
    if fn is None:
        return None
    result = fn(lang, text)
    return result  # type: ignore[no-any-return]


def supports_romanised_tamil() -> bool:
    """Whether the Tamil scorer reads Tanglish; probed once with a tiny text."""
    return _romanised_probe()


@lru_cache(maxsize=1)
def _romanised_probe() -> bool:
    fn = _score_text()
    if fn is None:
        return False
    try:
        return fn(ROMANISED_TAMIL, "romba nalla") is not None
    except Exception:
        return False
