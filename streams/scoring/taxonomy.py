"""Aspects and cues: multilingual keyword taxonomies (data/aspects.json, data/cues.json) matched fast.

Why this shape: the taxonomies are versioned data that analysts extend without touching code, and
matching runs on every event, so each (taxonomy, language) is compiled once into

* a stem table (plain words, Snowball stems via PyStemmer so "доставки"/"доставку" or
  "καθυστέρηση"/"καθυστερήσεις" hit the same entry), and
* one alternation regex for prefixes ("доставк*"), phrases and gapped phrases ("never buy ~ again").

Greek is matched accent-folded (customers often type without accents) and Russian with ё folded to е.
The detected language and English are always matched (code-switching: "το delivery άργησε").
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import Stemmer

DATA = Path(__file__).parent / "data"
_STEMMERS = {"en": "english", "el": "greek", "ru": "russian", "hy": "armenian", "ta": "tamil"}
# Snowball's Armenian and Tamil stemmers cut so deep that unrelated words collide (Tamil
# "வருத்தப்படுவீர்கள்" 'you will regret' and "வருகிறது" 'comes' share a stem): there plain entries match
# whole words and inflection is written explicitly as prefixes ("காத்திரு*").
_STEM_MATCH = frozenset({"en", "el", "ru"})
_W = r"\w\u0B80-\u0BFF"  # Python's \w misses Tamil vowel signs
_TOKEN = re.compile(rf"[{_W}']+")
_SEP = rf"[^{_W}]+"


def _fold_greek(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


_GREEK_FOLD = {ord(c): _fold_greek(c) for c in "άέήίόύώϊϋΐΰΆΈΉΊΌΎΏ"}


_HY_MARKS = {0x055E: None, 0x055C: None, 0x055B: None}


def normalise(text: str, lang: str) -> str:
    """Lower-case; fold Greek accents and Russian ё so typed-without-accents text matches."""
    text = text.lower()
    if lang == "el":
        return text.translate(_GREEK_FOLD)
    if lang == "ru":
        return text.replace("ё", "е")
    if lang == "hy":
        # Armenian puts its question/exclamation/emphasis marks *inside* the word ("հիմա՞ր").
        return text.translate(_HY_MARKS)
    return text


@lru_cache(maxsize=8)
def stemmer(lang: str) -> Any:
    return Stemmer.Stemmer(_STEMMERS.get(lang, "english"))


def _pattern(entry: str) -> str:
    parts = []
    for word in entry.split():
        if word == "~":
            parts.append("~")
            continue
        esc = re.escape(word).replace(r"\*", f"[{_W}]*")
        parts.append(esc)
    out = ""
    for i, p in enumerate(parts):
        if p == "~":
            out += rf"(?:{_SEP}[{_W}]+){{0,3}}"
            continue
        out += (_SEP if i and parts[i - 1] != "~" else (_SEP if i else "")) + p
    return rf"(?<![{_W}]){out}" + ("" if entry.endswith("*") else rf"(?![{_W}])")


@dataclass(frozen=True)
class _Compiled:
    stems: dict[str, tuple[str, ...]]
    regex: re.Pattern[str] | None
    group_label: dict[str, str]


class Taxonomy:
    """label -> language -> entries, compiled per language on first use."""

    def __init__(self, spec: dict[str, dict[str, list[str]]], version: str, stem: bool = True) -> None:
        self.stem = stem
        self.spec = spec
        self.version = version
        self.labels = tuple(spec)
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, lang: str) -> _Compiled:
        stems: dict[str, list[str]] = {}
        alts: list[str] = []
        group_label: dict[str, str] = {}
        st = stemmer(lang)
        for label, per_lang in self.spec.items():
            for raw in per_lang.get(lang, []):
                entry = normalise(raw, lang)
                if " " not in entry and "*" not in entry and "'" not in entry:
                    key = st.stemWord(entry) if self._stems(lang) else entry
                    stems.setdefault(key, []).append(label)
                    continue
                name = f"g{len(alts)}"
                group_label[name] = label
                alts.append(f"(?P<{name}>{_pattern(entry)})")
        regex = re.compile("|".join(alts)) if alts else None
        return _Compiled({k: tuple(dict.fromkeys(v)) for k, v in stems.items()}, regex, group_label)

    def _stems(self, lang: str) -> bool:
        return self.stem and lang in _STEM_MATCH

    def compiled(self, lang: str) -> _Compiled:
        c = self._compiled.get(lang)
        if c is None:
            c = self._compiled[lang] = self._compile(lang)
        return c

    def match(self, text: str, langs: tuple[str, ...]) -> dict[str, list[str]]:
        """label -> evidence words found in ``text`` for any of ``langs``."""
        found: dict[str, list[str]] = {}
        for lang in langs:
            if lang not in _STEMMERS:
                continue
            c = self.compiled(lang)
            norm = normalise(text, lang)
            if c.stems:
                tokens = _TOKEN.findall(norm)
                keys = stemmer(lang).stemWords(tokens) if self._stems(lang) else tokens
                for tok, stem in zip(tokens, keys, strict=True):
                    for label in c.stems.get(stem, ()):
                        found.setdefault(label, []).append(tok)
            if c.regex is not None:
                for m in c.regex.finditer(norm):
                    label = c.group_label[m.lastgroup or ""]
                    found.setdefault(label, []).append(m.group(0))
        return found


def _load(name: str, key: str, stem: bool) -> Taxonomy:
    data = json.loads((DATA / name).read_text(encoding="utf-8"))
    return Taxonomy(data[key], data["version"], stem)


@lru_cache(maxsize=1)
def aspects() -> Taxonomy:
    return _load("aspects.json", "aspects", stem=True)


@lru_cache(maxsize=1)
def cues() -> Taxonomy:
    # Cues match exact words/prefixes: stems would merge "άχρηστοι" (useless people, an insult) with
    # "άχρηστα" (useless things).
    return _load("cues.json", "cues", stem=False)


@lru_cache(maxsize=1)
def sarcasm_markers() -> Taxonomy:
    data = json.loads((DATA / "cues.json").read_text(encoding="utf-8"))
    return Taxonomy({"sarcasm": data["sarcasm_markers"], "complaint": data["complaint_markers"]}, data["version"], False)


ASPECT_ORDER = (
    "delivery", "price", "quality", "staff", "waiting", "broken_promise", "mislabelled", "warranty", "tracking",
    "website", "billing", "food",
)
CUE_ORDER = ("abuse", "churn_threat", "public_threat", "broken_promise", "insignificance")

_SECOND_PERSON = re.compile(
    r"(?<!\w)(?:you|your|you're|ur|вы|ты|вам|вас|тебе|тебя|ваш\w*|твой|εσεις|εσείς|ειστε|είστε|σας|σου|εισαι|είσαι"
    r"|դուք|դու|ձեզ|ձեր)(?!\w)|நீங்க|நீ |உங்க|உன்",
    re.IGNORECASE,
)
_CASED_WORD = re.compile(r"[^\W\d_]{3,}")


def shouting_at_someone(text: str) -> bool:
    """Most words in capitals *and* addressed to the agent ("YOU PEOPLE ARE USELESS"): abuse.
    Capitals alone ("I AM STILL WAITING FOR MY PARCEL") are frustration, not abuse."""
    words = _CASED_WORD.findall(text)
    if len(words) < 3:
        return False
    upper = sum(1 for w in words if w.isupper())
    return upper / len(words) >= 0.7 and _SECOND_PERSON.search(text) is not None


@lru_cache(maxsize=1)
def _exceptions() -> dict[str, re.Pattern[str]]:
    """Per language, phrases that *report* an insult rather than make one ("talked to me like I was an
    idiot"): removed before cue matching."""
    data = json.loads((DATA / "cues.json").read_text(encoding="utf-8"))
    out = {}
    for lang, entries in data.get("exceptions", {}).items():
        out[lang] = re.compile("|".join(_pattern(normalise(e, lang)) for e in entries))
    return out


def _strip_exceptions(text: str, langs: tuple[str, ...]) -> str:
    ex = _exceptions()
    for lang in langs:
        pat = ex.get(lang)
        if pat is not None:
            text = pat.sub(" ", normalise(text, lang))
    return text


@dataclass(frozen=True, slots=True)
class Found:
    aspects: tuple[str, ...]
    cues: tuple[str, ...]
    evidence: tuple[str, ...]
    sarcasm_marker: bool
    complaint_marker: bool


def find(text: str, lang: str) -> Found:
    """Aspects, cues and the sarcasm ingredients of ``text`` in language ``lang`` (plus English)."""
    langs = (lang, "en") if lang != "en" else ("en",)
    a = aspects().match(text, langs)
    c = cues().match(_strip_exceptions(text, langs), langs)
    if "abuse" not in c and shouting_at_someone(text):
        c["abuse"] = ["SHOUTING"]
    s = sarcasm_markers().match(text, langs)
    evidence = [f"{k}:{w}" for k in ASPECT_ORDER if k in a for w in dict.fromkeys(a[k])][:12]
    evidence += [f"{k}:{w}" for k in CUE_ORDER if k in c for w in dict.fromkeys(c[k])][:8]
    return Found(
        tuple(k for k in ASPECT_ORDER if k in a),
        tuple(k for k in CUE_ORDER if k in c),
        tuple(evidence),
        "sarcasm" in s,
        "complaint" in s,
    )
