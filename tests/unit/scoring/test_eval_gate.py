"""Quality gate: the acceptance targets of issue 4 on the development sets and the VADER gold data."""

from pathlib import Path

import pytest

from streams.scoring.evaluate import LANGS, gold_regression, run

DEV = Path(__file__).parents[2] / "data" / "dev"
GOLD = (
    next(
        p
        for p in (Path(__file__).resolve().parents[4] / "shared", Path("/work/shared"))
        if (p / "data" / "vader_gold").is_dir()
    )
    / "data"
    / "vader_gold"
)


@pytest.fixture(scope="module")
def results() -> dict:  # type: ignore[type-arg]
    return run(DEV, None, LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_macro_f1_at_least_080(results: dict, lang: str) -> None:  # type: ignore[type-arg]
    r = results["languages"][lang]
    assert r is not None, f"no development set for {lang}"
    assert r["macro_f1"] >= 0.80, (lang, r["macro_f1"], r["unscored"])


@pytest.mark.parametrize("lang", LANGS)
def test_abuse_recall_and_false_flags(results: dict, lang: str) -> None:  # type: ignore[type-arg]
    r = results["languages"][lang]
    assert r is not None
    assert r["abuse_recall"] >= 0.90 and r["abuse_false_flag_rate"] <= 0.05


def test_english_no_worse_than_vader_on_gold() -> None:
    g = gold_regression(GOLD)
    assert set(g) == {"tweets", "amazon"}
    for name, m in g.items():
        assert m["ours_r"] >= m["plain_r"] and m["ours_f1"] >= m["plain_f1"], (name, m)
