"""Precision/recall of the customers-at-risk rules against journeys with ground truth.

Replays every event, in event-time order, through the same pure engine the worker runs
(``streams.customers.rules``) and compares who got a win-back alert / an abuse alert with the labels.

Scorers:
  oracle    the journey's intended sentiment, cues and aspects, blurred by a scorer error model
            (--noise: gaussian sentiment error, cues/aspects missed with probability noise/3):
            measures the rules alone;
  pipeline  the real scoring stage of this branch (``streams.scoring.score_event``): end to end.

Journeys:
  own       ``streams.customers.journeys.generate`` (default);
  producers the producers simulator (``producers.sim.engine.Simulator``: five languages, journeys,
            per-customer truth). Label: dissatisfied = ``ever_dissatisfied`` (not abusive and gave at
            least one negative event); its event truth (sentiment class, churn/public/abuse cues,
            aspect) gives the oracle scorer. --producers-path PATH imports it from another worktree
            until it is merged.
  MOD:FUNC  any generator returning (events, labels) where labels map or list
            {customer_id, dissatisfied, abusive, journey} - e.g. the producers simulator's labelled
            journeys once they land. Only the pipeline scorer applies (no oracle there).

--breakdown: per miss, was it the scorer (no truly negative contact scored negative) or the rules
(scored negative, nothing fired); per false alarm, which rule on which true class of contact.

    python bench/customers_eval.py [--customers 2000] [--seed 7] [--scorer both] [--journeys own]
                                   [--breakdown] [--examples 20]
"""

from __future__ import annotations

import argparse
import importlib
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ripple.contracts import AlertKind, RawFeedback, ScoredFeedback
from streams.customers.config import CustomerRules, load_rules
from streams.customers.journeys import Label, Oracle, generate, oracle_scored
from streams.customers.rules import contact_score, process_event, tick
from streams.customers.state import CustomerState


@dataclass(frozen=True, slots=True)
class Traced:
    """One replayed contact as the rules saw it, kept for the miss/false-alarm breakdown."""

    raw: RawFeedback
    lang: str
    score: float | None
    cues: tuple[str, ...]
    aspects: tuple[str, ...]
    fired: tuple[str, ...]  # rules whose evidence includes this contact
    kinds: tuple[str, ...]  # alert kinds emitted on this contact


def load_journeys(spec: str, customers: int, seed: int) -> tuple[list[RawFeedback], dict[str, Any], dict[str, Label]]:
    if spec == "own":
        return generate(seed=seed, customers=customers)
    module, _, func = spec.partition(":")
    fn: Callable[..., Any] = getattr(importlib.import_module(module), func)
    events, raw_labels = fn(seed=seed, customers=customers)
    items: Iterable[Any] = raw_labels.values() if isinstance(raw_labels, dict) else raw_labels
    labels = {}
    for lab in items:
        d = lab if isinstance(lab, dict) else vars(lab) if hasattr(lab, "__dict__") else lab._asdict()
        labels[d["customer_id"]] = Label(
            d["customer_id"], bool(d["dissatisfied"]), bool(d.get("abusive")), str(d.get("journey", "?"))
        )
    return sorted(events, key=lambda e: e.event_time), {}, labels


SIM_SCORE = {"negative": -0.6, "neutral": 0.0, "positive": 0.6}
"""The simulator's truth is a class, not a score: a written complaint is taken as -0.6 (clearly negative)."""


EventTruth = dict[str, tuple[str, str]]
"""event id -> (truth class negative|neutral|positive|abuse, language) for the miss breakdown."""


def producers_journeys(
    customers: int, seed: int, path: str | None
) -> tuple[list[RawFeedback], dict[str, Oracle], dict[str, Label], EventTruth]:
    if path:
        sys.path.insert(0, path)  # only the ``producers`` package is taken from there; ripple is loaded already
    from producers.sim.engine import Simulator

    sim = Simulator(seed=seed, customers=customers)
    events = list(sim.events(customers * 3))
    oracle: dict[str, Oracle] = {}
    for eid, t in sim.truth.events.items():
        cues = tuple(
            c
            for c, on in (("churn_threat", t.churn_threat), ("public_threat", t.public_threat), ("abuse", t.abusive))
            if on
        )
        aspects = (t.aspect,) if t.aspect else ()
        oracle[eid] = Oracle(SIM_SCORE[t.sentiment], cues, aspects)
    labels = {c: Label(c, ct.ever_dissatisfied, ct.abusive, ct.journey) for c, ct in sim.truth.customers().items()}
    etruth = {eid: ("abuse" if t.abusive else t.sentiment, t.lang) for eid, t in sim.truth.events.items()}
    return events, oracle, labels, etruth


