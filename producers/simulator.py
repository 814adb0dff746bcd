"""A deterministic simulator of customer feedback across the four channels.

Sentences are composed from independent parts (opening, what happened, how it felt, what the
customer wants) so the text reads like customers, not one template with a word swapped; the same
seed always yields the same events.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from ripple.contracts import Channel, RawFeedback

ENGLISH = {
    "negative": {
        "open": ["Honestly,", "I'm writing because", "Third time contacting you:", "Really disappointed.",
                 "Not happy at all.", "So,", "Hi,"],
        "what": [
            "my parcel still has not arrived after ten days",
            "I waited 40 minutes on hold and nobody picked up",
            "the blender stopped working after two uses",
            "you promised a 30% discount and I got 15%",
            "the agent was rude and hung up on me",
            "the checkout page keeps crashing when I pay",
            "the jacket colour is nothing like the photo",
            "my refund was cancelled without any explanation",
            "the tracking number shows nothing for a week",
            "I was charged twice for the same order",
        ],
        "feel": ["This is unacceptable.", "I'm really frustrated.", "Terrible service.",
                 "Worst experience I've had with an online shop.", "I feel completely ignored.",
                 "Very annoying and a waste of my time."],
        "want": ["Please fix this today.", "I want my money back.", "Call me back, please.",
                 "If this isn't sorted I'm going to the competition.", ""],
    },
    "positive": {
        "open": ["Just wanted to say,", "Great job!", "Thanks a lot,", "Wow,", "Hello,"],
        "what": [
            "the delivery came a day earlier than promised",
            "the agent solved my problem in five minutes",
            "the replacement arrived quickly and works perfectly",
            "your support team was patient and friendly",
            "the discount was applied without me even asking",
            "the new app makes tracking my order really easy",
        ],
        "feel": ["I'm very happy.", "Excellent service, thank you!", "Really impressed.",
                 "Love it.", "Best support I've had in years."],
        "want": ["Will definitely order again.", "Keep it up!", "", "I'll recommend you to friends."],
    },
    "neutral": {
        "open": ["Hi,", "Hello,", "Quick question:", "Good morning,"],
        "what": [
            "can you tell me when my order will ship",
            "what is the warranty period for the coffee machine",
            "do you deliver to Cyprus",
            "I'd like to change the delivery address for order 5521",
            "is the store on Main Street open on Sunday",
        ],
        "feel": ["", "Thanks.", "Regards."],
        "want": ["", "Let me know."],
    },
}

SENTIMENT_MIX = (("negative", 0.45), ("neutral", 0.2), ("positive", 0.35))
CHANNELS = (Channel.CHAT, Channel.EMAIL, Channel.REVIEW, Channel.PHONE_SURVEY)


class Simulator:
    """Yields realistic ``RawFeedback`` events; deterministic for a given seed and start time."""

    def __init__(self, seed: int = 42, customers: int = 500, start: datetime | None = None,
                 prefix: str = "sim") -> None:
        self.rng = random.Random(seed)
        self.customers = customers
        self.clock = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self.prefix = prefix
        self.seq = 0

    def _text(self, mood: str) -> str:
        parts = ENGLISH[mood]
        pick = self.rng.choice
        words = [pick(parts["open"]), pick(parts["what"]) + ".", pick(parts["feel"]), pick(parts["want"])]
        return " ".join(w for w in words if w).replace(",.", ",").strip()

    def event(self) -> RawFeedback:
        rng = self.rng
        self.seq += 1
        self.clock += timedelta(seconds=rng.expovariate(1 / 3))
        mood = rng.choices([m for m, _ in SENTIMENT_MIX], [w for _, w in SENTIMENT_MIX])[0]
        channel = rng.choice(CHANNELS)
        customer = f"c{rng.randrange(self.customers):06d}"
        good = {"negative": False, "neutral": None, "positive": True}[mood]
        extra: dict[str, object] = {}
        if channel is Channel.REVIEW:
            extra = {"stars": rng.choice([1, 2]) if good is False else rng.choice([4, 5]) if good else 3,
                     "public": True, "product": rng.choice(["blender", "jacket", "coffee machine", "phone case"])}
        elif channel is Channel.PHONE_SURVEY:
            extra = {"csat": 1 + (0 if good is False else 4 if good else 2), "nps": rng.randint(0, 4) if good is False
                     else rng.randint(9, 10) if good else rng.randint(7, 8),
                     "agent_id": f"agent{rng.randrange(20):02d}", "duration_s": round(rng.uniform(60, 900), 1),
                     "hold_time_s": round(rng.uniform(0, 600), 1), "rings": rng.randint(1, 6)}
        elif channel is Channel.CHAT:
            extra = {"agent_id": f"agent{rng.randrange(20):02d}", "conversation_id": f"conv{self.seq:08d}",
                     "duration_s": round(rng.uniform(30, 1200), 1)}
        else:
            extra = {"subject": rng.choice(["My order", "Complaint", "Question", "Thank you", "Refund"])}
        return RawFeedback(
            event_id=f"{self.prefix}-{self.seq:09d}",
            customer_id=customer,
            channel=channel,
            event_time=self.clock,
            text=self._text(mood),
            **extra,
        )

    def events(self, n: int) -> Iterator[RawFeedback]:
        for _ in range(n):
            yield self.event()


def paced(events: Iterator[RawFeedback], rate: float) -> Iterator[RawFeedback]:
    """Release events at ``rate`` per second (0 = as fast as possible)."""
    if rate <= 0:
        yield from events
        return
    start = time.monotonic()
    for i, ev in enumerate(events):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield ev
