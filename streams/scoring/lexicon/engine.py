"""A VADER-style lexicon-and-rules sentiment scorer, parameterised by per-language data files.

vaderSentiment (Hutto & Gilbert 2014) is English-only: it returns 0.0 for Greek, Russian, Armenian and
Tamil, so an English-only pipeline calls every such complaint "neutral". This engine keeps VADER's
arithmetic (valences on a -4..+4 scale, booster +-0.293 with distance damping, ALL-CAPS +0.733, negation
x -0.74, "but" weighting 0.5 before / 1.5 after, "!" +0.292 each up to 4, "??" emphasis, and the
compound x/sqrt(x*x+15)) and adds what these languages need:

* matching over Snowball stems (PyStemmer), exact forms and declared prefixes, so inflected forms match;
* negation that is not a separate preceding word: Russian "не"-glued adjectives ("неплохо"), Armenian
  "չ"-prefixed verbs and post-posed "չէ/չեմ" ("վատ չէ"), Tamil negation fused as a suffix
  ("மோசமில்லை", "வரவில்லை") or post-posed ("நல்லா இல்லை", "வாங்க மாட்டேன்");
* a customer-service rule for negated events ("didn't arrive", "δεν απαντάει"): mildly negative;
* long waits ("10 days", "три недели") as complaint evidence, and a sarcasm hint (praise interjections
  next to complaint evidence), exposed as the driver "rule:sarcasm?" and resolved toward the complaint.

Everything per token is resolved once and cached (``functools.lru_cache``); scoring a text allocates only
small per-call lists, so a short text costs tens of microseconds.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import Stemmer

DATA = Path(__file__).with_name("data")

B_INCR = 0.293  # VADER's booster increment
C_INCR = 0.733  # VADER's ALL-CAPS increment
N_SCALAR = -0.74  # VADER's negation scalar
ALPHA = 15.0  # VADER's compound normalisation constant
NEG_WINDOW = 3  # VADER looks back three tokens for negators and boosters
UNMET = -0.6  # valence of a negated event ("didn't arrive") in customer feedback
LONG_WAIT = -1.5  # valence of a complaint-length wait ("ten days")
SARCASM_FLIP = -0.75  # praise read as irony keeps most of its strength, with the sign turned

_STEMMER_NAMES = {"el": "greek", "ru": "russian", "hy": "armenian", "ta": "tamil"}

# Letters including combining marks: Python's \w misses Tamil vowel signs and Greek/Cyrillic accents.
_WORD = r"(?:[^\W_]|[\u0B82-\u0BFF\u0300-\u036F\u0483-\u0489])+"
_TOKEN = re.compile(rf"{_WORD}|[!?]|[.,;:…]+|[—–]|\S", re.UNICODE)
_SCRIPT_RUN = re.compile(r"[A-Za-z]+|\d+|[^A-Za-z\d]+")
_CAMEL = re.compile(r"(?<=[a-zα-ωάέήίόύώϊϋΐΰςа-яёա-ֆ])(?=[A-ZΑ-ΩΆΈΉΊΌΎΏА-ЯЁԱ-Ֆ])")
_HY_STRIP = str.maketrans(
    {"\u055e": "", "\u055c": "!", "\u055b": "", "\u055a": "'", "\u0589": ".", "\u055d": ",", "\u0587": "եւ"}
)
_HY_MARKS = re.compile("[\u055a-\u055e\u0587\u0589]")
_SENT_END = frozenset(".!?…;")
_ELONG = re.compile(r"([^\W\d_])\1{2,}")
_SARCASM_EMOJI = frozenset("🐌🙃🙄🤦")


class Info(NamedTuple):
    """What one normalised token means to the scorer (resolved once, cached)."""

    key: str  # stem-or-form used for phrase matching
    valence: float  # 0.0 when not a sentiment word
    negated: bool  # negation fused into the token itself (ta suffix, ru "не-", hy "չ-")
    negator: bool  # negates the following words (within NEG_WINDOW)
    nor: bool  # "neither/nor" word: two in one text neutralise what they negate ("ни хорошо, ни плохо")
    event: bool  # a verbal negator ("δεν", "не"): before a word without valence it marks an unmet event
    postnegator: bool  # negates the preceding word ("վատ չէ", "நல்லா இல்லை")
    boost: float  # booster (+) or dampener (-) scalar
    contrast: bool  # "but"-like
    praise: bool  # praise interjection that turns ironic next to complaint evidence
    number: int  # cardinal value, 0 if none
    unit: str  # "day" | "week" | "month" | "hour" | "minute" | ""
    inert: bool = False  # no role at all: the main loop skips it (most tokens of a text)


_EMPTY = Info("", 0.0, False, False, False, False, False, 0.0, False, False, 0, "")


@dataclass(frozen=True)
class Lexicon:
    """One language's data: valences plus rule word lists (see data/README.md for the file formats)."""

    lang: str
    exact: dict[str, float]
    stems: dict[str, float]
    min_stem: int
    prefixes: dict[str, float]
    phrases: dict[str, tuple[tuple[tuple[str, ...], float, str], ...]]
    negators: frozenset[str]
    eventnegators: frozenset[str]
    nor: frozenset[str]
    postnegators: frozenset[str]
    negprefixes: tuple[str, ...]
    negsuffixes: tuple[str, ...]
    negprefix_events: bool  # a negation prefix on a word without valence still marks a negated event
    negexcept: tuple[str, ...]  # words that merely start like the negation prefix ("չափ" = size)
    superlatives: tuple[str, ...]  # prefixes meaning "most", glued to an adjective
    postneg_event: bool  # a post-posed negator after a word without valence marks an unmet event
    boosters: dict[str, float]
    contrast: frozenset[str]
    praise: frozenset[str]
    numbers: dict[str, int]
    units: dict[str, str]
    min_prefix: int