def own_truth(oracle: dict[str, Oracle]) -> EventTruth:
    """Own journeys: the oracle's sign is the event's intended class (language from the scorer)."""
    return {eid: ("abuse" if "abuse" in o.cues else label_of(o.sentiment), "") for eid, o in oracle.items()}


def label_of(x: float) -> str:
    return "positive" if x >= 0.05 else "negative" if x <= -0.05 else "neutral"


def replay(
    events: list[RawFeedback], score: Callable[[RawFeedback], ScoredFeedback], rules: CustomerRules
) -> dict[str, Any]:
    states: dict[str, CustomerState] = defaultdict(CustomerState)
    opened: dict[str, int] = defaultdict(int)
    abuse: set[str] = set()
    winback: set[str] = set()
    reopened_in_cooldown = 0
    two_open = 0
    kinds: dict[str, int] = defaultdict(int)
    per_event: list[float] = []
    trace: dict[str, list[Traced]] = defaultdict(list)
    for raw in events:
        ev = score(raw)
        state = states[ev.customer_id]
        was_open = state.episode is not None and state.episode.is_open()
        started = time.perf_counter()
        # Decode/encode as the worker does, so the timing and the state size are the worker's.
        state = CustomerState.from_bytes(state.to_bytes()) if state.contacts else state
        out = process_event(state, ev, rules, ev.event_time)
        per_event.append(time.perf_counter() - started)
        tick(ev.customer_id, out.state, rules, ev.event_time)
        states[ev.customer_id] = out.state
        fired = tuple(
            r.rule
            for a in out.alerts
            if a.kind in (AlertKind.OPENED, AlertKind.UPDATED)
            for r in a.reasons
            if ev.event_id in r.event_ids
        )
        trace[ev.customer_id].append(
            Traced(
                raw, ev.language, contact_score(ev), ev.cues, ev.aspects, fired, tuple(a.kind.value for a in out.alerts)
            )
        )
        for a in out.alerts:
            kinds[a.kind.value] += 1
            if a.kind is AlertKind.ABUSE:
                abuse.add(ev.customer_id)
            elif a.kind in (AlertKind.OPENED, AlertKind.UPDATED):
                winback.add(ev.customer_id)
                if a.kind is AlertKind.OPENED:
                    opened[ev.customer_id] += 1
                    two_open += was_open
    sizes = [len(s.to_bytes()) for s in states.values()]
    return {
        "winback": winback,
        "abuse": abuse,
        "opened": opened,
        "kinds": kinds,
        "sizes": sizes,
        "per_event": per_event,
        "two_open": two_open,
        "reopened_in_cooldown": reopened_in_cooldown,
        "trace": trace,
    }


