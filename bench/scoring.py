"""Benchmark the whole scoring stage (detect, redact, score, fuse, aspects, cues) on one core.

Mixed-language short feedback (en, el, ru, hy, ta, plus some German/Ukrainian that must come out
'unscored', some PII) is scored by ``score_event``; plain vaderSentiment's ``polarity_scores`` on the same
texts is timed in the same run as the baseline. Prints texts/s, the ratio to VADER, and the RSS of
the process (the stage is the only thing loaded besides the interpreter).

Targets (issue 4): >= 5,000 texts/s, RSS <= 300 MB.

Run: /work/main/.venv/bin/python bench/scoring.py [--n 20000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ripple.contracts import RawFeedback
from streams.scoring import english
from streams.scoring.pipeline import score_event

TEXTS = [
    "Parcel never arrived and nobody answers the phone. Never again!",
    "Great service, thanks a lot :)",
    "Where is my order 4482913375? It was due on Monday.",
    "Kept me on hold for 40 minutes then hung up. Call me on +44 7911 123456",
    "You're all idiots, I pay your salary!!!",
    "Το δέμα δεν ήρθε ποτέ, απαράδεκτο.",
    "Ευχαριστώ πολύ, πολύ ευγενικός υπάλληλος!",
    "Παρακαλώ καλέστε με στο 6971234567",
    "Где мой заказ? Жду уже неделю.",
    "Спасибо, всё отлично, курьер вежливый.",
    "Супер, посылка шла три недели. Браво!",
    "Առաքումը ուշացավ երեք օր։",
    "Շնորհակալություն, հիանալի սպասարկում։",
    "டெலிவரி மிகவும் தாமதம், மோசமான சேவை.",
    "அருமையான சாப்பாடு, நன்றி!",
    "Bro order varala, romba mosam",
    "Wo ist meine Bestellung? Ich warte seit zwei Wochen.",
    "Де моє замовлення? Чекаю два тижні.",
    "The price was 49.95 and you charged my card 4111 1111 1111 1111 twice",
    "ok",
]


ROOT = Path(__file__).resolve().parents[1]
PII_SHARE = 0.05
"""Share of texts carrying personal data (phone/email/card/IBAN), drawn from tests/data/pii."""


DEV_DIR = ROOT / "tests/data/dev"


def corpus() -> list[str]:
    """Distinct realistic texts: the development sets present (en, el, ru, hy, ta), the PII corpus, and the
    fixed mix above (incl. German/Ukrainian that must come out unscored). Nothing is cached per text in
    the stage, but a corpus of only a few texts would still flatter CPU caches, so use them all."""
    texts = list(TEXTS)
    for path in sorted(DEV_DIR.glob("*.jsonl")):
        texts += [orjson.loads(line)["text"] for line in path.read_bytes().splitlines() if line.strip()]
    return texts


def pii_texts() -> list[str]:
    path = ROOT / "tests/data/pii/pii.jsonl"
    return [orjson.loads(line)["text"] for line in path.read_bytes().splitlines() if line.strip()]


def make_events(n: int, seed: int = 7) -> list[RawFeedback]:
    rng = random.Random(seed)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    texts, pii = corpus(), pii_texts()
    return [
        RawFeedback(
            event_id=f"b{i}",
            customer_id=f"c{i % 97}",
            channel=rng.choice(["chat", "email", "review"]),
            event_time=now,
            text=rng.choice(pii if rng.random() < PII_SHARE else texts),
            stars=rng.choice([None, None, 1, 3, 5]),
        )
        for i in range(n)
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000, help="texts to score (default 20,000: a few seconds)")
    ap.add_argument("--profile", action="store_true", help="print the top cProfile entries of the stage")
    ap.add_argument("--dev-dir", type=Path, default=DEV_DIR, help="development sets to draw texts from")
    args = ap.parse_args()
    globals()["DEV_DIR"] = args.dev_dir

    events = make_events(args.n)
    for ev in events[:200]:  # warm-up: build lingua detector, compile taxonomies, load lexicons
        score_event(ev)
    plain = english.plain_analyzer()

    t0 = time.perf_counter()
    for ev in events:
        plain.polarity_scores(ev.text)
    vader_s = time.perf_counter() - t0

    prof = cProfile.Profile() if args.profile else None
    if prof:
        prof.enable()
    t0 = time.perf_counter()
    for ev in events:
        score_event(ev)
    stage_s = time.perf_counter() - t0
    if prof:
        prof.disable()

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stage_rate = args.n / stage_s
    vader_rate = args.n / vader_s
    print(
        f"texts: {args.n} drawn from {len(corpus())} distinct short texts (en/el/ru/hy/ta/de/uk) "
        f"+ {PII_SHARE:.0%} from the PII corpus"
    )
    print(f"stage (detect+redact+score+fuse+aspects+cues): {stage_rate:,.0f} texts/s  (target >= 5,000)")
    print(f"plain vaderSentiment polarity_scores:          {vader_rate:,.0f} texts/s")
    print(f"ratio stage/vader: {stage_rate / vader_rate:.2f}")
    print(f"max RSS: {rss_mb:.0f} MB  (target <= 300)")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
