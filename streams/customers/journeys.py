"""Synthetic customer journeys with ground truth, for the evaluation harness and the tests.

Each customer follows one journey (happy, a single mild complaint, a churn threat, abuse, ...) made of
contacts spread over days and channels, and carries a label ``{customer_id, dissatisfied, abusive,
journey}`` - the same shape the producers simulator's labelled journeys use, so the harness can swap
generators. Every contact also carries an *oracle* score (the sentiment, cues and aspects a good
scorer should produce), so the rules can be evaluated on their own as well as behind the real scorer.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ripple.contracts import Channel, RawFeedback, ScoredFeedback, SentimentLabel


@dataclass(frozen=True, slots=True)
class Label:
    customer_id: str
    dissatisfied: bool
    abusive: bool
    journey: str


@dataclass(frozen=True, slots=True)
class Oracle:
    sentiment: float
    cues: tuple[str, ...] = ()
    aspects: tuple[str, ...] = ()


TEXTS: dict[str, list[str]] = {
    "positive": [
        "Thanks, all good now, great help!",
        "The delivery came a day early, love it.",
        "Your agent was patient and friendly, thank you.",
        "Excellent service, will order again.",
        "Really happy with the replacement, works perfectly.",
        "Great job, quick and easy refund.",
    ],
    "neutral": [
        "When will my order ship?",
        "Do you deliver to Cyprus?",
        "What is the warranty on the coffee machine?",
        "Please change the delivery address for order 5521.",
        "Is the shop open on Sunday?",
    ],
    # The same mild complaints, from a customer who is not (yet) dissatisfied: a passive with a gripe.
    "gripe": [
        "Still waiting for my refund, a bit annoying.",
        "The package arrived late and the box was damaged.",
        "Not great, the app kept logging me out.",
        "The hold time was long, a bit frustrating.",
    ],
    "mild": [
        "Still waiting for my refund, a bit annoying.",
        "The package arrived late and the box was damaged.",
        "Not great, the app kept logging me out.",
        "The hold time was long, a bit frustrating.",
        "Slightly disappointed, the colour is not like the photo.",
        "Checkout failed twice, annoying.",
    ],
    "very": [
        "Terrible service, worst experience ever, I am furious.",
        "Awful. Broken on arrival and nobody helps. Horrible.",
        "This is unacceptable, I am really angry, a total disaster.",
        "Worst shop ever, disgusting treatment, hate it.",
    ],
    "churn": [
        "Disappointed again. If this is not fixed I am going to the competition.",
        "I am leaving for another bank, your terms are a problem.",
        "Last order from you, I will shop elsewhere from now on, sad.",
    ],
    "public": [
        "Fix this or I will post reviews everywhere about this, unhappy.",
        "I will tell everyone on Facebook how you treat customers, bad.",
    ],
    "promise": [
        "You promised a 30% discount and I got 15%.",
        "I was promised a callback yesterday and nobody called.",
        "The site said delivery in 2 days, it took 9, not as promised.",
    ],
    "abuse": [
        "You idiots, I pay your salary, useless morons!",
        "Shut up and listen, you stupid clown!",
        "You are all incompetent idiots, I will come there and shout at you!",
    ],
    # Not English: the current scorer leaves these unscored, so only the ratings speak.
    "foreign_neg": [
        "Απαράδεκτη εξυπηρέτηση, περιμένω δέκα μέρες.",
        "Ужасный сервис, посылка так и не пришла.",
    ],
    "foreign_pos": ["Ευχαριστώ πολύ, όλα τέλεια!", "Спасибо, всё отлично, быстро доставили."],
}

SENTIMENT = {
    "positive": (0.45, 0.95),
    "neutral": (-0.04, 0.04),
    "mild": (-0.55, -0.15),
    "gripe": (-0.5, -0.1),
    "very": (-0.95, -0.65),
    "churn": (-0.6, -0.1),
    "public": (-0.6, -0.1),
    "promise": (-0.5, 0.1),
    "abuse": (-0.95, -0.5),
    "foreign_neg": (-0.9, -0.6),
    "foreign_pos": (0.5, 0.9),
}
# A good scorer reports a broken promise as the cue (the aspect alone only says a promise was mentioned).
CUES = {
    "churn": ("churn_threat",),
    "public": ("public_threat",),
    "abuse": ("abuse",),
    "promise": ("broken_promise",),
}
ASPECTS = {"promise": ("broken_promise",)}

Step = tuple[float, str, Channel]  # (day offset, mood, channel)

# journey name -> (weight, dissatisfied, abusive, step builder)
JOURNEYS: dict[str, tuple[float, bool, bool, Callable[[random.Random], list[Step]]]] = {}


def _journey(name: str, weight: float, dissatisfied: bool, abusive: bool = False) -> Callable[..., Any]:
    def deco(fn: Callable[[random.Random], list[Step]]) -> Callable[[random.Random], list[Step]]:
        JOURNEYS[name] = (weight, dissatisfied, abusive, fn)
        return fn

    return deco


CHANNELS = (Channel.CHAT, Channel.EMAIL, Channel.REVIEW, Channel.PHONE_SURVEY)


def _ch(rng: random.Random) -> Channel:
    return rng.choice(CHANNELS)


@_journey("happy", 0.25, False)
def _happy(rng: random.Random) -> list[Step]:
    return [(rng.uniform(0, 20), rng.choice(["positive", "neutral"]), _ch(rng)) for _ in range(rng.randint(1, 4))]


@_journey("one_mild_complaint", 0.12, False)
def _one_mild(rng: random.Random) -> list[Step]:
    steps = [(rng.uniform(0, 5), "neutral", _ch(rng)), (rng.uniform(6, 8), "gripe", _ch(rng))]
    return [*steps, (rng.uniform(20, 25), "positive", _ch(rng))] if rng.random() < 0.5 else steps


@_journey("mild_complaints_far_apart", 0.08, False)
def _far_apart(rng: random.Random) -> list[Step]:
    first = rng.uniform(0, 3)
    return [(first, "gripe", _ch(rng)), (first + rng.uniform(9, 20), "gripe", _ch(rng))]


@_journey("passive_promoter_survey", 0.05, False)
def _passive(rng: random.Random) -> list[Step]:
    return [(rng.uniform(0, 10), rng.choice(["neutral", "positive"]), Channel.PHONE_SURVEY)]


@_journey("very_negative_contact", 0.1, True)
def _very(rng: random.Random) -> list[Step]:
    return [(rng.uniform(0, 5), "neutral", _ch(rng)), (rng.uniform(5, 9), "very", _ch(rng))]


@_journey("repeat_negative_week", 0.1, True)
def _repeat(rng: random.Random) -> list[Step]:
    first = rng.uniform(0, 10)
    return [(first, "mild", _ch(rng)), (first + rng.uniform(0.2, 6.5), "mild", _ch(rng))]


@_journey("nps_detractor", 0.06, True)
def _detractor(rng: random.Random) -> list[Step]:
    return [(rng.uniform(0, 15), "mild", Channel.PHONE_SURVEY)]


@_journey("churn_threat", 0.05, True)
def _churn(rng: random.Random) -> list[Step]:
    return [(rng.uniform(0, 15), "churn", rng.choice([Channel.CHAT, Channel.EMAIL]))]


@_journey("public_threat", 0.03, True)
def _public(rng: random.Random) -> list[Step]:
    return [(rng.uniform(0, 15), "public", rng.choice([Channel.CHAT, Channel.EMAIL]))]


@_journey("broken_promise", 0.05, True)
def _promise(rng: random.Random) -> list[Step]:
    return [(rng.uniform(0, 15), "promise", rng.choice([Channel.CHAT, Channel.EMAIL, Channel.PHONE_SURVEY]))]


@_journey("complaint_then_recovered", 0.04, True)
def _recovered(rng: random.Random) -> list[Step]:
    first = rng.uniform(0, 10)
    return [(first, "very", _ch(rng)), (first + rng.uniform(1, 3), "positive", _ch(rng))]


@_journey("foreign_language_complaint", 0.03, True)
def _foreign(rng: random.Random) -> list[Step]:
    return [(rng.uniform(0, 15), "foreign_neg", rng.choice([Channel.REVIEW, Channel.PHONE_SURVEY]))]


@_journey("abusive_customer", 0.04, False, True)
def _abusive(rng: random.Random) -> list[Step]:
    first = rng.uniform(0, 10)
    return [
        (first + i * rng.uniform(0.01, 2), "abuse", rng.choice([Channel.CHAT, Channel.PHONE_SURVEY]))
        for i in range(rng.randint(1, 3))
    ]


def _native_fields(rng: random.Random, mood: str, channel: Channel, seq: int) -> dict[str, Any]:
    bad = mood in ("very", "mild", "churn", "public", "promise", "abuse", "foreign_neg")
    very = mood in ("very", "foreign_neg")
    if mood == "gripe":  # mild words, middling ratings: a passive, not a detractor
        if channel is Channel.REVIEW:
            return {"stars": 3, "public": True}
        if channel is Channel.PHONE_SURVEY:
            return {
                "nps": rng.randint(7, 8),
                "csat": 3,
                "agent_id": f"agent{rng.randrange(12):02d}",
                "duration_s": round(rng.uniform(120, 900), 1),
            }
    if channel is Channel.REVIEW:
        stars = 1 if very else rng.choice([2, 3]) if bad else rng.choice([4, 5]) if mood != "neutral" else 3
        return {"stars": stars, "public": True}
    if channel is Channel.PHONE_SURVEY:
        nps = (
            rng.randint(0, 3)
            if very
            else rng.randint(2, 6)
            if bad
            else rng.randint(9, 10)
            if mood in ("positive", "foreign_pos")
            else rng.randint(7, 8)
        )
        return {
            "nps": nps,
            "csat": 1 if very else 2 if bad else 4,
            "agent_id": f"agent{rng.randrange(12):02d}",
            "duration_s": round(rng.uniform(120, 1500), 1),
        }
    if channel is Channel.CHAT:
        return {
            "agent_id": f"agent{rng.randrange(12):02d}",
            "conversation_id": f"conv{seq:08d}",
            "duration_s": round(rng.uniform(60, 1500), 1),
        }
    return {"subject": "Complaint" if bad else "Question"}


def generate(
    seed: int = 7, customers: int = 2000, start: datetime | None = None, prefix: str = "j"
) -> tuple[list[RawFeedback], dict[str, Oracle], dict[str, Label]]:
    """Events in event-time order, the oracle score per event id, and the label per customer."""
    rng = random.Random(seed)
    t0 = start or datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    names = list(JOURNEYS)
    weights = [JOURNEYS[n][0] for n in names]
    rows: list[tuple[datetime, str, str, Channel, dict[str, Any]]] = []
    labels: dict[str, Label] = {}
    for i in range(customers):
        cid = f"{prefix}c{i:06d}"
        name = rng.choices(names, weights)[0]
        _, dissatisfied, abusive, build = JOURNEYS[name]
        labels[cid] = Label(cid, dissatisfied, abusive, name)
        value = round(rng.lognormvariate(6, 1.2), 2) if rng.random() < 0.6 else None
        segment = rng.choice(["new", "existing", "vip", None]) if rng.random() < 0.5 else None
        for day, mood, channel in build(rng):
            when = t0 + timedelta(days=day, seconds=rng.uniform(0, 3600))
            extra: dict[str, Any] = {"customer_value": value, "segment": segment}
            rows.append((when, cid, mood, channel, extra))
    rows.sort(key=lambda r: r[0])
    events: list[RawFeedback] = []
    oracle: dict[str, Oracle] = {}
    for seq, (when, cid, mood, channel, extra) in enumerate(rows):
        eid = f"{prefix}-{seq:08d}"
        extra.update(_native_fields(rng, mood, channel, seq))
        lo, hi = SENTIMENT[mood]
        events.append(
            RawFeedback(
                event_id=eid,
                customer_id=cid,
                channel=channel,
                event_time=when,
                text=rng.choice(TEXTS[mood]),
                **extra,
            )
        )
        oracle[eid] = Oracle(round(rng.uniform(lo, hi), 3), CUES.get(mood, ()), ASPECTS.get(mood, ()))
    return events, oracle, labels


def oracle_scored(raw: RawFeedback, o: Oracle) -> ScoredFeedback:
    """What an ideal scorer would emit: the oracle sentiment, fused with no ratings, plus cues/aspects."""
    label = (
        SentimentLabel.POSITIVE
        if o.sentiment >= 0.05
        else SentimentLabel.NEGATIVE
        if o.sentiment <= -0.05
        else SentimentLabel.NEUTRAL
    )
    return ScoredFeedback(
        **raw.model_dump(),
        language="en",
        language_confidence=1.0,
        sentiment=o.sentiment,
        label=label,
        reliable=True,
        scorer="oracle",
        scorer_version="1",
        satisfaction=o.sentiment,
        cues=o.cues,
        aspects=o.aspects,
        scored_at=raw.event_time,
    )


def scored(
    customer_id: str,
    event_id: str,
    when: datetime,
    sentiment: float | None,
    *,
    channel: Channel = Channel.CHAT,
    text: str = "",
    cues: tuple[str, ...] = (),
    aspects: tuple[str, ...] = (),
    **fields: Any,
) -> ScoredFeedback:
    """A hand-made scored event (tests): only what a rule looks at needs to be given."""
    label = (
        SentimentLabel.UNSCORED
        if sentiment is None
        else SentimentLabel.POSITIVE
        if sentiment >= 0.05
        else SentimentLabel.NEGATIVE
        if sentiment <= -0.05
        else SentimentLabel.NEUTRAL
    )
    return ScoredFeedback(
        event_id=event_id,
        customer_id=customer_id,
        channel=channel,
        event_time=when,
        text=text,
        language="en",
        language_confidence=1.0,
        sentiment=sentiment,
        label=label,
        reliable=sentiment is not None,
        scorer="test",
        scorer_version="1",
        satisfaction=fields.pop("satisfaction", sentiment),
        cues=cues,
        aspects=aspects,
        scored_at=when,
        **fields,
    )