def report(name: str, labels: dict[str, Label], res: dict[str, Any]) -> dict[str, float]:
    winback, abuse = res["winback"], res["abuse"]
    truth = {c for c, lab in labels.items() if lab.dissatisfied}
    abusive = {c for c, lab in labels.items() if lab.abusive}
    tp = len(truth & winback)
    precision = tp / len(winback) if winback else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    routed = len({c for c in abusive if c in abuse and c not in winback})
    print(f"\n== scorer: {name}   customers {len(labels)}, events {len(res['per_event'])}")
    print(f"{'journey':32} {'truth':>6} {'n':>6} {'alerted':>8} {'abuse':>6} {'rate':>6}")
    by: dict[str, list[str]] = defaultdict(list)
    for c, lab in labels.items():
        by[lab.journey].append(c)
    for journey in sorted(by, key=lambda j: (not labels[by[j][0]].dissatisfied, j)):
        cs = by[journey]
        lab = labels[cs[0]]
        truth_s = "abuse" if lab.abusive else "D" if lab.dissatisfied else "-"
        n_alert = sum(c in winback for c in cs)
        n_abuse = sum(c in abuse for c in cs)
        print(f"{journey:32} {truth_s:>6} {len(cs):>6} {n_alert:>8} {n_abuse:>6} {n_alert / len(cs):>6.2f}")
    print(
        f"dissatisfied: precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  "
        f"(TP {tp}, FP {len(winback) - tp}, FN {len(truth) - tp})   targets: P>=0.90 R>=0.95"
    )
    print(
        f"abusive customers routed to the abuse path only: {routed}/{len(abusive)}; "
        f"abusive with a win-back alert: {len(abusive & winback)}"
    )
    print(
        f"opened while another alert of the customer was open: {res['two_open']} (must be 0); "
        f"max 'opened' per customer: {max(res['opened'].values(), default=0)}"
    )
    sizes = sorted(res["sizes"])
    pe = sorted(res["per_event"])
    print(
        f"state bytes per customer: mean {statistics.mean(sizes):.0f}, "
        f"p95 {sizes[int(0.95 * (len(sizes) - 1))]}, "
        f"max {sizes[-1]};  engine per event: p50 {pe[len(pe) // 2] * 1e6:.0f} us, "
        f"p99 {pe[int(0.99 * (len(pe) - 1))] * 1e6:.0f} us"
    )
    print("alerts by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(res["kinds"].items())))
    return {"precision": precision, "recall": recall}


def _table(title: str, counts: dict[str, list[int]], heads: tuple[str, ...]) -> None:
    print(f"  {title:30} " + " ".join(f"{h:>9}" for h in heads))
    for key in sorted(counts, key=lambda k: (-counts[k][0], k)):
        print(f"  {key:30} " + " ".join(f"{v:>9}" for v in counts[key]))


def breakdown(
    labels: dict[str, Label], res: dict[str, Any], etruth: EventTruth, rules: CustomerRules, examples: int
) -> None:
    """Why each miss was missed and each false alarm raised: the scorer or the rules.

    A missed dissatisfied customer is a *scorer* miss when none of their truly negative contacts scored
    at or below ``negative_threshold`` (the rules never saw a complaint), a *rules* miss when one did
    and no rule fired, and *abuse path* when a complaint was routed there. A false alarm is named after
    the rule that opened it and the true class of the contact(s) it fired on.
    """
    winback, abuse, trace = res["winback"], res["abuse"], res["trace"]
    neg_t = rules.negative_threshold
    fn_cause: dict[str, list[int]] = defaultdict(lambda: [0])
    fn_dims: dict[str, dict[str, list[int]]] = {d: defaultdict(lambda: [0]) for d in ("journey", "lang", "channel")}
    fp_cause: dict[str, list[int]] = defaultdict(lambda: [0])
    fp_dims: dict[str, dict[str, list[int]]] = {d: defaultdict(lambda: [0]) for d in ("journey", "lang", "channel")}
    # Scorer view of every truly negative (non-abusive) contact: scored negative?  very negative?
    ev_neg: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    shown: list[str] = []
    shown_fp: list[str] = []
    for tr in trace.values():
        for x in tr:
            cls, lang = etruth.get(x.raw.event_id, ("?", ""))
            if cls == "negative":
                key = f"{lang or x.lang}/{x.raw.channel.value}"
                row = ev_neg[key]
                row[0] += 1
                row[1] += x.score is not None and x.score <= neg_t
                row[2] += x.score is not None and x.score <= rules.very_negative_threshold
                row[3] += x.score is None
    for cid, lab in labels.items():
        tr = trace.get(cid, [])
        if not tr:
            continue
        lang = etruth.get(tr[0].raw.event_id, ("?", ""))[1] or tr[0].lang
        negs = [x for x in tr if etruth.get(x.raw.event_id, ("?",))[0] == "negative"]
        if lab.dissatisfied and cid not in winback:
            if cid in abuse:
                cause = "abuse path"
            elif not negs:
                cause = "truth: no negative contact"
            elif all(x.score is None for x in negs):
                cause = "scorer: unscored"
            elif all(x.score is None or x.score > neg_t for x in negs):
                worst = min(x.score for x in negs if x.score is not None)
                cause = (
                    "scorer: scored "
                    + ("neutral" if worst > -0.05 else "mildly negative")
                    + ("" if len(negs) == 1 else f" (x{len(negs)})")
                )
            else:
                hit = [x for x in negs if x.score is not None and x.score <= neg_t]
                cause = f"rules: {len(hit)} negative of {len(negs)}, none fired"
            fn_cause[cause][0] += 1
            fn_dims["journey"][lab.journey][0] += 1
            fn_dims["lang"][lang][0] += 1
            for x in negs or tr:
                fn_dims["channel"][x.raw.channel.value][0] += 1
            if len(shown) < examples:
                shown.append(f"  FN {cid} {lab.journey} [{cause}]\n" + _lines(tr, etruth))
        elif not lab.dissatisfied and cid in winback:
            first = next(x for x in tr if x.fired)
            cls = etruth.get(first.raw.event_id, ("?",))[0]
            cause = f"{'+'.join(sorted(set(first.fired)))} on a {cls} contact"
            fp_cause[cause][0] += 1
            fp_dims["journey"][lab.journey][0] += 1
            fp_dims["lang"][lang][0] += 1
            fp_dims["channel"][first.raw.channel.value][0] += 1
            if len(shown_fp) < examples:
                shown_fp.append(f"  FP {cid} {lab.journey} [{cause}]\n" + _lines(tr, etruth))
    print("-- truly negative contacts as scored (lang/channel): n, <= negative_threshold, <= very_negative, unscored")
    _table("lang/channel", ev_neg, ("n", "negative", "very", "unscored"))
    print(f"-- misses (FN) {sum(v[0] for v in fn_cause.values())}")
    _table("cause", fn_cause, ("n",))
    for dim, counts in fn_dims.items():
        _table(dim if dim != "channel" else "channel (negative contacts)", counts, ("n",))
    print(f"-- false alarms (FP) {sum(v[0] for v in fp_cause.values())}")
    _table("cause", fp_cause, ("n",))
    for dim, counts in fp_dims.items():
        _table(dim if dim != "channel" else "channel (opening contact)", counts, ("n",))
    if shown:
        print("-- examples of misses")
        print("\n".join(shown))
    if shown_fp:
        print("-- examples of false alarms")
        print("\n".join(shown_fp))


def _lines(tr: list[Traced], etruth: EventTruth) -> str:
    return "\n".join(
        f"     {etruth.get(x.raw.event_id, ('?',))[0]:8} {x.raw.channel.value:12} "
        f"{x.lang:3} score={x.score if x.score is None else round(x.score, 2)!s:6} "
        f"nps={x.raw.nps} stars={x.raw.stars} fired={','.join(x.fired)} cues={','.join(x.cues)} "
        f"aspects={','.join(x.aspects)} | {(x.raw.text or '').replace(chr(10), ' ')[:120]}"
        for x in tr
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scorer", choices=["oracle", "pipeline", "both"], default="both")
    ap.add_argument("--noise", type=float, default=0.1, help="oracle scorer error (sentiment sd)")
    ap.add_argument("--journeys", default="own", help="'own' or MODULE:FUNCTION returning (events, labels)")
    ap.add_argument("--producers-path", default=None, help="worktree to import the producers simulator from")
    ap.add_argument("--breakdown", action="store_true", help="why each miss/false alarm: scorer or rules")
    ap.add_argument("--examples", type=int, default=0, help="with --breakdown: print this many misses")
    args = ap.parse_args(argv)
    rules = load_rules()
    if args.journeys == "producers":
        events, oracle, labels, etruth = producers_journeys(args.customers, args.seed, args.producers_path)
    else:
        events, oracle, labels = load_journeys(args.journeys, args.customers, args.seed)
        etruth = own_truth(oracle)
    scorers: list[tuple[str, Callable[[RawFeedback], ScoredFeedback]]] = []
    if args.scorer in ("oracle", "both") and oracle:
        rng = random.Random(args.seed + 1)

        def noisy(r: RawFeedback) -> ScoredFeedback:
            o = oracle[r.event_id]
            drop = args.noise / 3
            o = Oracle(
                max(-1.0, min(1.0, o.sentiment + rng.gauss(0, args.noise))),
                tuple(c for c in o.cues if rng.random() >= drop),
                tuple(a for a in o.aspects if rng.random() >= drop),
            )
            return oracle_scored(r, o)

        scorers.append((f"oracle (rules alone, noise {args.noise})", noisy))
    if args.scorer in ("pipeline", "both"):
        from streams.scoring.pipeline import score_event

        scorers.append(("pipeline (this branch's scoring stage)", lambda r: score_event(r, now=r.event_time)))
    print(f"journeys: {args.journeys}  seed {args.seed}")
    for name, fn in scorers:
        res = replay(events, fn, rules)
        report(name, labels, res)
        if args.breakdown:
            breakdown(labels, res, etruth, rules, args.examples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
