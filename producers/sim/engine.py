"""Deterministic multilingual feedback simulator with customer journeys, seasonality, incidents and truth.

Usage::

    sim = Simulator(seed=7, customers=500, mix={"en": .4, "el": .15, "ru": .2, "hy": .1, "ta": .15})
    events = list(sim.events(10_000))          # RawFeedback, in event-time order
    sim.truth.events[event_id]                  # EventTruth per event
    sim.truth.customers()                       # CustomerTruth per customer that gave feedback

Same seed and arguments -> byte-identical events and truth (no wall clock, no global random state).

Ground-truth labels (what detectors are evaluated against)
-----------------------------------------------------------
Per event (:class:`EventTruth`):

* ``sentiment``: the sentiment the text was *written* to carry: ``negative`` / ``neutral`` / ``positive``.
  Sarcastic events (``sarcasm=True``) are ``negative`` although they contain praise words; ratings (stars,
  CSAT, NPS) always agree with ``sentiment``.
* ``aspect``: the complaint/praise topic, one of :data:`producers.sim.texts.ASPECTS`; ``None`` for neutral
  questions.
* ``abusive``: the text contains abuse (insults, shouting, "I pay your salary").
* ``churn_threat``: contains a churn cue ("going to the competition", "last order", regret).
* ``public_threat``: threatens to post reviews publicly. ``incident_id``: the event was caused by an
  injected incident (else ``None``). ``lang``: ISO 639-1 of the text. ``journey``: the customer's journey.

Per customer (:class:`CustomerTruth`, only customers with at least one event):

* ``abusive``: the customer's journey is ``abusive`` (every event abusive). Abusive customers are *not*
  counted as dissatisfied: the domain separates legitimate dissatisfaction from abuse.
* ``ever_dissatisfied``: not abusive and gave at least one negative event.
* ``dissatisfied``: not abusive and the customer's *last non-neutral* event is negative, i.e. still
  unhappy when the run ends. ``recovered`` = ever_dissatisfied and not dissatisfied.
* ``churn_threat`` / ``public_threat``: any of their events carried that cue.
* ``journey``, ``segment`` (new / regular / vip), ``customer_value``, ``lang``, ``events``, ``negatives``.

Journeys: ``quiet_regular`` (rare, neutral/positive), ``satisfied``, ``repeat_complainer`` (same aspect again
and again, escalating to churn threats), ``recovery`` (two complaints, then positive with thanks),
``abusive``, ``churn_threat`` (complaint, then churn threats), ``public_threat`` (complaint, threat to go
public, then 1-star public reviews), ``one_off_complaint`` (one complaint, then silence: silent defection).
Customers hit by an incident get an extra negative event labelled with the incident's id.

Time: event time starts at ``start`` (default Monday 2026-01-05 00:00 UTC) and advances by a Poisson
process of ``rate_per_hour`` modulated by a diurnal curve (quiet nights, late-morning peak) and a weekly
curve (busy Monday, quiet Sunday). Incidents add ``boost`` x base rate of complaints about one aspect on
one channel during their window. :func:`paced_by_event_time` replays events with event time running
``speed`` times faster than the wall clock (time-accelerated mode for detector evaluation).
"""

from __future__ import annotations

import bisect
import itertools
import random
import time
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from producers import ids
from producers.sim.texts import ASPECTS, LANGUAGES, PRODUCTS
from ripple.contracts import Channel, RawFeedback

DEFAULT_MIX: dict[str, float] = {"en": 0.4, "el": 0.15, "ru": 0.2, "hy": 0.1, "ta": 0.15}
DEFAULT_CHANNELS: dict[Channel, float] = {
    Channel.CHAT: 0.35,
    Channel.EMAIL: 0.25,
    Channel.REVIEW: 0.2,
    Channel.PHONE_SURVEY: 0.2,
}
DEFAULT_START = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)  # a Monday

# name: (share of customers, relative activity)
JOURNEYS: dict[str, tuple[float, float]] = {
    "quiet_regular": (0.33, 0.35),
    "satisfied": (0.2, 0.7),
    "repeat_complainer": (0.1, 2.0),
    "recovery": (0.1, 1.0),
    "abusive": (0.04, 1.5),
    "churn_threat": (0.06, 1.2),
    "public_threat": (0.05, 1.2),
    "one_off_complaint": (0.12, 0.8),
}
DIURNAL = (
    0.12,
    0.08,
    0.06,
    0.06,
    0.08,
    0.15,
    0.3,
    0.5,
    0.75,
    0.9,
    1.0,
    1.0,
    0.95,
    0.9,
    0.85,
    0.85,
    0.8,
    0.75,
    0.7,
    0.65,
    0.6,
    0.5,
    0.35,
    0.2,
)
WEEKLY = (1.15, 1.0, 1.0, 0.95, 0.9, 0.6, 0.5)  # Monday .. Sunday
SARCASM_ASPECTS = ("delivery", "quality", "waiting")


