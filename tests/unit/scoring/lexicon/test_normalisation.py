"""Inflections, accents, Armenian punctuation, glued words and Latin brand names inside other scripts."""

from __future__ import annotations

import pytest

from streams.scoring.lexicon import score_text, scorer_for


def c(lang: str, text: str) -> float:
    s = score_text(lang, text)
    assert s is not None
    return s.compound


@pytest.mark.parametrize(
    ("lang", "forms", "sign"),
    [
        ("ru", ["ужасный", "ужасная", "ужасное", "ужасные", "ужасно", "ужасного"], -1),
        ("ru", ["отличный", "отличная", "отличное", "отличными", "отлично"], 1),
        ("el", ["απαράδεκτος", "απαράδεκτη", "απαράδεκτο", "απαράδεκτοι", "απαράδεκτων"], -1),
        ("el", ["ευχαριστημένος", "ευχαριστημένη", "ευχαριστημένοι", "ευχαριστημένες"], 1),
        ("hy", ["լավ", "լավը", "լավն", "լավագույնը", "լավագույն"], 1),
        ("hy", ["սարսափելի", "սարսափելին", "սարսափելիորեն"], -1),
        ("ta", ["மோசம்", "மோசமான", "மோசமாக", "மோசமா"], -1),
        ("ta", ["அருமை", "அருமையான", "அருமையாக"], 1),
    ],
)
def test_inflected_forms_match_the_lexicon(lang: str, forms: list[str], sign: int) -> None:
    for f in forms:
        assert c(lang, f) * sign > 0.05, f


def test_greek_accents_case_and_final_sigma_fold() -> None:
    base = c("el", "απαράδεκτος")
    assert c("el", "απαραδεκτος") == base  # typed without accents
    assert c("el", "Απαράδεκτος") == base
    assert c("el", "απαράδεκτοσ") == base  # medial sigma at the end, as some keyboards produce


def test_russian_yo_folds_to_ye() -> None:
    assert c("ru", "Всё отлично") == c("ru", "Все отлично")
    assert c("ru", "Надёжный") == c("ru", "Надежный") > 0.05


def test_armenian_punctuation_inside_words_is_stripped() -> None:
    scorer = scorer_for("hy")
    assert scorer.tokens("Ե՞րբ") == ["Երբ"]
    assert scorer.tokens("Հիանալի՜ է։") == ["Հիանալի", "!", "է", "."]
    assert scorer.tokens("լա՛վ") == ["լավ"]
    assert c("hy", "Սարսափելի՜ է։") < c("hy", "Սարսափելի է") < -0.05  # ՜ is an exclamation
    assert c("hy", "Ինչու՞ է այդքան թանկ") == c("hy", "Ինչու է այդքան թանկ")


def test_armenian_full_stop_ends_negation_scope() -> None:
    # "չեմ ստացել։" closes the sentence; the praise after it is not negated
    assert c("hy", "Լավ է։") > 0.05
    assert c("hy", "Պատվերը չեմ ստացել։ Օպերատորը քաղաքավարի էր։") > c("hy", "Պատվերը չեմ ստացել։")


def test_glued_words_and_latin_brands_split_by_script() -> None:
    assert scorer_for("hy").tokens("Bankingը") == ["Banking", "ը"]
    assert scorer_for("el").tokens("ΚαλόΑλλά") == ["Καλό", "Αλλά"]
    assert c("hy", "Samsung-ը հիանալի է") > 0.05
    assert c("el", "Το iPhone είναι άψογο") > 0.05
    assert c("hy", "Ձեր Mobile Bankingը չի աշխատում") < -0.05


def test_tamil_letters_with_vowel_signs_stay_one_token() -> None:
    assert scorer_for("ta").tokens("மோசமில்லை, சூப்பர்!") == ["மோசமில்லை", ",", "சூப்பர்", "!"]
