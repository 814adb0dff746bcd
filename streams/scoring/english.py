"""English sentiment: vaderSentiment (Hutto & Gilbert 2014) plus a customer-service extension.

Plain VADER reads "my parcel never arrived", "still not received", "they hung up on me" or "waited
on hold 40 minutes" as neutral: none of those words carries valence in its lexicon and "not" only
flips words that do. The extension

* rewrites customer-service *phrases* into single synthetic tokens that carry a valence (so VADER's
  own rules -- intensifiers, "but", capitals, exclamation -- still apply around them), and
* adds a handful of single words VADER's lexicon lacks ("overcharged", "unhelpful", "nightmare").

Every entry was kept only where it helped on the English development set without lowering Pearson r
or F1 on the VADER gold tweets and Amazon snippets (``ripple eval`` prints both side by side). The
stock analyzer is kept untouched (``plain_analyzer``) for that regression comparison.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import vaderSentiment.vaderSentiment as _vader
from vaderSentiment.vaderSentiment import NEGATE, SentimentIntensityAnalyzer

SCORER = "vader+cs"
VERSION = "3.3.2+cs.1"

_WORD = re.compile(r"[A-Za-z_']+")

# Single words missing from VADER's lexicon (valence on VADER's -4..+4 scale).
WORDS: dict[str, float] = {
    "overcharged": -2.0,
    "overcharging": -2.0,
    "crooks": -2.3,
    "ripoff": -2.5,
    "unhelpful": -1.8,
    "nightmare": -2.2,
    "shambles": -2.2,
    "shambolic": -2.2,
    "gutted": -2.0,
    "hassle": -1.2,
    "canceled": -1.0,
    "scratched": -1.0,
    "cracked": -1.2,
    "dented": -1.2,
    "stale": -1.3,
    "leaking": -1.4,
    "idiots": -2.3,
    "polite": 1.5,
    "courteous": 1.6,
    "disgraceful": -2.5,
    "soaked": -1.2,
    "smashed": -1.8,
    "exemplary": 2.0,
    # Politeness and banking nouns carry no opinion in customer service ("please send the invoice",
    # "the interest on my credit card"); VADER scores them +1.3..+2.0.
    "please": 0.0,
    "interest": 0.0,
    "credit": 0.0,
    # A discourse marker ("Honestly, I expected better"), not praise of anyone's honesty.
    "honestly": 0.0,
}

# Phrase -> (synthetic token, valence). Order matters: longer phrases first.
_N = r"(?:\d+|a few|a couple of|two|three|four|five|six|ten|several|many)"
PHRASES: tuple[tuple[str, str, float], ...] = (
    (
        "never_arrived",
        r"never (?:arrived|came|showed up|turned up|got delivered|delivered|received (?:it|them|my \w+))"
        r"|nothing (?:ever )?(?:came|arrived|showed up|turned up|was delivered)",
        -2.2,
    ),
    (
        "still_not_arrived",
        r"still (?:not|hasn'?t|haven'?t|has not|have not|didn'?t|did not) (?:arrived?|received?|come|"
        r"been delivered|got it|gotten|heard back|been refunded)"
        r"|still (?:don'?t|do not|haven'?t|have not) (?:have|got) (?:my|the|a|any)",
        -2.2,
    ),
    (
        "still_waiting",
        r"still (?:waiting|no (?:refund|reply|response|answer|update|sign|delivery|parcel|package))",
        -2.0,
    ),
    (
        "not_received",
        r"(?:not|haven'?t|hasn'?t|didn'?t|did not|have not|has not|never) (?:yet )?(?:arrived?|received?|"
        r"been delivered|got (?:it|my \w+)|get (?:it|my \w+)|been refunded)",
        -1.8,
    ),
    ("no_refund", r"no refund", -1.6),
    # Dashed expectations and demands for the money back: VADER sees only "better" / "want".
    (
        "expected_better",
        r"(?:expected|expecting|deserve|deserved) (?:much |a lot |so much |far )?(?:better|more)",
        -1.8,
    ),
    ("money_back", r"(?:want|need|demand|asking for) (?:my money back|a (?:full )?refund)", -1.5),
    ("hung_up", r"hung up(?: on (?:me|us))?|put the phone down on (?:me|us)", -2.0),
    ("on_hold", r"on hold", -1.2),
    (
        "nobody_answers",
        r"(?:no ?one|nobody|no body) (?:answers|answered|picks up|picked up|replies|replied|responds|"
        r"responded|called (?:me )?back|got back to me|helps|helped|cares|listens|listened)",
        -1.8,
    ),
    (
        "not_working",
        r"(?:stopped|not|isn'?t|doesn'?t|does not|didn'?t|did not|won'?t|never) work(?:ing|s|ed)?",
        -1.8,
    ),
    ("waste", r"waste of (?:money|time|space)", -2.5),
    ("fell_apart", r"fell apart|falling apart|broke after", -2.0),
    ("is_a_joke", r"(?:is|was|are|what) a (?:complete |total |bad )?joke", -2.0),
    ("never_again", r"never again|never (?:ordering|buying|shopping|using) (?:from|with|here|again)", -2.0),
    ("took_ages", r"took (?:ages|forever|weeks|months)|rang (?:forever|for ages|endlessly|and rang)", -1.8),
    (
        "waited_long",
        r"(?:waited|waiting|wait) (?:for )?(?:over |more than |almost |nearly )?"
        + _N
        + r" ?(?:hours?|days?|weeks?|months?|minutes?|mins?)|(?:waited|waiting) (?:ages|forever)",
        -1.5,
    ),
    (
        "sarcastic_great",
        r"(?:great|perfect|wonderful|brilliant|fantastic|lovely|awesome),? just (?:great|perfect|"
        r"wonderful|brilliant|fantastic|lovely|awesome)|thanks? (?:you )?for nothing|yeah,? right",
        -2.2,
    ),
    (
        "late_again",
        r"(?:late|delayed) again|again late|(?:is|was|are|were|arrived|came|running|turned up) (?:\w+ )?late"
        r"|(?:a|one|two|three|four|five|ten|\d+) (?:full )?(?:days?|weeks?|months?) late",
        -1.5,
    ),
    ("refused", r"refus(?:es|ed|e) to|won'?t (?:refund|replace|repair)", -1.5),
    ("without_notice", r"without (?:any |prior )?(?:notice|notification|warning|explanation)", -1.5),
    (
        "waiting_for",
        r"(?:waited|waiting)(?: \w+){1,4} (?:for )?(?:over |more than |almost |nearly )?"
        + _N
        + r" ?(?:hours?|days?|weeks?|months?)",
        -1.5,
    ),
    # A letter's salutation carries no opinion ("Good morning,\n my parcel never came"); VADER scores
    # "good" +1.9. Only as the opening salutation: in tweets "good morning!" is a wish, and gold-rated so.
    ("greeting", r"(?<![\w\W])good (?:morning|afternoon|evening|day)(?=\s*,)", 0.0),
    ("no_opinion", r"neither good nor bad|nothing special|so-so|nothing to say|average\.?$", 0.0),
    ("problem_solved", r"(?:problem|issue) (?:was )?(?:solved|resolved|fixed|sorted)", 1.8),
    ("above_beyond", r"above and beyond", 2.5),
    (
        "on_time",
        r"(?:arrived|came|delivered|here) (?:on time|early|ahead of schedule|next day|the next day)",
        1.5,
    ),
    (
        "fast_delivery",
        r"(?:fast|quick|speedy|prompt|rapid) (?:delivery|shipping|dispatch|response|reply|service)",
        1.8,
    ),
    ("spot_on", r"spot on", 1.8),
    # "No waiting at all": the absence of a wait, praised (VADER reads "no" as -1.2).
    ("no_wait", r"no (?:waiting|wait|queues?|delays?)(?: at all| whatsoever)", 1.2),
    # "Sorted without fuss": the absence of a problem, praised (VADER sees only "without" + a bad word).
    (
        "no_fuss",
        r"without (?:any |a |much )?(?:fuss|hassle|problems?|issues?|trouble|hiccups?|delays?|complications?)",
        1.5,
    ),
    ("sorted", r"(?:sorted (?:it |this |everything )?(?:out|quickly|straight away|in minutes))", 1.5),
)
# The words a phrase can start with. One alternation regex over all phrases cost ~170 us a text (the
# engine tries every alternative at every position); a set intersection picks the few phrases worth trying.
TRIGGERS: dict[str, frozenset[str]] = {
    name: frozenset(words.split())
    for name, words in {
        "never_arrived": "never nothing",
        "still_not_arrived": "still",
        "still_waiting": "still",
        "not_received": "not haven't havent hasn't hasnt didn't didnt did have has never",
        "no_refund": "no",
        "expected_better": "expected expecting deserve deserved",
        "money_back": "want need demand asking",
        "greeting": "good",
        "hung_up": "hung put",
        "on_hold": "on",
        "nobody_answers": "no noone nobody",
        "not_working": "stopped not isn't isnt doesn't doesnt does didn't didnt did won't wont never",
        "waste": "waste",
        "fell_apart": "fell falling broke",
        "is_a_joke": "is was are what",
        "never_again": "never",
        "took_ages": "took rang",
        "waited_long": "waited waiting wait",
        "sarcastic_great": "great perfect wonderful brilliant fantastic lovely awesome thanks thank yeah",
        "late_again": "late delayed again is was are were arrived came running turned",
        "refused": "refuses refused refuse won't wont",
        "without_notice": "without",
        "waiting_for": "waited waiting",
        "no_opinion": "neither nothing so average",
        "problem_solved": "problem issue",
        "above_beyond": "above",
        "on_time": "arrived came delivered here",
        "fast_delivery": "fast quick speedy prompt rapid",
        "spot_on": "spot",
        "no_fuss": "without",
        "no_wait": "no",
        "sorted": "sorted",
    }.items()
}
_PHRASE_RES = tuple(
    (name, re.compile(rf"\b(?:{pat})\b", re.IGNORECASE), TRIGGERS[name]) for name, pat, _ in PHRASES
)
_LOWER_WORD = re.compile(r"[a-z']+")
_TOKEN = {name: f"cs_{name}" for name, _, _ in PHRASES}
NEGATIVE_PHRASES = frozenset(name.replace("_", " ") for name, _, valence in PHRASES if valence < 0)
"""Driver names of complaint phrases (used by the sarcasm rule)."""


@dataclass(frozen=True, slots=True)
class TextScore:
    compound: float
    drivers: tuple[str, ...]


_NEGATE_WORDS = frozenset(NEGATE)
_vader_negated = _vader.negated


def _negated(input_words: list[str], include_nt: bool = True) -> bool:
    """vaderSentiment's ``negated`` with a set lookup instead of a scan of NEGATE per word.

    Why: VADER calls it for up to three words before every lexicon word and the original copies and
    scans its ~60-word list each time: ~6% of scoring an English text. Same answers for every input
    (tests/unit/scoring/test_english_negation.py compares the two), so scores do not change.
    """
    words = [str(w).lower() for w in input_words]
    if not _NEGATE_WORDS.isdisjoint(words):
        return True
    return include_nt and any("n't" in w for w in words)


_vader.negated = _negated  # module global: SentimentIntensityAnalyzer._negation_check looks it up there


@lru_cache(maxsize=1)
def plain_analyzer() -> SentimentIntensityAnalyzer:
    """Stock vaderSentiment: the baseline every English figure is compared with."""
    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=1)
def analyzer() -> SentimentIntensityAnalyzer:
    """vaderSentiment with the customer-service words and phrase tokens added to its lexicon."""
    a = SentimentIntensityAnalyzer()
    a.lexicon.update(WORDS)
    a.lexicon.update({_TOKEN[name]: valence for name, _, valence in PHRASES})
    return a


def _rewrite(text: str) -> tuple[str, list[str]]:
    """Replace customer-service phrases by their synthetic tokens, longest/most specific first."""
    found: list[str] = []
    words = set(_LOWER_WORD.findall(text.lower()))
    for name, regex, triggers in _PHRASE_RES:
        if words.isdisjoint(triggers):
            continue
        text, n = regex.subn(_TOKEN[name], text)
        if n:
            found.append(name)
    return text, found


_INQUIRY = re.compile(
    r"^\W*(?:hi|hello|hey|dear \w+|good (?:morning|afternoon|evening))?\W*"
    r"(?:can|could|do|does|is|are|how|what|when|where|"
    r"which|would|will|may|should|please|i'd like|i would like|is there|are there)\b",
    re.IGNORECASE,
)


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=\S)")
_NEGATORS = frozenset(w for w in NEGATE if "'" not in w) | {"without"}


def _ends_negated(chunk: str) -> bool:
    """Whether one of the last three words of ``chunk`` is a negator VADER would carry forward."""
    tail = _LOWER_WORD.findall(chunk[-40:].lower())[-3:]
    return any(w in _NEGATORS or w.endswith("n't") for w in tail)


def _fence_sentences(text: str) -> str:
    """Keep VADER's negation look-back (three words) inside one sentence.

    VADER reads a text as one run of words, so in "Sorted without fuss. Very happy." the "without"
    negates "happy" across the full stop. Three filler words after a sentence that ends near a negator
    stop that; the compound depends only on the words' valences, so fillers change nothing else, and
    sentences that do not end near a negator are left alone (VADER's cost grows with the word count).
    The filler takes the text's case so an all-capitals text does not look partly capitalised.
    """
    parts = _SENTENCE_END.split(text)
    if len(parts) == 1:
        return text
    fill = " CSFENCE CSFENCE CSFENCE " if text.isupper() else " csfence csfence csfence "
    out = [parts[0]]
    for prev, part in pairwise(parts):
        out.append(fill if _ends_negated(prev) else " ")
        out.append(part)
    return "".join(out)


def score_english(text: str) -> TextScore:
    """VADER compound with the extension, plus the lexicon words/phrases that drove it."""
    a = analyzer()
    rewritten, phrases = _rewrite(text)
    compound = float(a.polarity_scores(_fence_sentences(rewritten))["compound"])
    if abs(compound) < 0.5 and "?" in text and _INQUIRY.match(text):
        # A plain question ("Does the warranty cover water damage?") asks, it does not complain or praise:
        # the words it mentions carry valence the customer does not express.
        compound = 0.0
        phrases.append("rule_inquiry")
    lex = a.lexicon
    words = (w for w in (m.lower() for m in _WORD.findall(rewritten)) if w in lex and not w.startswith("cs_"))
    drivers = tuple(dict.fromkeys([*(p.replace("_", " ") for p in phrases), *words]))[:10]
    return TextScore(compound, drivers)


def score_plain(text: str) -> float:
    """Stock VADER compound (the baseline)."""
    return float(plain_analyzer().polarity_scores(text)["compound"])