@dataclass(frozen=True)
class Incident:
    """Extra complaints about one ``aspect`` on one ``channel`` from ``start`` (offset) for ``duration``."""

    incident_id: str
    start: timedelta
    duration: timedelta
    channel: Channel
    aspect: str
    boost: float = 3.0

    def active(self, offset: timedelta) -> bool:
        return self.start <= offset < self.start + self.duration


def default_incidents() -> list[Incident]:
    """A delivery outage on chat in the first Monday's late morning (30 minutes, 3x base complaint rate)."""
    return [
        Incident(
            "inc-delivery-outage",
            timedelta(hours=10, minutes=30),
            timedelta(minutes=30),
            Channel.CHAT,
            "delivery",
            3.0,
        )
    ]


@dataclass(frozen=True)
class EventTruth:
    event_id: str
    customer_id: str
    lang: str
    channel: str
    event_time: str
    sentiment: str
    aspect: str | None
    abusive: bool
    churn_threat: bool
    public_threat: bool
    sarcasm: bool
    incident_id: str | None
    journey: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CustomerTruth:
    customer_id: str
    lang: str
    journey: str
    segment: str
    customer_value: float
    events: int = 0
    negatives: int = 0
    abusive: bool = False
    ever_dissatisfied: bool = False
    dissatisfied: bool = False
    recovered: bool = False
    churn_threat: bool = False
    public_threat: bool = False
    _last_polar: str = field(default="", repr=False)

    def observe(self, t: EventTruth) -> None:
        self.events += 1
        self.churn_threat |= t.churn_threat
        self.public_threat |= t.public_threat
        if t.sentiment != "neutral":
            self._last_polar = t.sentiment
        if t.sentiment == "negative":
            self.negatives += 1
            if not self.abusive:
                self.ever_dissatisfied = True
        self.dissatisfied = not self.abusive and self._last_polar == "negative"
        self.recovered = self.ever_dissatisfied and not self.dissatisfied

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("_last_polar")
        return d


@dataclass
class Truth:
    """Ground truth accumulated while events are generated."""

    events: dict[str, EventTruth] = field(default_factory=dict)
    _customers: dict[str, CustomerTruth] = field(default_factory=dict)
    incidents: list[Incident] = field(default_factory=list)

    def customers(self) -> dict[str, CustomerTruth]:
        return dict(self._customers)


@dataclass
class _Customer:
    cid: str
    lang: str
    journey: str
    segment: str
    value: float
    aspect: str
    channel_pref: Channel
    activity: float
    step: int = 0


