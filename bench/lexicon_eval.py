"""Per-language macro-F1, confusion matrix and throughput of the ripple-lexicon scorers on tests/data/dev.

Held-out split: ids whose number ends in 2, 5 or 8 (~30%) were not looked at while tuning the lexicons
and rules; "fresh" items (appended after lexicon 0.1.0 was frozen, FROZEN_AT) were never used for tuning
either. F1 is printed on all items, on the development part, on the held-out part and on the fresh part.
Throughput is CPU time of this process (time.process_time, so other load on a shared machine distorts it
less than wall time), against two baselines measured in the same run on the same texts: plain tokenisation
(a regex split, the cheapest thing any scorer must do) and vaderSentiment's polarity_scores (which returns
0.0 for these languages, but costs what an English VADER call costs).

    /work/main/.venv/bin/python bench/lexicon_eval.py [--errors] [--lang ru] [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streams.scoring.english import analyzer as vader
from streams.scoring.lexicon import SUPPORTED, score_text

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "tests" / "data" / "dev"
# Tanglish has no dev set of 150; a 40-item sample written after its lexicon (all "fresh") lives with the tests.
SAMPLES = {"ta-Latn": ROOT / "tests" / "unit" / "scoring" / "lexicon" / "data" / "ta-Latn.jsonl"}
LABELS = ("negative", "neutral", "positive")


def label(c: float) -> str:
    return "positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral"


# Items appended after lexicon 0.1.0 was frozen (new themes: telecom, insurance, hotels, flights, furniture,
# pharmacy); never used for tuning: the strictest generalisation check.
FROZEN_AT = {"el": 183, "ru": 186, "hy": 186, "ta": 187, "ta-Latn": 0}


def held_out(item_id: str) -> bool:
    return int(item_id.rsplit("-", 1)[1]) % 10 in (2, 5, 8)


def fresh(item_id: str) -> bool:
    lang, num = item_id.rsplit("-", 1)
    return int(num) > FROZEN_AT.get(lang, 10**9)


def f1_cell(pairs: list[tuple[str, str]], width: int) -> str:
    return f"{macro_f1(pairs):{width}.3f}" if pairs else f"{'-':>{width}}"


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    f1s = []
    for lab in LABELS:
        tp = sum(1 for g, p in pairs if g == lab and p == lab)
        fp = sum(1 for g, p in pairs if g != lab and p == lab)
        fn = sum(1 for g, p in pairs if g == lab and p != lab)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(f1s) / len(f1s)


def throughput(lang: str, texts: list[str], seconds: float) -> tuple[float, float, float]:
    tok = re.compile(r"\w+")

    def run(fn: Callable[[str], object], budget: float) -> float:
        n, t0 = 0, time.process_time()
        while time.process_time() - t0 < budget:
            for t in texts:
                fn(t)
            n += len(texts)
        return n / (time.process_time() - t0)

    score_text(lang, texts[0])  # warm the data load (once per process) out of the measurement
    return (
        run(lambda t: score_text(lang, t), seconds),
        run(tok.findall, seconds / 2),
        run(vader().polarity_scores, seconds / 2),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lang", action="append")
    ap.add_argument("--errors", action="store_true", help="print misclassified development items")
    ap.add_argument("--heldout-errors", action="store_true", help="also print held-out misclassifications")
    ap.add_argument("--seconds", type=float, default=1.0)
    args = ap.parse_args()
    langs = args.lang or sorted(SUPPORTED)
    print(
        f"{'lang':4} {'n':>4} {'F1 all':>7} {'F1 dev':>7} {'F1 held':>8} {'fresh':>6} {'texts/s':>9}"
        f" {'tokenise/s':>11} {'ratio':>6} {'vader/s':>8} {'x vader':>8}"
    )
    details = []
    for lang in langs:
        path = SAMPLES.get(lang, DEV / f"{lang}.jsonl")
        items = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
        rows = []
        for it in items:
            s = score_text(lang, it["text"])
            assert s is not None
            rows.append((it, s, label(s.compound)))
        allp = [(it["sentiment"], p) for it, _, p in rows]
        devp = [(it["sentiment"], p) for it, _, p in rows if not held_out(it["id"]) and not fresh(it["id"])]
        hop = [(it["sentiment"], p) for it, _, p in rows if held_out(it["id"]) and not fresh(it["id"])]
        frp = [(it["sentiment"], p) for it, _, p in rows if fresh(it["id"])]
        tps, base, vad = throughput(lang, [it["text"] for it in items], args.seconds)
        print(
            f"{lang:4} {len(items):4d} {f1_cell(allp, 7)} {f1_cell(devp, 7)} {f1_cell(hop, 8)}"
            f" {f1_cell(frp, 6)}"
            f" {tps:9.0f} {base:11.0f} {tps / base:6.3f} {vad:8.0f} {tps / vad:8.1f}"
        )
        details.append((lang, rows, allp))
    for lang, rows, allp in details:
        print(f"\n{lang} confusion (rows gold, cols predicted): {'  '.join(f'{x[:3]:>4}' for x in LABELS)}")
        for g in LABELS:
            print(f"  {g:9}" + "".join(f"{sum(1 for a, p in allp if a == g and p == q):6d}" for q in LABELS))
        if args.errors or args.heldout_errors:
            for it, s, p in rows:
                shown = args.heldout_errors or not (held_out(it["id"]) or fresh(it["id"]))
                if p != it["sentiment"] and shown:
                    print(
                        f"  {it['id']} gold={it['sentiment'][:3]} got={p[:3]} {s.compound:+.3f}"
                        f" {it['text'][:110]}  {list(s.drivers)[:6]}"
                    )


if __name__ == "__main__":
    main()