def _read_rows(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        rows.append([c.strip() for c in line.split("\t")])
    return rows


@lru_cache(maxsize=1 << 16)
def fold(lang: str, word: str) -> str:
    """Case- and accent-fold one word the way lexicon entries are folded."""
    w = _ELONG.sub(r"\1", word.lower())  # "շաաատ", "суууупер": three or more repeats mean one
    if lang == "el":
        w = "".join(c for c in unicodedata.normalize("NFD", w) if not unicodedata.combining(c))
        w = w.replace("ς", "σ")
    elif lang == "ru":
        w = w.replace("ё", "е")
    elif lang == "hy":
        w = w.translate(_HY_STRIP)
    return w


def load(lang: str, data_dir: Path = DATA) -> Lexicon:
    """Parse ``<lang>.tsv`` (term, valence) and ``<lang>.rules.tsv`` (kind, term[, value])."""
    rules: dict[str, list[list[str]]] = {}
    for row in _read_rows(data_dir / f"{lang}.rules.tsv"):
        rules.setdefault(row[0], []).append(row[1:])
    # Stems shorter than this are too ambiguous to match on (Armenian's Snowball stems are often 2-3 letters);
    # "min_stem 99" switches stems off, also for phrase matching (Tamil: the stemmer drops negation).
    min_stem = int(rules.get("min_stem", [["3"]])[0][0])
    stem = _identity if min_stem >= NO_STEMS else _stemmer(lang)
    exact: dict[str, float] = {}
    stems: dict[str, float] = {}
    prefixes: dict[str, float] = {}
    phrases: dict[str, list[tuple[tuple[str, ...], float, str]]] = {}
    options = {r[0]: r[1] for r in rules.get("option", [])}
    rows = _read_rows(data_dir / f"{lang}.tsv")
    if options.get("english_base") == "1":
        # code-mixed text (Tanglish): English words score with VADER's own lexicon; ours overrides it
        rows = _vader_rows() + rows
    for row in rows:
        term, val = row[0], float(row[1])
        words = [fold(lang, w) for w in term.split()]
        if len(words) > 1:
            keys = tuple(_phrase_key(stem, w) for w in words)
            phrases.setdefault(keys[0], []).append((keys, val, term.rstrip("=")))
        elif words[0].endswith("*"):
            prefixes[words[0][:-1]] = val
        elif words[0].endswith("="):  # exact form only: its stem would collide with unrelated words
            exact[words[0][:-1]] = val
        else:
            exact[words[0]] = val
            s = stem(words[0])
            if len(s) >= min_stem:
                stems.setdefault(s, val)

    def words_of(kind: str) -> frozenset[str]:
        return frozenset(fold(lang, r[0]) for r in rules.get(kind, []))

    ordered = {k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in phrases.items()}
    return Lexicon(
        lang=lang,
        exact=exact,
        stems=stems,
        min_stem=min_stem,
        prefixes=prefixes,
        phrases=ordered,
        negators=words_of("negator") | words_of("eventnegator") | words_of("nor"),
        eventnegators=words_of("eventnegator"),
        nor=words_of("nor"),
        postnegators=words_of("postnegator"),
        negprefixes=tuple(fold(lang, r[0]) for r in rules.get("negprefix", [])),
        negsuffixes=tuple(sorted((fold(lang, r[0]) for r in rules.get("negsuffix", [])), key=len, reverse=True)),
        negprefix_events=any(len(r) > 1 and r[1] == "event" for r in rules.get("negprefix", [])),
        negexcept=tuple(fold(lang, r[0]) for r in rules.get("negexcept", [])),
        superlatives=tuple(fold(lang, r[0]) for r in rules.get("superlative", [])),
        postneg_event=options.get("postneg_event") == "1",
        boosters={
            **({w: v * B_INCR for w, v in vader_boosters().items()} if options.get("english_base") == "1" else {}),
            **{fold(lang, r[0]): float(r[1]) * B_INCR for r in rules.get("booster", [])},
        },
        contrast=words_of("contrast"),
        praise=words_of("praise"),
        numbers={fold(lang, r[0]): int(r[1]) for r in rules.get("number", [])},
        units={fold(lang, r[0]): r[1] for r in rules.get("unit", [])},
        min_prefix=int(rules.get("min_prefix", [["3"]])[0][0]),
    )


NO_STEMS = 99


def _identity(w: str) -> str:
    return w


def _stemmer(lang: str) -> Callable[[str], str]:
    return Stemmer.Stemmer(_STEMMER_NAMES[lang]).stemWord  # type: ignore[no-any-return]


def _phrase_key(stem: Callable[[str], str], w: str) -> str:
    s = stem(w)
    return s if len(s) >= 2 else w


def _vader_rows() -> list[list[str]]:
    """VADER's English lexicon rows (word, mean valence), for code-mixed romanised text."""
    import vaderSentiment

    path = Path(vaderSentiment.__file__).with_name("vader_lexicon.txt")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].isalpha() and len(parts[0]) >= 3:  # "l", "xd": not words here
            out.append([parts[0], parts[1]])
    return out