def _weighted(rng: random.Random, weights: Mapping[Any, float]) -> Any:
    keys = list(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


def _asr(rng: random.Random, text: str) -> str:
    """What a speech recogniser makes of it: lower case, no punctuation, the odd word lost."""
    # By Unicode category, not \w: Tamil vowel signs are marks (Mn/Mc) and \w would split words apart.
    words = "".join(" " if unicodedata.category(ch)[0] in "PS" else ch for ch in text.lower()).split()
    if len(words) > 4 and rng.random() < 0.3:
        del words[rng.randrange(len(words))]
    return " ".join(words)


class Simulator:
    """Yields realistic ``RawFeedback``; see the module docstring for journeys and labels."""

    def __init__(
        self,
        seed: int = 42,
        customers: int = 5000,
        mix: Mapping[str, float] | None = None,
        channels: Mapping[Channel, float] | Mapping[str, float] | None = None,
        start: datetime | None = None,
        rate_per_hour: float = 1200.0,
        incidents: list[Incident] | None = None,
        seasonality: bool = True,
        prefix: str = "c",
        keep_truth: bool = True,
    ) -> None:
        if customers < 1 or rate_per_hour <= 0:
            raise ValueError("customers must be >= 1 and rate_per_hour > 0")
        self.seed = seed
        self.rng = random.Random(seed)
        self.mix = dict(mix or DEFAULT_MIX)
        unknown = set(self.mix) - set(LANGUAGES)
        if unknown or not any(w > 0 for w in self.mix.values()):
            raise ValueError(f"mix: unknown languages {sorted(unknown)} or no positive weight")
        self.channels = {Channel(k): v for k, v in (channels or DEFAULT_CHANNELS).items()}
        self.start = start or DEFAULT_START
        self.clock = self.start
        self.rate = rate_per_hour
        self.incidents = default_incidents() if incidents is None else list(incidents)
        self.seasonality = seasonality
        self.keep_truth = keep_truth
        self.truth = Truth(incidents=list(self.incidents))
        self.seq = 0
        self.population = [self._make_customer(i, prefix) for i in range(customers)]
        self._rebuild_weights()

    # --- population -------------------------------------------------------------------------------
    def _make_customer(self, i: int, prefix: str) -> _Customer:
        rng = self.rng
        journey = _weighted(rng, {k: v[0] for k, v in JOURNEYS.items()})
        segment = _weighted(rng, {"new": 0.25, "regular": 0.65, "vip": 0.1})
        value = {
            "new": rng.uniform(0, 120),
            "regular": rng.lognormvariate(6.2, 0.6),
            "vip": rng.lognormvariate(8.6, 0.5),
        }[segment]
        return _Customer(
            cid=f"{prefix}{i:06d}",
            lang=_weighted(rng, self.mix),
            journey=journey,
            segment=segment,
            value=round(value, 2),
            aspect=rng.choice(ASPECTS),
            channel_pref=_weighted(rng, self.channels),
            activity=JOURNEYS[journey][1] * (1.6 if segment == "vip" else 1.0),
        )

    def _rebuild_weights(self) -> None:
        self._cum = list(itertools.accumulate(c.activity for c in self.population))

    def _pick(self) -> _Customer:
        x = self.rng.random() * self._cum[-1]
        return self.population[bisect.bisect_right(self._cum, x)]

    # --- time ---------------------------------------------------------------------------------------
    def _season(self, t: datetime) -> float:
        return DIURNAL[t.hour] * WEEKLY[t.weekday()] if self.seasonality else 1.0

    def _next_arrival(self) -> Incident | None:
        """Advance the clock to the next arrival of a piecewise-constant-rate Poisson process.

        The rate only changes on the hour (seasonality) and at incident edges, so within a piece it is
        exact to draw an exponential gap; a gap that crosses the piece's end is redrawn from the boundary
        (memorylessness). No thinning, so quiet nights cost nothing.
        """
        rng = self.rng
        while True:
            s = self._season(self.clock)
            offset = self.clock - self.start
            active = [i for i in self.incidents if i.active(offset)]
            organic = self.rate * s
            rates = [self.rate * i.boost * max(s, 0.5) for i in active]
            total = organic + sum(rates)
            boundary = self.clock.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            for inc in self.incidents:
                for edge in (self.start + inc.start, self.start + inc.start + inc.duration):
                    if self.clock < edge < boundary:
                        boundary = edge
            gap = timedelta(seconds=rng.expovariate(total / 3600.0))
            if self.clock + gap >= boundary:
                self.clock = boundary
                continue
            self.clock += gap
            u = rng.random() * total
            if u < organic:
                return None
            u -= organic
            for inc, r in zip(active, rates, strict=True):
                if u < r:
                    return inc
                u -= r
            return active[-1]

    # --- one event ------------------------------------------------------------------------------------
    def _plan(self, c: _Customer, incident: Incident | None) -> dict[str, Any]:
        rng, k, j = self.rng, c.step, c.journey
        plan: dict[str, Any] = {
            "sentiment": "negative",
            "aspect": c.aspect,
            "abusive": False,
            "churn": False,
            "public": False,
            "repeat": False,
            "recovery": False,
            "channel": None,
        }
        if incident is not None:
            # An abusive customer stays abusive when an incident hits them: the journey is "every event
            # abusive" and the customer is labelled abusive, not dissatisfied, so a clean complaint here
            # would contradict the customer's own label.
            plan.update(aspect=incident.aspect, channel=incident.channel, abusive=j == "abusive")
            return plan
        if j == "quiet_regular":
            plan["sentiment"] = "neutral" if rng.random() < 0.6 else "positive"
        elif j == "satisfied":
            plan["sentiment"] = "positive" if rng.random() < 0.8 else "neutral"
        elif j == "repeat_complainer":
            plan.update(repeat=k >= 1, churn=k >= 3 and rng.random() < 0.5)
        elif j == "recovery":
            if k >= 2:
                plan.update(sentiment="positive", recovery=k == 2)
        elif j == "abusive":
            plan["abusive"] = True
        elif j == "churn_threat":
            plan.update(churn=k >= 1, repeat=k >= 2)
        elif j == "public_threat":
            plan.update(public=k == 1, channel=Channel.REVIEW if k >= 2 else None)
        elif j == "one_off_complaint":
            c.activity = 0.0  # silent after this one
            self._rebuild_weights()
        if plan["sentiment"] != "negative":
            plan["aspect"] = rng.choice(ASPECTS) if plan["sentiment"] == "positive" else None
            if plan["recovery"]:
                plan["aspect"] = c.aspect
        elif j in ("abusive", "one_off_complaint", "churn_threat") and rng.random() < 0.3:
            plan["aspect"] = rng.choice(ASPECTS)
        return plan

    def _compose(
        self, lang: str, plan: dict[str, Any], product: str, greet: bool, sarcasm: bool
    ) -> list[str]:
        rng, parts = self.rng, LANGUAGES[lang]
        pick = rng.choice

        def fill(s: str) -> str:
            return s.replace("{product}", product)

        out: list[str] = [pick(parts["greet"])] if greet else []
        sentiment, aspect = plan["sentiment"], plan["aspect"]
        if sentiment == "negative":
            if plan["repeat"]:
                out.append(pick(parts["repeat"]))
            fact = fill(pick(parts["neg"][aspect]))
            feel = ""
            if sarcasm:
                feel = parts["sarcasm"][SARCASM_ASPECTS.index(aspect)]
            elif rng.random() < 0.8:
                feel = pick(parts["neg_feel"])
            out.extend([feel, fact] if feel and rng.random() < 0.3 else [fact, feel])
            if plan["abusive"]:
                out.insert(rng.randint(len(out) - 1, len(out)), pick(parts["abuse"]))
            if plan["churn"]:
                out.append(pick(parts["churn"]))
            if plan["public"]:
                out.append(pick(parts["public"]))
            out.append(pick(parts["ask"]))
        elif sentiment == "positive":
            if plan["recovery"]:
                out.append(pick(parts["recovery"]))
            out.append(fill(pick(parts["pos"][aspect])))
            if rng.random() < 0.7:
                out.append(pick(parts["pos_feel"]))
            out.append(pick(parts["pos_close"]))
        else:
            out.append(fill(pick(parts["neutral"])))
        return [p for p in out if p]

    def event(self) -> RawFeedback:
        """The next event in event-time order (truth recorded in ``self.truth``)."""
        rng = self.rng
        incident = self._next_arrival()
        c = self._pick() if incident is None else self.population[rng.randrange(len(self.population))]
        plan = self._plan(c, incident)
        c.step += 1
        self.seq += 1
        channel: Channel = plan["channel"] or (
            c.channel_pref if rng.random() < 0.7 else _weighted(rng, self.channels)
        )
        sentiment = plan["sentiment"]
        sarcasm = (
            sentiment == "negative"
            and not plan["abusive"]
            and plan["aspect"] in SARCASM_ASPECTS
            and SARCASM_ASPECTS.index(plan["aspect"]) < len(LANGUAGES[c.lang]["sarcasm"])
            and rng.random() < 0.08
        )
        product = rng.choice(PRODUCTS)
        parts = self._compose(
            c.lang, plan, product, greet=channel in (Channel.CHAT, Channel.EMAIL), sarcasm=sarcasm
        )
        external = f"sim:{self.seed}:{self.seq}"
        event_id = ids.event_id(channel, external)
        fields: dict[str, Any] = {"customer_value": c.value, "segment": c.segment}
        polarity = {"negative": 0, "neutral": 1, "positive": 2}[sentiment]
        if channel is Channel.CHAT:
            cut = max(1, len(parts) // 2)
            duration = round(rng.uniform(60, 900) * (1.8 if sentiment == "negative" else 1.0), 1)
            fields.update(
                text=" ".join(parts[:cut]) + ("\n" + " ".join(parts[cut:]) if parts[cut:] else ""),
                agent_id=f"agent{rng.randrange(24):02d}",
                conversation_id=f"sim-{self.seed}-conv{self.seq}",
                duration_s=duration,
            )
        elif channel is Channel.EMAIL:
            subj = rng.choice(LANGUAGES[c.lang]["subject"][sentiment])
            fields.update(
                text=parts[0] + "\n\n" + " ".join(parts[1:]) if len(parts) > 1 else parts[0], subject=subj
            )
        elif channel is Channel.REVIEW:
            stars = [rng.choice([1, 1, 1, 2]), rng.choice([2, 3, 3, 4]), rng.choice([4, 5, 5, 5])][polarity]
            fields = {
                "text": " ".join(parts),
                "stars": stars,
                "public": True,
                "product": product,
                "subject": rng.choice(LANGUAGES[c.lang]["title"][sentiment]),
                "url": f"https://reviews.example/{self.seed}/{self.seq}",
                "incentivised": sentiment == "positive" and rng.random() < 0.1,
            }
        else:
            waiting = plan["aspect"] == "waiting" and sentiment == "negative"
            hold = rng.uniform(900, 2700) if waiting else rng.uniform(0, 240)
            has_transcript = rng.random() < 0.7
            fields.update(
                csat=[rng.choice([1, 1, 2]), 3, rng.choice([4, 5, 5])][polarity],
                nps=[rng.randint(0, 4), rng.randint(5, 8), rng.randint(9, 10)][polarity],
                agent_id=f"agent{rng.randrange(24):02d}",
                hold_time_s=round(hold, 1),
                duration_s=round(hold + rng.uniform(90, 900), 1),
                rings=rng.randint(5, 12) if waiting else rng.randint(1, 4),
                text=_asr(rng, " ".join(parts)) if has_transcript else "",
                asr_confidence=round(rng.uniform(0.8, 0.97) if c.lang == "en" else rng.uniform(0.55, 0.9), 2)
                if has_transcript
                else None,
            )
        ev = RawFeedback(
            event_id=event_id,
            customer_id=c.cid,
            channel=channel,
            event_time=self.clock,
            external_id=external,
            **fields,
        )
        truth = EventTruth(
            event_id=event_id,
            customer_id=c.cid,
            lang=c.lang,
            channel=channel.value,
            event_time=self.clock.isoformat(),
            sentiment=sentiment,
            aspect=plan["aspect"],
            abusive=plan["abusive"],
            churn_threat=plan["churn"],
            public_threat=plan["public"],
            sarcasm=sarcasm,
            incident_id=incident.incident_id if incident else None,
            journey=c.journey,
        )
        if self.keep_truth:
            self.truth.events[event_id] = truth
        ct = self.truth._customers.get(c.cid)
        if ct is None:
            ct = self.truth._customers[c.cid] = CustomerTruth(
                customer_id=c.cid,
                lang=c.lang,
                journey=c.journey,
                segment=c.segment,
                customer_value=c.value,
                abusive=c.journey == "abusive",
            )
        ct.observe(truth)
        self.last_truth = truth
        return ev

    def events(self, n: int) -> Iterator[RawFeedback]:
        for _ in range(n):
            yield self.event()


def parse_mix(spec: str) -> dict[str, float]:
    """``en=0.4,el=0.15,...`` -> weights; raises ValueError naming the bad part."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        lang, sep, weight = part.partition("=")
        if not sep:
            raise ValueError(f"{part!r}: expected LANG=WEIGHT")
        if lang.strip() not in LANGUAGES:
            raise ValueError(f"{lang!r}: unknown language (known: {', '.join(LANGUAGES)})")
        try:
            w = float(weight)
        except ValueError:
            raise ValueError(f"{part!r}: weight is not a number") from None
        if w < 0:
            raise ValueError(f"{part!r}: weight is negative")
        out[lang.strip()] = w
    if not out or not any(out.values()):
        raise ValueError("mix has no positive weight")
    return out


def paced(events: Iterator[RawFeedback], rate: float) -> Iterator[RawFeedback]:
    """Release events at ``rate`` per wall-clock second (0 = as fast as possible)."""
    if rate <= 0:
        yield from events
        return
    start = time.monotonic()
    for i, ev in enumerate(events):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield ev


def paced_by_event_time(events: Iterator[RawFeedback], speed: float) -> Iterator[RawFeedback]:
    """Release events as their event times dictate, ``speed`` x faster than real time (60: 1 h/min)."""
    wall0: float | None = None
    t0: datetime | None = None
    for ev in events:
        if wall0 is None or t0 is None:
            wall0, t0 = time.monotonic(), ev.event_time
        delay = wall0 + (ev.event_time - t0).total_seconds() / speed - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield ev
