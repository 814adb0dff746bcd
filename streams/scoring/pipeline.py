"""Raw bytes in, a scored event or a failure out: the whole scoring stage as one pure function.

detect language -> redact PII -> sentiment (English: VADER + customer-service extension; el/ru/hy/ta:
the lexicon scorers; anything else: 'unscored', never neutral) -> ratings fusion -> aspects -> cues.

Errors are data: anything wrong with a record comes back as a ``Failure`` (reason + detail) for the
agent to dead-letter, so a bad record never crashes the worker. The only side effect is counting
redactions per type in Prometheus (process-local counters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from ripple.contracts import RawFeedback, ScoredFeedback, SentimentLabel
from streams import metrics
from streams.scoring import english, lexicons, ratings, taxonomy
from streams.scoring.language import Language, detect_language
from streams.scoring.redact import redact

NEUTRAL_BAND = 0.05  # VADER's published threshold for the 3-class label
LEXICON_LANGS = frozenset({"el", "ru", "hy", "ta"})
SARCASM_FLIP = 0.3
"""Compound given to praise-next-to-complaint text ("супер, посылка шла три недели"): clearly negative."""


COMPLAINT_CUES = frozenset({"abuse", "churn_threat", "broken_promise", "insignificance", "public_threat"})
CUE_FLOOR = 0.3


@dataclass(frozen=True)
class Failure:
    reason: str
    detail: str


def label_for(compound: float | None) -> SentimentLabel:
    if compound is None:
        return SentimentLabel.UNSCORED
    if compound >= NEUTRAL_BAND:
        return SentimentLabel.POSITIVE
    if compound <= -NEUTRAL_BAND:
        return SentimentLabel.NEGATIVE
    return SentimentLabel.NEUTRAL


@dataclass(frozen=True, slots=True)
class TextResult:
    compound: float | None
    drivers: tuple[str, ...]
    scorer: str
    version: str
    reliable: bool


def score_text(text: str, lang: Language) -> TextResult:
    """Sentiment of already-redacted ``text`` by the scorer for ``lang``; None compound when unscored."""
    if lang.code == "en" or (lang.romanised and not lexicons.supports_romanised_tamil()):
        s = english.score_english(text)
        # Tanglish read by the English scorer: the English words count, the Tamil ones do not.
        return TextResult(
            s.compound, s.drivers, english.SCORER, english.VERSION, lang.reliable and not lang.romanised
        )
    if lang.code in LEXICON_LANGS:
        res = lexicons.score(lexicons.ROMANISED_TAMIL if lang.romanised else lang.code, text)
        if res is not None:
            name, version = lexicons.scorer_name()
            compound = max(-1.0, min(1.0, float(res.compound)))
            return TextResult(compound, tuple(res.drivers)[:10], name, version, lang.reliable)
    return TextResult(None, (), "none", "0", False)


def _clamp(x: float) -> float:
    return max(-1.0, min(1.0, x))


def score_event(raw: RawFeedback, now: datetime | None = None) -> ScoredFeedback:
    """Score one validated event. Languages without a scorer are marked unscored, never neutral."""
    lang = detect_language(raw.text, raw.language_hint)
    red = redact(raw.text, lang.code)
    subject = raw.subject
    pii = red.counts
    if subject:
        red_subject = redact(subject, lang.code)
        subject = red_subject.text
        for kind, n in red_subject.counts.items():
            pii = {**pii, kind: pii.get(kind, 0) + n}
    for kind, n in pii.items():
        metrics.PII_REDACTED.labels(kind).inc(n)
    text = red.text

    ts = score_text(text, lang)
    found = taxonomy.find(text, lang.code)
    compound = ts.compound
    drivers = ts.drivers
    # The lexicon scorers apply their own praise-next-to-complaint rule and report it as a driver.
    text_sarcasm = any(d.startswith("rule:sarcasm") for d in drivers)
    if (
        compound is not None
        and compound > 0
        and found.sarcasm_marker
        and (found.complaint_marker or found.cues or any(d in english.NEGATIVE_PHRASES for d in drivers))
    ):
        # Praise word next to complaint content: sarcasm ("Great, third time it broke").
        text_sarcasm = True
        compound = -max(SARCASM_FLIP, compound * 0.5)
        drivers = ("rule:sarcasm", *drivers)[:10]

    if compound is not None and compound > -NEUTRAL_BAND and set(found.cues) & COMPLAINT_CUES:
        # Threats to leave, broken promises, insults and "my order is too small for you" are complaints,
        # whatever polite words surround them ("You promised the repair in five days").
        compound = -max(CUE_FLOOR, abs(compound) * 0.5)
        drivers = ("rule:complaint_cue", *drivers)[:10]

    rating = ratings.rating_score(raw.stars, raw.csat, raw.nps)
    fused = ratings.fuse(compound, rating)
    label = label_for(fused.satisfaction) if compound is not None else SentimentLabel.UNSCORED

    fields = dict(raw.__dict__)
    fields["text"] = text
    fields["subject"] = subject
    return _build_scored(
        fields,
        language=lang.code,
        language_confidence=_clamp(abs(lang.confidence)),
        sentiment=None if compound is None else round(_clamp(compound), 4),
        label=label,
        reliable=ts.reliable,
        scorer=ts.scorer,
        scorer_version=ts.version,
        drivers=drivers,
        satisfaction=fused.satisfaction,
        sarcasm=fused.sarcasm or text_sarcasm,
        aspects=found.aspects,
        cues=found.cues,
        evidence=found.evidence,
        pii_redacted=sum(pii.values()),
        scored_at=now or datetime.now(UTC),
    )


_SCORED_FIELDS = tuple(ScoredFeedback.model_fields)
_object_setattr = object.__setattr__


def _build_scored(fields: dict[str, Any], **scores: Any) -> ScoredFeedback:
    """A ScoredFeedback without re-validation.

    The raw fields were validated on the way in and every score is computed above within its contract
    bounds, so a second full validation (pydantic's ~35 field checks, then model_construct's per-field
    alias handling) would be a large share of the stage's cost for nothing. This is what
    ``model_construct`` does for a model without aliases, extras or private attributes; a unit test
    round-trips the result through ``model_validate`` so a contract change cannot slip past it.
    """
    values = fields | scores
    m = ScoredFeedback.__new__(ScoredFeedback)
    _object_setattr(m, "__dict__", {k: values[k] for k in _SCORED_FIELDS})
    _object_setattr(m, "__pydantic_fields_set__", set(_SCORED_FIELDS))
    _object_setattr(m, "__pydantic_extra__", None)
    _object_setattr(m, "__pydantic_private__", None)
    return m


def process_raw(value: bytes | None) -> ScoredFeedback | Failure:
    """Parse, validate and score one raw record."""
    if not value:
        return Failure("empty_record", "record has no value")
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        return Failure("invalid_json", str(exc))
    if not isinstance(data, dict):
        return Failure("invalid_event", f"expected a JSON object, got {type(data).__name__}")
    try:
        raw = RawFeedback.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        return Failure("invalid_event", f"{where}: {first['msg']} ({exc.error_count()} error(s))")
    try:
        return score_event(raw)
    except Exception as exc:  # a scorer bug must dead-letter the record, not kill the worker
        return Failure("scoring_error", f"{type(exc).__name__}: {exc}"[:4000])