def vader_boosters() -> dict[str, float]:
    """VADER's English booster words in units of B_INCR (+1 / -1)."""
    from vaderSentiment.vaderSentiment import BOOSTER_DICT

    return {w: round(v / B_INCR) for w, v in BOOSTER_DICT.items() if " " not in w}


def load_emoji(data_dir: Path = DATA) -> dict[str, float]:
    return {r[0]: float(r[1]) for r in _read_rows(data_dir / "emoji.tsv")}


class Scored(NamedTuple):
    compound: float
    drivers: tuple[str, ...]


class Scorer:
    """Score texts of one language; construct once, reuse (all caches live on the instance)."""

    def __init__(self, lex: Lexicon, emoji: dict[str, float]) -> None:
        self.lex = lex
        self.emoji = emoji
        self._stem = _identity if lex.min_stem >= NO_STEMS else _stemmer(lex.lang)
        self._praise_keys = frozenset(_phrase_key(self._stem, p) for p in lex.praise)
        self.info = lru_cache(maxsize=1 << 16)(self._resolve)
        self.chunk = lru_cache(maxsize=1 << 16)(self._chunk)

    # ---- per-token resolution (cached) -------------------------------------------------------------
    def _valence(self, w: str) -> float:
        lex = self.lex
        v = lex.exact.get(w)
        if v is not None:
            return v
        for n in range(len(w), lex.min_prefix - 1, -1):
            v = lex.prefixes.get(w[:n])
            if v is not None:
                return v
        s = self._stem(w)
        if len(s) >= lex.min_stem:
            v = lex.stems.get(s)
            if v is not None:
                return v
        return 0.0

    def _resolve(self, w: str) -> Info:
        lex = self.lex
        key = _phrase_key(self._stem, w)
        if w in lex.negators or w in lex.postnegators:
            # Armenian "չեմ" is both: "գոհ չեմ" (not satisfied) and "չեմ ստացել" (have not received)
            return _EMPTY._replace(
                key=key,
                negator=w in lex.negators,
                event=w in lex.eventnegators,
                nor=w in lex.nor,
                postnegator=w in lex.postnegators,
            )
        if w in lex.contrast:
            return _EMPTY._replace(key=key, contrast=True)
        if w in lex.boosters and w not in lex.exact:
            return _EMPTY._replace(key=key, boost=lex.boosters[w])
        if w in lex.numbers:
            return _EMPTY._replace(key=key, number=lex.numbers[w])
        if w.isdigit() and len(w) <= 6:
            return _EMPTY._replace(key=key, number=int(w))
        unit = lex.units.get(w) or lex.units.get(key, "")
        praise = w in lex.praise or key in self._praise_keys
        v, negated = self._fused(w)
        inf = Info(key, v, negated, False, False, False, False, lex.boosters.get(w, 0.0), False, praise, 0, unit)
        if _plain(inf) and not negated and key not in lex.phrases:
            inf = inf._replace(inert=True)
        return inf

    def _fused(self, w: str) -> tuple[float, bool]:
        """Valence of a word and whether negation is fused into it (suffix or prefix)."""
        lex = self.lex
        v = lex.exact.get(w)
        if v is not None:
            return v, False
        # Fused negation suffixes are checked before stemming: Snowball's Tamil stemmer strips "-இல்லை".
        for suf in lex.negsuffixes:
            if w.endswith(suf) and len(w) - len(suf) >= 2:
                return self._tamil_base(w[: -len(suf)], suf), True
        v = self._valence(w)
        if v:
            return v, False
        for pre in lex.superlatives:  # Armenian "ամենավատը" = "ամենա" (most) + "վատը" (bad)
            if w.startswith(pre) and len(w) - len(pre) >= 3:
                bv = self._valence(w[len(pre) :])
                if bv:
                    return bv + math.copysign(B_INCR, bv), False
        for pre in lex.negprefixes:
            if w.startswith(pre) and len(w) - len(pre) >= 3 and not w.startswith(lex.negexcept):
                bv = self._valence(w[len(pre) :])
                if bv or lex.negprefix_events:
                    return bv, True
        return 0.0, False

    def _tamil_base(self, base: str, suf: str) -> float:
        """Valence of the word before a fused negation, undoing Tamil sandhi.

        "மோசமில்லை" = "மோசம்" + "இல்லை": the vowel sign "ி" took the place of the virama, so the base
        gets its virama back; "சுவையில்லை" = "சுவை" + glide "ய்" + "இல்லை", so the glide goes too.
        """
        cands = [base]
        if suf[0] in "\u0bbe\u0bbf\u0bc0\u0bc1\u0bc2\u0bc6\u0bc7\u0bc8\u0bca\u0bcb\u0bcc":
            cands = [base + "\u0bcd", base]
            if len(base) > 2 and base[-1] in "யவ":
                cands.append(base[:-1])
        if base.endswith("\u0bc7"):  # emphatic "-ஏ": "சுவையே இல்லை"
            cands.append(base[:-1])
        for c in cands:
            v = self._valence(c)
            if v:
                return v
        return 0.0

    # ---- tokenisation --------------------------------------------------------------------------------
    def tokens(self, text: str) -> list[str]:
        """Words, emoji and punctuation; glued words are split at script changes and camel joins."""
        if self.lex.lang == "hy":
            text = text.translate(_HY_STRIP)
        elif self.lex.lang == "ta-Latn":
            text = text.replace("'", "").replace("\u2019", "")
        out: list[str] = []
        for m in _TOKEN.findall(text):
            out.extend(t for t, _, _ in self.chunk(m))
        return out

    def _chunk(self, t: str) -> tuple[tuple[str, Info | None, int], ...]:
        """Split one regex match into tokens with their Info and case class (0 uncased, 1 lower, 2 upper)."""
        if len(t) > 1 and t[0] not in "!?.,;:…" and (t[0].isalnum() or t[0] in "\u0b82\u0b83"):
            # glued words: script changes ("Bankingը", "15%-ով") and camel joins ("ΚαλόΑλλά")
            parts = [x for p in _SCRIPT_RUN.findall(t) for x in _CAMEL.split(p) if x]
        else:
            parts = [t]
        out = []
        for p in parts:
            inf = self.info(fold(self.lex.lang, p)) if p[0].isalnum() else None
            case = 0 if p.upper() == p.lower() else 2 if p.isupper() and len(p) > 2 else 1
            out.append((p if p[0].isalnum() else p.replace("\ufe0f", ""), inf, case))
        return tuple(out)

    def score(self, text: str) -> Scored:
        lex = self.lex
        lang = lex.lang
        if lang == "hy" and _HY_MARKS.search(text):
            text = text.translate(_HY_STRIP)
        elif lang == "ta-Latn":
            text = text.replace("'", "").replace("\u2019", "")  # "don't" -> "dont", as VADER's lexicon has it
        toks: list[str] = []
        infos: list[Info | None] = []
        upper = lower = 0
        chunk = self.chunk
        for m in _TOKEN.findall(text):
            for t, inf, case in chunk(m):
                toks.append(t)
                infos.append(inf)
                if case == 2:
                    upper += 1
                elif case == 1:
                    lower += 1
        all_caps = upper > 0 and lower == 0
        # scored items as parallel lists: token position, valence, driver label, praise interjection?
        pos: list[int] = []
        val: list[float] = []
        lab: list[str] = []
        prs: list[bool] = []
        flipped: list[bool] = []  # negative only because a positive word was negated
        n = len(toks)
        nors = sum(1 for x in infos if x is not None and x.nor)
        exclaim = qmarks = 0
        contrast_at = -1
        long_wait = sarcasm_emoji = False
        i = 0
        phrases = lex.phrases
        while i < n:
            inf = infos[i]
            if inf is not None and inf.inert:
                i += 1
                continue
            t = toks[i]
            if inf is None:
                if t == "!":
                    exclaim += 1
                elif t == "?":
                    qmarks += 1
                else:
                    c = t[0] if t else ""
                    if c in _SARCASM_EMOJI:
                        sarcasm_emoji = True
                    ev = self.emoji.get(c)
                    if ev:
                        pos.append(i)
                        val.append(ev)
                        lab.append(c)
                        prs.append(False)
                        flipped.append(False)
                i += 1
                continue
            span, v, label = self._phrase(i, inf, infos) if inf.key in phrases else (1, inf.valence, "")
            if span > 1:
                # words inside a phrase ("не работает", "никаких претензий") do not negate what follows
                for j in range(i, i + span):
                    nj = infos[j]
                    if nj is not None and nj.negator:
                        infos[j] = nj._replace(negator=False, event=False, nor=False)
            else:
                if inf.contrast:
                    contrast_at = i
                    i += 1
                    continue
                if inf.number:
                    u = self._unit_after(infos, i)
                    if u and _is_long(inf.number, u):
                        long_wait = True
                    i += 1
                    continue
            if not v:
                label = label or t.lower()
                unmet = ""
                if inf.negated:  # Tamil "வரவில்லை" (did not come), Armenian "չզանգեց" (did not call)
                    unmet = f"{label}->-"
                elif inf.event and i + 1 < n and not self._negates_valence(i, infos):
                    nxt = infos[i + 1]
                    if nxt is not None and _plain(nxt) and self._phrase(i + 1, nxt, infos)[0] == 1:
                        unmet = f"{label} {toks[i + 1].lower()}->-"
                elif inf.postnegator and lex.postneg_event and i > 0:
                    prv = infos[i - 1]
                    if prv is not None and _plain(prv) and not prv.negated:  # Tamil "வாங்க மாட்டேன்"
                        unmet = f"{toks[i - 1].lower()} {label}->-"
                if unmet:
                    pos.append(i)
                    val.append(UNMET)
                    lab.append(unmet)
                    prs.append(False)
                    flipped.append(False)
                i += span  # a zero-valence phrase ("customer care") still consumes its words
                continue
            label = label or t.lower()
            v = self._modify(v, i, toks, infos, all_caps)
            negated = inf.negated and span == 1
            by: Info | None = None
            if not negated and not (span > 1 and inf.negator):  # "никто не отвечает": concord, not a flip
                by = self._negated_before(i, infos)
                negated = by is not None or self._negated_after(i + span - 1, infos)
            if negated and by is not None and by.nor and nors >= 2:
                i += span  # "ни хорошо, ни плохо": neither-nor cancels, the text is lukewarm
                continue
            was_pos = v > 0
            if negated:
                v *= N_SCALAR
                label = f"{label}->{'+' if v > 0 else '-'}" if inf.negated else f"¬{label}->{'+' if v > 0 else '-'}"
            pos.append(i)
            val.append(v)
            lab.append(label)
            praise = inf.praise if span == 1 else any(x is not None and x.praise for x in infos[i : i + span])
            prs.append(praise and not negated)
            flipped.append(negated and was_pos)
            i += span
        rules: list[str] = []
        if long_wait:
            pos.append(n)
            val.append(LONG_WAIT)
            lab.append("rule:long_wait")
            prs.append(False)
            flipped.append(False)
        if contrast_at >= 0 and any(p < contrast_at for p in pos):
            val = [x * (0.5 if p < contrast_at else 1.5) for p, x in zip(pos, val, strict=True)]
            rules.append("rule:contrast")
        if self._sarcastic(val, prs, flipped, toks, long_wait, sarcasm_emoji, contrast_at):
            val = [x * SARCASM_FLIP if x > 0 else x for x in val]
            rules.append("rule:sarcasm?")
        total = sum(val)
        if total and exclaim:
            total += math.copysign(min(exclaim, 4) * 0.292, total)
        if total and qmarks > 1:
            total += math.copysign(min(qmarks * 0.18, 0.96), total)
        compound = total / math.sqrt(total * total + ALPHA) if total else 0.0
        compound = max(-1.0, min(1.0, compound))
        order = sorted(range(len(val)), key=lambda k: -abs(val[k]))
        drivers = rules + [lab[k] for k in order]
        return Scored(round(compound, 4), tuple(dict.fromkeys(drivers))[:12])

    def _phrase(self, i: int, inf: Info, infos: list[Info | None]) -> tuple[int, float, str]:
        """Longest lexicon phrase starting at token i, else the token's own valence."""
        cands = self.lex.phrases.get(inf.key)
        if cands:
            n = len(infos)
            for keys, pv, term in cands:
                k = len(keys)
                if i + k <= n:
                    for j in range(1, k):
                        nj = infos[i + j]
                        if nj is None or nj.key != keys[j]:
                            break
                    else:
                        return k, pv, term
        return 1, inf.valence, ""

    def _unit_after(self, infos: list[Info | None], i: int) -> str:
        for j in (i + 1, i + 2):
            if j < len(infos):
                nxt = infos[j]
                if nxt is not None and nxt.unit:
                    return nxt.unit
        return ""

    def _modify(self, v: float, i: int, toks: list[str], infos: list[Info | None], all_caps: bool) -> float:
        t = toks[i]
        if not all_caps and len(t) > 2 and t.isupper():  # "OK" is an abbreviation, not shouting
            v += math.copysign(C_INCR, v)
        for d in range(1, NEG_WINDOW + 1):
            j = i - d
            if j < 0:
                break
            prev = infos[j]
            if prev is None:
                break  # punctuation ends the scope, unlike VADER, so "не плохо, а отлично" stays apart
            if prev.boost:
                scalar = prev.boost * (1.0, 0.95, 0.9)[d - 1]
                if not all_caps and toks[j].isupper() and len(toks[j]) > 2:
                    scalar += math.copysign(C_INCR, prev.boost)
                v += scalar if v > 0 else -scalar
        return v

    def _negates_valence(self, i: int, infos: list[Info | None]) -> bool:
        """Whether the negator at i reaches a sentiment word ("δεν είναι καλό"): then it is no unmet event."""
        for j in range(i + 1, min(i + 1 + NEG_WINDOW, len(infos))):
            nj = infos[j]
            if nj is None or nj.contrast:
                return False
            if nj.valence:
                return True
            if nj.key in self.lex.phrases:
                span, v, _ = self._phrase(j, nj, infos)
                if span > 1 and v:
                    return True
        return False

    def _negated_before(self, i: int, infos: list[Info | None]) -> Info | None:
        """The negator within VADER's three-token window before token i, stopping at punctuation."""
        for d in range(1, NEG_WINDOW + 1):
            j = i - d
            if j < 0:
                return None
            prev = infos[j]
            if prev is None or prev.contrast:
                return None
            if prev.negator:
                return prev
            if prev.negated:  # "ոչինչ չպարտադրեց ու խելացի": the negation was spent on the verb
                return None
        return None

    def _negated_after(self, i: int, infos: list[Info | None]) -> bool:
        j = i + 1
        if j < len(infos):
            nxt = infos[j]
            if nxt is not None and nxt.postnegator:
                return True
            if nxt is not None and nxt.negated and not nxt.valence and self.lex.lang == "ta":
                # Tamil: "சரி செய்யவில்லை" — the negated verb negates the word before it
                return True
        return False

    def _sarcastic(
        self,
        val: list[float],
        prs: list[bool],
        flipped: list[bool],
        toks: list[str],
        long_wait: bool,
        sarcasm_emoji: bool,
        contrast_at: int,
    ) -> bool:
        """Praise interjections beside complaint evidence read as irony ("Браво, три недели!").

        A contrast word means mixed feelings rather than irony, so it switches the rule off.
        """
        if not any(prs) or contrast_at >= 0:
            return False
        neg = sum(x for x, f in zip(val, flipped, strict=True) if x < 0 and not f)
        ellipsis = any(t in ("...", "…", "..") for t in toks[-2:])
        return long_wait or sarcasm_emoji or neg <= -2.0 or (ellipsis and neg < 0)


def _plain(inf: Info) -> bool:
    """A word with no role of its own (the kind a verbal negator turns into an unmet event)."""
    return not (inf.valence or inf.negator or inf.postnegator or inf.boost or inf.contrast or inf.number or inf.unit)


def _is_long(n: int, unit: str) -> bool:
    """Waits that customers complain about; shorter ones ("in 5 minutes") are often praise."""
    return (
        (unit == "day" and n >= 7)
        or (unit == "week" and n >= 2)
        or (unit == "month" and n >= 1)
        or (unit == "hour" and n >= 2)
        or (unit == "minute" and n >= 20)
    )
