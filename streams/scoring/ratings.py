"""Ratings fusion: stars, CSAT and NPS normalised to [-1, 1] and fused with the text score.

Why: a rating is the customer's own summary and does not suffer from sarcasm, while the text says
*why*. When they agree we average them; when they disagree the rating wins most of the weight, and
a low rating with glowing text ("1 star -- great, just great") is flagged as likely sarcasm.
"""

from __future__ import annotations

from dataclasses import dataclass

AGREE_TEXT_WEIGHT = 0.5
DISAGREE_TEXT_WEIGHT = 0.2
"""Text weight when the rating and text point in opposite directions (resolve toward the rating)."""
DISAGREE_RATING = 0.5
DISAGREE_TEXT = 0.3


def stars_score(stars: int) -> float:
    """1..5 -> -1..1 (3 is neutral)."""
    return (stars - 3) / 2


def nps_score(nps: int) -> float:
    """0..10 -> -1..1 around the passive band; 0-6 detractors are negative, 9-10 promoters positive."""
    return max(-1.0, min(1.0, (nps - 7.5) / 3.5 if nps < 7.5 else (nps - 7.5) / 2.5))


def rating_score(stars: int | None, csat: int | None, nps: int | None) -> float | None:
    """Mean of the normalised ratings the channel supplied, or None when there are none."""
    parts = []
    if stars is not None:
        parts.append(stars_score(stars))
    if csat is not None:
        parts.append(stars_score(csat))
    if nps is not None:
        parts.append(nps_score(nps))
    return sum(parts) / len(parts) if parts else None


@dataclass(frozen=True, slots=True)
class Fusion:
    satisfaction: float | None
    sarcasm: bool


def fuse(text: float | None, rating: float | None) -> Fusion:
    """One satisfaction score in [-1, 1]; ``sarcasm`` when a low rating comes with positive text."""
    if rating is None:
        return Fusion(text, False)
    if text is None:
        return Fusion(round(rating, 4), False)
    sarcasm = rating <= -DISAGREE_RATING and text >= DISAGREE_TEXT
    disagree = sarcasm or (rating >= DISAGREE_RATING and text <= -DISAGREE_TEXT)
    w = DISAGREE_TEXT_WEIGHT if disagree else AGREE_TEXT_WEIGHT
    value = (1 - w) * rating + w * (-abs(text) if sarcasm else text)
    return Fusion(round(max(-1.0, min(1.0, value)), 4), sarcasm)
