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
    words: dict[str, tuple[str, ...]]
    """exact word -> labels"""
    stem_words: dict[str, tuple[str, ...]]
    """Snowball stem -> labels (labels matched by stem, in languages where stems are safe)"""
    prefixes: dict[str, tuple[tuple[str, str], ...]]
    """first two letters -> (prefix, label); one-letter prefixes under their letter"""
    triggers: dict[str, tuple[int, ...]]
    """exact first word of a phrase -> phrase ids"""
    trigger_prefixes: dict[str, tuple[tuple[str, int], ...]]
    phrases: tuple[tuple[re.Pattern[str], str, frozenset[str]], ...]
    """(regex, label, literal words the phrase needs): the regex runs only when all of them occur"""
    always: tuple[int, ...]
    """phrases without a usable first word: always tried"""


_TOKEN_CACHE_MAX = 200_000
"""Distinct words remembered per language (~100 bytes each; cleared when full)."""
_FIRST = re.compile(rf"[{_W}']+\*?")


def _bucket(word: str) -> str:
    return word[:2]


class Taxonomy:
    """label -> language -> entries, compiled per language on first use.

    Matching is token-driven: a dictionary lookup per word, a two-letter bucket of prefixes per word,
    and a phrase's regex only when its first word occurs -- one big alternation regex was ~1 ms a text.
    """

    def __init__(
        self, spec: dict[str, dict[str, list[str]]], version: str, stem_labels: frozenset[str] = frozenset()
    ) -> None:
        self.stem_labels = stem_labels
        self.spec = spec
        self.version = version
        self.labels = tuple(spec)
        self._compiled: dict[str, _Compiled] = {}
        self._cache: dict[str, dict[str, tuple[tuple[str, ...], tuple[int, ...]]]] = {}

    def _compile(self, lang: str) -> _Compiled:
        words: dict[str, list[str]] = {}
        stem_words: dict[str, list[str]] = {}
        prefixes: dict[str, list[tuple[str, str]]] = {}
        triggers: dict[str, list[int]] = {}
        trigger_prefixes: dict[str, list[tuple[str, int]]] = {}
        phrases: list[tuple[re.Pattern[str], str, frozenset[str]]] = []
        always: list[int] = []
        st = stemmer(lang)
        for label, per_lang in self.spec.items():
            for raw in per_lang.get(lang, []):
                entry = normalise(raw, lang)
                whole = _FIRST.fullmatch(entry)
                if whole and "*" not in entry[:-1]:
                    if entry.endswith("*"):
                        prefixes.setdefault(_bucket(entry[:-1]), []).append((entry[:-1], label))
                    else:
                        if label in self.stem_labels and lang in _STEM_MATCH:
                            stem_words.setdefault(st.stemWord(entry), []).append(label)
                        else:
                            words.setdefault(entry, []).append(label)
                    continue
                idx = len(phrases)
                needed = frozenset(
                    w for w in entry.split() if w != "~" and _FIRST.fullmatch(w) and "*" not in w
                )
                phrases.append((re.compile(_pattern(entry)), label, needed))
                first = _FIRST.match(entry)
                if first is None:
                    always.append(idx)
                elif first.group(0).endswith("*"):
                    trigger_prefixes.setdefault(_bucket(first.group(0)[:-1]), []).append(
                        (first.group(0)[:-1], idx)
                    )
                else:
                    triggers.setdefault(first.group(0), []).append(idx)
        return _Compiled(
            {k: tuple(dict.fromkeys(v)) for k, v in words.items()},
            {k: tuple(dict.fromkeys(v)) for k, v in stem_words.items()},
            {k: tuple(v) for k, v in prefixes.items()},
            {k: tuple(v) for k, v in triggers.items()},
            {k: tuple(v) for k, v in trigger_prefixes.items()},
            tuple(phrases),
            tuple(always),
        )

    def needs_stems(self, lang: str) -> bool:
        return bool(self.compiled(lang).stem_words)

    def compiled(self, lang: str) -> _Compiled:
        c = self._compiled.get(lang)
        if c is None:
            c = self._compiled[lang] = self._compile(lang)
        return c

    def _token_entry(self, lang: str, c: _Compiled, tok: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """(labels, phrase ids) one word triggers: exact, stem and prefix hits, computed once per word."""
        labels: list[str] = list(c.words.get(tok, ()))
        if c.stem_words:
            labels += c.stem_words.get(stemmer(lang).stemWord(tok), ())
        ids: list[int] = list(c.triggers.get(tok, ()))
        for key in {tok[:2], tok[:1]}:
            labels += [label for pre, label in c.prefixes.get(key, ()) if tok.startswith(pre)]
            ids += [idx for pre, idx in c.trigger_prefixes.get(key, ()) if tok.startswith(pre)]
        return tuple(dict.fromkeys(labels)), tuple(ids)

    def match_tokens(self, lang: str, norm: str, tokens: list[str], found: dict[str, list[str]]) -> None:
        """Add label -> evidence for the normalised text ``norm`` (already tokenised) into ``found``.

        Per word the work is one dictionary lookup: what a word triggers is computed on first sight and
        kept (bounded; customer vocabulary is Zipfian, so the table stays small and hot).
        """
        c = self.compiled(lang)
        cache = self._cache.setdefault(lang, {})
        if len(cache) > _TOKEN_CACHE_MAX:
            cache.clear()
        candidates: set[int] = set(c.always)
        for tok in tokens:
            hit = cache.get(tok)
            if hit is None:
                hit = cache[tok] = self._token_entry(lang, c, tok)
            labels, ids = hit
            for label in labels:
                found.setdefault(label, []).append(tok)
            if ids:
                candidates.update(ids)
        if not candidates:
            return
        present = set(tokens)
        for idx in sorted(candidates):
            regex, label, needed = c.phrases[idx]
            if not needed <= present:
                continue
            m = regex.search(norm)
            if m is not None:
                found.setdefault(label, []).append(m.group(0))

    def match(self, text: str, langs: tuple[str, ...]) -> dict[str, list[str]]:
        """label -> evidence words found in ``text`` for any of ``langs``."""
        found: dict[str, list[str]] = {}
        for lang in langs:
            if lang not in _STEMMERS:
                continue
            norm = normalise(text, lang)
            tokens = _TOKEN.findall(norm)
            self.match_tokens(lang, norm, tokens, found)
        return found


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def aspects() -> Taxonomy:
    data = _read("aspects.json")
    return Taxonomy(data["aspects"], data["version"], frozenset(data["aspects"]))


@lru_cache(maxsize=1)
def cues() -> Taxonomy:
    # Cues match exact words/prefixes: stems would merge "άχρηστοι" (useless people, an insult) with
    # "άχρηστα" (useless things).
    data = _read("cues.json")
    return Taxonomy(data["cues"], data["version"])


@lru_cache(maxsize=1)
def combined() -> Taxonomy:
    """Aspects ("a:"), cues ("c:") and sarcasm ingredients ("s:") in one table: one pass over the words."""
    a, c = _read("aspects.json"), _read("cues.json")
    spec = {f"a:{k}": v for k, v in a["aspects"].items()}
    spec |= {f"c:{k}": v for k, v in c["cues"].items()}
    spec |= {"s:sarcasm": c["sarcasm_markers"], "s:complaint": c["complaint_markers"]}
    return Taxonomy(spec, f"{a['version']}/{c['version']}", frozenset(f"a:{k}" for k in a["aspects"]))


ASPECT_ORDER = (
    "delivery",
    "price",
    "quality",
    "staff",
    "waiting",
    "broken_promise",
    "mislabelled",
    "warranty",
    "tracking",
    "website",
    "billing",
    "food",
)
CUE_ORDER = ("abuse", "churn_threat", "public_threat", "broken_promise", "insignificance")

_SECOND_PERSON = re.compile(
    r"(?<!\w)(?:you|your|you're|ur|вы|ты|вам|вас|тебе|тебя|ваш\w*|твой|εσεις|εσείς|ειστε|είστε|σας|σου|εισαι|είσαι"
    r"|դուք|դու|ձեզ|ձեր)(?!\w)|நீங்க|நீ |உங்க|உன்",
    re.IGNORECASE,
)
_CASED_WORD = re.compile(r"[^\W\d_]{3,}")
_CAPS_PAIR = re.compile(r"[A-ZА-ЯЁΑ-Ω\u0386-\u038FԱ-Ֆ]{3,}[^\w]+[A-ZА-ЯЁΑ-Ω\u0386-\u038FԱ-Ֆ]{2,}")


def shouting_at_someone(text: str) -> bool:
    """Most words in capitals *and* addressed to the agent ("YOU PEOPLE ARE USELESS"): abuse.
    Capitals alone ("I AM STILL WAITING FOR MY PARCEL") are frustration, not abuse."""
    if _CAPS_PAIR.search(text) is None:  # cheap gate: no two capitalised words in a row
        return False
    words = _CASED_WORD.findall(text)
    if len(words) < 3:
        return False
    upper = sum(1 for w in words if w.isupper())
    return upper / len(words) >= 0.7 and _SECOND_PERSON.search(text) is not None


@lru_cache(maxsize=1)
def _exceptions() -> dict[str, tuple[re.Pattern[str], tuple[frozenset[str], ...]]]:
    """Per language, phrases that *report* an insult rather than make one ("talked to me like I was an
    idiot"): removed before cue matching. With each, the literal words it needs (a cheap gate)."""
    data = json.loads((DATA / "cues.json").read_text(encoding="utf-8"))
    out = {}
    for lang, entries in data.get("exceptions", {}).items():
        norm = [normalise(e, lang) for e in entries]
        needed = tuple(frozenset(w for w in e.split() if _FIRST.fullmatch(w) and "*" not in w) for e in norm)
        out[lang] = (re.compile("|".join(_pattern(e) for e in norm)), needed)
    return out


@lru_cache(maxsize=1)
def _praise_exceptions() -> dict[str, re.Pattern[str]]:
    """Per language, sincere-praise idioms that contain a complaint-marker word ("will order again",
    "a day early", the Armenian greeting "Բարի օր" = "good day"): removed before complaint markers are
    matched, so praise with a plan to come back is not mistaken for sarcasm ("great ... again")."""
    data = json.loads((DATA / "cues.json").read_text(encoding="utf-8"))
    return {
        lang: re.compile("|".join(_pattern(normalise(e, lang)) for e in entries))
        for lang, entries in data.get("praise_exceptions", {}).items()
        if entries
    }


def _complaint_markers_outside_praise(text: str, langs: tuple[str, ...]) -> list[str]:
    """Complaint-marker evidence of ``text`` once sincere-praise idioms are taken out."""
    tax, pe = combined(), _praise_exceptions()
    out: list[str] = []
    for lg in langs:
        norm = normalise(text, lg)
        pat = pe.get(lg)
        if pat is not None:
            norm = pat.sub(" ", norm)
        here: dict[str, list[str]] = {}
        tax.match_tokens(lg, norm, _TOKEN.findall(norm), here)
        out += here.get("s:complaint", [])
    return out


@dataclass(frozen=True, slots=True)
class Found:
    aspects: tuple[str, ...]
    cues: tuple[str, ...]
    evidence: tuple[str, ...]
    sarcasm_marker: bool
    complaint_marker: bool


def _any_subset(needed: tuple[frozenset[str], ...], tokens: list[str]) -> bool:
    present = set(tokens)
    return any(n <= present for n in needed)


def find(text: str, lang: str) -> Found:
    """Aspects, cues and the sarcasm ingredients of ``text`` in language ``lang`` (plus English)."""
    langs = (lang, "en") if lang in _STEMMERS and lang != "en" else ("en",)
    found: dict[str, list[str]] = {}
    tax, ex = combined(), _exceptions()
    for lg in langs:
        norm = normalise(text, lg)
        tokens = _TOKEN.findall(norm)
        exc = ex.get(lg)
        pat = exc[0] if exc is not None and _any_subset(exc[1], tokens) else None
        if pat is not None and pat.search(norm):
            # A reported insult ("like I was an idiot"): cues come from the text without it.
            here: dict[str, list[str]] = {}
            tax.match_tokens(lg, norm, tokens, here)
            stripped = pat.sub(" ", norm)
            again: dict[str, list[str]] = {}
            tax.match_tokens(lg, stripped, _TOKEN.findall(stripped), again)
            here = {k: v for k, v in here.items() if not k.startswith("c:")}
            here |= {k: v for k, v in again.items() if k.startswith("c:")}
            for k, v in here.items():
                found.setdefault(k, []).extend(v)
        else:
            tax.match_tokens(lg, norm, tokens, found)
    # Both sarcasm ingredients: make sure the complaint words are not part of sincere praise.
    # (Rare, so the second pass costs nothing on the common path.)
    if "s:complaint" in found and "s:sarcasm" in found and not _complaint_markers_outside_praise(text, langs):
        del found["s:complaint"]
    a = {k[2:]: v for k, v in found.items() if k.startswith("a:")}
    c = {k[2:]: v for k, v in found.items() if k.startswith("c:")}
    if "abuse" not in c and shouting_at_someone(text):
        c["abuse"] = ["SHOUTING"]
    evidence = [f"{k}:{w}" for k in ASPECT_ORDER if k in a for w in dict.fromkeys(a[k])][:12]
    evidence += [f"{k}:{w}" for k in CUE_ORDER if k in c for w in dict.fromkeys(c[k])][:8]
    return Found(
        tuple(k for k in ASPECT_ORDER if k in a),
        tuple(k for k in CUE_ORDER if k in c),
        tuple(evidence),
        "s:sarcasm" in found,
        "s:complaint" in found,
    )
