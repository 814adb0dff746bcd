"""The contract the scoring stage codes against: supported set, None for others, range, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.scoring.english import TextScore
from streams.scoring.lexicon import SCORER, SUPPORTED, VERSION, score_text
from streams.scoring.lexicon.engine import Scorer, load, load_emoji

DEV = Path(__file__).resolve().parents[3] / "data" / "dev"
SAMPLE = Path(__file__).with_name("data")


def texts_of(lang: str) -> list[str]:
    path = SAMPLE / "ta-Latn.jsonl" if lang == "ta-Latn" else DEV / f"{lang}.jsonl"
    return [json.loads(x)["text"] for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_supported_languages_and_identity() -> None:
    assert {"el", "ru", "hy", "ta", "ta-Latn"} == SUPPORTED
    assert SCORER == "ripple-lexicon"
    assert VERSION and VERSION[0].isdigit()


@pytest.mark.parametrize("lang", ["en", "de", "und", "", "EL", "ta-Latn-x"])
def test_unsupported_language_is_none_not_neutral(lang: str) -> None:
    assert score_text(lang, "Εξαιρετικό! Отлично! அருமை!") is None


@pytest.mark.parametrize("lang", sorted(SUPPORTED))
def test_compound_stays_in_range_on_every_dev_text_and_on_extremes(lang: str) -> None:
    texts = texts_of(lang)
    # piles of strong words, shouting and emoji must still normalise into [-1, 1]
    texts += [
        " ".join(texts) * 3,
        "!!!!!!!!!!",
        "😡" * 50,
        "😍" * 50,
        "",
        "   ",
        "12345",
        "ok?",
        "\u0000\ufffd",
    ]
    for t in texts:
        s = score_text(lang, t)
        assert isinstance(s, TextScore)
        assert -1.0 <= s.compound <= 1.0
        assert all(isinstance(d, str) and d for d in s.drivers)
        assert len(s.drivers) <= 12


@pytest.mark.parametrize("lang", sorted(SUPPORTED))
def test_empty_and_letterless_text_is_neutral_zero(lang: str) -> None:
    for t in ("", "   ", "...", "12:30"):
        assert score_text(lang, t) == TextScore(0.0, ())


@pytest.mark.parametrize("lang", sorted(SUPPORTED))
def test_deterministic_across_calls_and_fresh_instances(lang: str) -> None:
    texts = texts_of(lang)
    first = [score_text(lang, t) for t in texts]
    again = [score_text(lang, t) for t in reversed(texts)][::-1]
    fresh = Scorer(load(lang), load_emoji())
    assert first == again
    assert [(s.compound, s.drivers) for s in first if s] == [tuple(fresh.score(t)) for t in texts]


def test_emoji_carry_valence_in_every_language() -> None:
    for lang in SUPPORTED:
        angry = score_text(lang, "😡😡")
        happy = score_text(lang, "😍👍")
        assert angry is not None and angry.compound < -0.05
        assert happy is not None and happy.compound > 0.05


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("romba nalla", 1),
        ("product mosamilla", 1),  # negation fused into the romanised word
        ("food nalla illa", -1),
        ("Nalla product aana delivery mosam", -1),  # contrast "aana"
        ("not bad", 1),  # English inside Tanglish uses VADER's lexicon and negators
        ("worst service, time waste", -1),
        ("order innum varala, 10 days aachu", -1),
    ],
)
def test_romanised_tamil(text: str, sign: int) -> None:
    s = score_text("ta-Latn", text)
    assert s is not None and s.compound * sign > 0.05


@pytest.mark.parametrize("lang", sorted(SUPPORTED))
def test_lexicon_terms_are_unique_after_folding(lang: str) -> None:
    from streams.scoring.lexicon.engine import DATA, fold

    seen: dict[str, str] = {}
    for line in (DATA / f"{lang}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, val = line.split("\t")[:2]
        key = " ".join(fold(lang, w) for w in term.rstrip("=").split())
        assert key not in seen, f"{term!r} duplicates {seen[key]!r}"
        seen[key] = term
        assert -4.0 <= float(val) <= 4.0


def test_bad_input_never_crashes() -> None:
    import random

    rng = random.Random(4)
    alphabet = "абвгдежзαβγδεζηθԱաբգդեզ՞՜։மோசமில்லைabc !?.,…😡😍🐌\u0301\u200d\ufe0f\t\n0123456789'’-"
    for lang in SUPPORTED:
        for _ in range(300):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
            s = score_text(lang, text)
            assert s is not None and -1.0 <= s.compound <= 1.0
