"""``ripple eval``: how good is the scoring stage, next to plain vaderSentiment on the same data.

* Development sets tests/data/dev/{en,el,ru,hy,ta}.jsonl (labelled by hand for sentiment, aspects
  and cues): per-language 3-class macro-F1 and confusion matrix of the full stage (detect, redact,
  score, fuse ratings) versus plain VADER on the text; precision/recall of the abuse and
  churn_threat cues; share of non-abusive complaints wrongly flagged as abuse; aspect micro P/R.
* English regression on the VADER paper's gold data (tweets, Amazon snippets): Pearson r of the
  compound against the human mean and 3-class macro-F1 (+-0.05 on the compound, +-0.05 on the human
  mean scaled to [-1, 1]), ours vs plain VADER.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from ripple.contracts import RawFeedback
from streams.scoring import english
from streams.scoring.pipeline import label_for, score_event

LANGS = ("en", "el", "ru", "hy", "ta")
CLASSES = ("negative", "neutral", "positive")
PRED_CLASSES = (*CLASSES, "unscored")
GOLD_FILES = {"tweets": "tweets_GroundTruth.txt", "amazon": "amazonReviewSnippets_GroundTruth.txt"}
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def macro_f1(gold: list[str], pred: list[str], classes: tuple[str, ...] = CLASSES) -> float:
    scores = []
    for c in classes:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p != c)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(scores) / len(scores)


def confusion(gold: list[str], pred: list[str]) -> dict[str, dict[str, int]]:
    out = {g: dict.fromkeys(PRED_CLASSES, 0) for g in CLASSES}
    for g, p in zip(gold, pred, strict=True):
        out[g][p] += 1
    return out


def pr(gold: list[bool], pred: list[bool]) -> tuple[float, float, int]:
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g and p)
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if p and not g)
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if g and not p)
    return (tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0, tp + fn)


@dataclass
class LangResult:
    lang: str
    n: int
    macro_f1: float
    baseline_macro_f1: float
    confusion: dict[str, dict[str, int]]
    baseline_confusion: dict[str, dict[str, int]]
    unscored: int
    abuse_precision: float
    abuse_recall: float
    abuse_support: int
    abuse_false_flag_rate: float
    churn_precision: float
    churn_recall: float
    churn_support: int
    aspect_precision: float
    aspect_recall: float
    errors: list[dict[str, Any]] = field(default_factory=list)


def load_dev(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def _raw(item: dict[str, Any], i: int) -> RawFeedback:
    return RawFeedback(
        event_id=f"eval-{i}",
        customer_id="eval",
        channel=item.get("channel", "chat"),
        event_time=_EPOCH,
        text=item["text"],
        stars=item.get("stars"),
        csat=item.get("csat"),
        nps=item.get("nps"),
    )


def evaluate_lang(lang: str, items: list[dict[str, Any]]) -> LangResult:
    gold, pred, base = [], [], []
    abuse_g, abuse_p, churn_g, churn_p = [], [], [], []
    complaint_flags = []
    a_tp = a_fp = a_fn = 0
    errors = []
    for i, item in enumerate(items):
        scored = score_event(_raw(item, i), now=_EPOCH)
        g = item["sentiment"]
        p = scored.label.value
        gold.append(g)
        pred.append(p)
        base.append(label_for(english.score_plain(item["text"])).value)
        gc, pc = set(item.get("cues", ())), set(scored.cues)
        abuse_g.append("abuse" in gc)
        abuse_p.append("abuse" in pc)
        churn_g.append("churn_threat" in gc)
        churn_p.append("churn_threat" in pc)
        if g == "negative" and "abuse" not in gc:
            complaint_flags.append("abuse" in pc)
        ga, pa = set(item.get("aspects", ())), set(scored.aspects)
        a_tp += len(ga & pa)
        a_fp += len(pa - ga)
        a_fn += len(ga - pa)
        if g != p or ("abuse" in gc) != ("abuse" in pc) or ("churn_threat" in gc) != ("churn_threat" in pc):
            errors.append(
                {
                    "id": item.get("id"),
                    "text": item["text"],
                    "gold": g,
                    "pred": p,
                    "sentiment": scored.sentiment,
                    "satisfaction": scored.satisfaction,
                    "gold_cues": sorted(gc),
                    "pred_cues": sorted(pc),
                    "drivers": list(scored.drivers),
                }
            )
    ap, ar, an = pr(abuse_g, abuse_p)
    cp, cr, cn = pr(churn_g, churn_p)
    return LangResult(
        lang=lang,
        n=len(items),
        macro_f1=macro_f1(gold, pred),
        baseline_macro_f1=macro_f1(gold, base),
        confusion=confusion(gold, pred),
        baseline_confusion=confusion(gold, base),
        unscored=sum(1 for p in pred if p == "unscored"),
        abuse_precision=ap,
        abuse_recall=ar,
        abuse_support=an,
        abuse_false_flag_rate=sum(complaint_flags) / len(complaint_flags) if complaint_flags else 0.0,
        churn_precision=cp,
        churn_recall=cr,
        churn_support=cn,
        aspect_precision=a_tp / (a_tp + a_fp) if a_tp + a_fp else 0.0,
        aspect_recall=a_tp / (a_tp + a_fn) if a_tp + a_fn else 0.0,
        errors=errors,
    )


def _gold_label(x: float, band: float = 0.05) -> str:
    return "positive" if x >= band else "negative" if x <= -band else "neutral"


def gold_regression(gold_dir: Path) -> dict[str, dict[str, float]]:
    out = {}
    for name, fname in GOLD_FILES.items():
        path = gold_dir / fname
        if not path.exists():
            continue
        rows = [
            ln.split("\t", 2)
            for ln in path.read_text(encoding="utf-8", errors="replace").splitlines()
            if ln.strip()
        ]
        human = [float(r[1]) for r in rows]
        texts = [r[2] for r in rows]
        plain = [english.score_plain(t) for t in texts]
        ours = [english.score_english(t).compound for t in texts]
        g = [_gold_label(h / 4) for h in human]
        out[name] = {
            "n": len(rows),
            "plain_r": statistics.correlation(human, plain),
            "ours_r": statistics.correlation(human, ours),
            "plain_f1": macro_f1(g, [_gold_label(x) for x in plain]),
            "ours_f1": macro_f1(g, [_gold_label(x) for x in ours]),
        }
    return out


def run(dev_dir: Path, gold_dir: Path | None, langs: tuple[str, ...] = LANGS) -> dict[str, Any]:
    results: dict[str, Any] = {"languages": {}, "gold": {}}
    all_abuse_g: list[bool] = []
    for lang in langs:
        path = dev_dir / f"{lang}.jsonl"
        if not path.exists():
            results["languages"][lang] = None
            continue
        results["languages"][lang] = asdict(evaluate_lang(lang, load_dev(path)))
        all_abuse_g.append(True)
    if gold_dir is not None:
        results["gold"] = gold_regression(gold_dir)
    return results


def _pct(x: float) -> str:
    return f"{x:.3f}"


def render(results: dict[str, Any], show_errors: int = 0) -> str:
    lines = [
        "Sentiment (3-class macro-F1) and cues on the development sets; baseline = plain vaderSentiment",
        "",
    ]
    lines.append(
        f"{'lang':<5}{'n':>5}{'F1':>8}{'vader':>8}{'unscored':>10}{'abuse P':>9}{'abuse R':>9}"
        f"{'flag%':>7}{'churn P':>9}{'churn R':>9}{'aspect P':>10}{'aspect R':>10}"
    )
    for lang, r in results["languages"].items():
        if r is None:
            lines.append(f"{lang:<5}  (no development set)")
            continue
        lines.append(
            f"{lang:<5}{r['n']:>5}{_pct(r['macro_f1']):>8}{_pct(r['baseline_macro_f1']):>8}{r['unscored']:>10}"
            f"{_pct(r['abuse_precision']):>9}{_pct(r['abuse_recall']):>9}"
            f"{100 * r['abuse_false_flag_rate']:>6.1f}%"
            f"{_pct(r['churn_precision']):>9}{_pct(r['churn_recall']):>9}"
            f"{_pct(r['aspect_precision']):>10}{_pct(r['aspect_recall']):>10}"
        )
    lines.append(
        "(vader baseline has no cues: its abuse/churn recall is 0; flag% = non-abusive complaints flagged)"
    )
    for lang, r in results["languages"].items():
        if r is None:
            continue
        lines.append("")
        lines.append(f"{lang}: confusion (rows gold, cols predicted)       | plain vader")
        lines.append(
            f"{'':<10}"
            + "".join(f"{c[:8]:>9}" for c in PRED_CLASSES)
            + "   |"
            + "".join(f"{c[:8]:>9}" for c in CLASSES)
        )
        for g in CLASSES:
            lines.append(
                f"{g:<10}"
                + "".join(f"{r['confusion'][g][p]:>9}" for p in PRED_CLASSES)
                + "   |"
                + "".join(f"{r['baseline_confusion'][g][p]:>9}" for p in CLASSES)
            )
        for e in r["errors"][:show_errors]:
            lines.append(
                f"   x {e['id']} gold={e['gold']} pred={e['pred']} s={e['sentiment']} cues={e['gold_cues']}"
                f"->{e['pred_cues']} {e['text'][:90]}"
            )
    if results["gold"]:
        lines.append("")
        lines.append("English regression on VADER gold data (ours = vader + customer-service extension)")
        lines.append(f"{'set':<8}{'n':>6}{'r vader':>9}{'r ours':>9}{'F1 vader':>10}{'F1 ours':>9}")
        for name, g in results["gold"].items():
            lines.append(
                f"{name:<8}{g['n']:>6}{g['plain_r']:>9.4f}{g['ours_r']:>9.4f}{g['plain_f1']:>10.4f}"
                f"{g['ours_f1']:>9.4f}"
            )
    return "\n".join(lines)
