"""VADER-style rules in each language: negation (incl. fused), contrast, boosters, emphasis, sarcasm."""

from __future__ import annotations

import pytest

from streams.scoring.lexicon import score_text
from streams.scoring.lexicon.engine import Scorer, load, load_emoji


def c(lang: str, text: str) -> float:
    s = score_text(lang, text)
    assert s is not None
    return s.compound


def drivers(lang: str, text: str) -> tuple[str, ...]:
    s = score_text(lang, text)
    assert s is not None
    return s.drivers


# (lang, positive phrase, the same negated, negative phrase, the same negated)
NEGATION = [
    ("el", "Είναι καλό", "Δεν είναι καλό", "Είναι κακό", "Δεν είναι κακό"),
    ("ru", "Это хорошо", "Это не хорошо", "Это плохо", "Это не плохо"),
    ("hy", "Լավ է", "Լավ չէ", "Վատ է", "Վատ չէ"),
    ("ta", "நல்லா இருக்கு", "நல்லா இல்லை", "மோசம்", "மோசம் இல்லை"),
]


@pytest.mark.parametrize(("lang", "pos", "pos_neg", "neg", "neg_neg"), NEGATION)
def test_negation_flips_polarity(lang: str, pos: str, pos_neg: str, neg: str, neg_neg: str) -> None:
    assert c(lang, pos) > 0.05
    assert c(lang, pos_neg) < -0.05
    assert c(lang, neg) < -0.05
    assert c(lang, neg_neg) > 0.05
    # "not bad" is weaker praise than "bad" is blame (VADER's -0.74 scalar)
    assert abs(c(lang, neg_neg)) < abs(c(lang, neg))


def test_russian_glued_and_contrasted_negation() -> None:
    assert c("ru", "Неплохо") > 0.05
    assert c("ru", "Недорого и удобно") > 0.05
    assert c("ru", "Невкусно") < -0.05
    s = score_text("ru", "Не плохо, а отлично!")
    assert s is not None and s.compound > c("ru", "Не плохо")
    assert "¬плохо->+" in s.drivers and "rule:contrast" in s.drivers


def test_negation_scope_stops_at_punctuation() -> None:
    # the comma ends the scope: "отлично" is not negated by the "не" of the first clause
    assert c("ru", "Не спорю, отлично") > 0.05


def test_negative_concord_is_not_double_negation() -> None:
    assert c("ru", "Никто не отвечает") < -0.05
    assert c("el", "Κανείς δεν απαντάει, απαράδεκτο") < -0.05


def test_neither_nor_is_lukewarm() -> None:
    assert abs(c("ru", "Ни хорошо, ни плохо")) < 0.05
    assert abs(c("el", "Ούτε καλό ούτε κακό")) < 0.05


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("மோசமில்லை", 1),  # not bad: negation fused into the word
        ("சுவையில்லை", -1),  # tasteless ("no taste")
        ("நியாயமில்லை", -1),  # not fair
        ("பிரச்சனையில்லை", 1),  # no problem
        ("இனிமேல் வாங்க மாட்டேன்", -1),  # won't buy any more
        ("வாங்கமாட்டேன்", -1),  # the same, written fused
        ("ஆர்டர் இன்னும் வரவில்லை", -1),  # the order still has not come: a negated event
        ("டெலிவரி லேட் ஆனால் பொருள் மோசமில்லை", 1),  # contrast, then "not bad"
    ],
)
def test_tamil_fused_negation(text: str, sign: int) -> None:
    assert c("ta", text) * sign > 0.05


def test_tamil_fused_negation_reported_as_driver() -> None:
    assert any(d.startswith("மோசமில்லை->+") for d in drivers("ta", "மோசமில்லை"))


def test_armenian_negation_before_verbs_and_glued() -> None:
    assert c("hy", "Գոհ չեմ") < -0.05  # predicate + negative auxiliary
    assert c("hy", "Պատվերը չեմ ստացել") < -0.05  # auxiliary before the verb: unmet event
    assert c("hy", "Ոչնչով չօգնեցին") < -0.05  # "չ" glued to "help"
    assert c("hy", "Չափսը M է") == 0.0  # "չափ" (size) only looks like a negation


# (lang, "A but B" with B negative, "A but B" with B positive)
CONTRAST = [
    (
        "el",
        "Το προϊόν είναι καλό αλλά η παράδοση απαράδεκτη",
        "Η παράδοση απαράδεκτη αλλά το προϊόν είναι καλό",
    ),
    ("ru", "Товар хороший, но доставка ужасная", "Доставка ужасная, но товар хороший"),
    ("hy", "Ապրանքը լավն է, բայց առաքումը սարսափելի էր", "Առաքումը սարսափելի էր, բայց ապրանքը լավն է"),
    ("ta", "பொருள் நல்லா இருக்கு ஆனால் டெலிவரி மோசம்", "டெலிவரி மோசம் ஆனால் பொருள் நல்லா இருக்கு"),
]


@pytest.mark.parametrize(("lang", "then_bad", "then_good"), CONTRAST)
def test_contrast_weights_the_clause_after_but(lang: str, then_bad: str, then_good: str) -> None:
    assert c(lang, then_bad) < -0.05
    assert c(lang, then_good) > 0.05
    assert "rule:contrast" in drivers(lang, then_bad)


# (lang, word, boosted, dampened)
BOOST = [
    ("el", "Καλό", "Πολύ καλό", "Λίγο καλό"),
    ("ru", "Хорошо", "Очень хорошо", "Немного хорошо"),
    ("hy", "Լավ է", "Շատ լավ է", "Քիչ լավ է"),
    ("ta", "நல்லா இருக்கு", "ரொம்ப நல்லா இருக்கு", "கொஞ்சம் நல்லா இருக்கு"),
]


@pytest.mark.parametrize(("lang", "plain", "boosted", "damped"), BOOST)
def test_intensifiers_and_diminishers(lang: str, plain: str, boosted: str, damped: str) -> None:
    assert c(lang, boosted) > c(lang, plain) > c(lang, damped) > 0.05


def test_boosters_strengthen_negative_words_too() -> None:
    assert c("ru", "Очень плохо") < c("ru", "Плохо") < 0


def test_exclamation_and_capitals_amplify() -> None:
    assert c("ru", "Плохо!!!") < c("ru", "Плохо") < 0
    assert c("el", "Αυτό είναι ΑΠΑΡΑΔΕΚΤΟ") < c("el", "Αυτό είναι απαράδεκτο") < 0
    # a whole text in capitals is not emphasis word by word (VADER's rule), but still matches the lexicon
    assert c("el", "ΑΥΤΟ ΕΙΝΑΙ ΑΠΑΡΑΔΕΚΤΟ") == c("el", "αυτο ειναι απαραδεκτο")


@pytest.mark.parametrize(
    ("lang", "sarcastic", "sincere"),
    [
        ("ru", "Браво, посылка шла три недели! 🐌", "Браво, пришло за один день!"),
        ("el", "Μπράβο, δέκα μέρες για ένα δέμα!", "Μπράβο, ήρθε την επόμενη μέρα!"),
        ("hy", "Բրավո, ծանրոցը 20 օր եկավ", "Բրավո, հաջորդ օրը եկավ"),
        ("ta", "அருமை! பார்சல் வர 20 நாள் ஆச்சு", "அருமை! அடுத்த நாளே வந்தது"),
    ],
)
def test_praise_beside_complaint_evidence_is_flagged_as_sarcasm(lang: str, sarcastic: str, sincere: str) -> None:
    s = score_text(lang, sarcastic)
    assert s is not None and s.compound < -0.05 and "rule:sarcasm?" in s.drivers
    t = score_text(lang, sincere)
    assert t is not None and t.compound > 0.05 and "rule:sarcasm?" not in t.drivers


def test_mixed_feelings_with_contrast_are_not_sarcasm() -> None:
    assert "rule:sarcasm?" not in drivers("ru", "Отлично сидит, но доставка ужасная")


def test_long_waits_are_complaint_evidence_short_ones_are_not() -> None:
    assert "rule:long_wait" in drivers("ru", "Жду уже три недели")
    assert "rule:long_wait" not in drivers("ru", "Решили за пять минут, спасибо")
    assert "rule:long_wait" in drivers("el", "Σαράντα λεπτά στην αναμονή")


def test_elongated_words_match() -> None:
    assert c("ru", "Суууупер") == c("ru", "Супер")
    assert c("hy", "շաաատ լավ") == c("hy", "շատ լավ")


def test_lexicon_files_load_for_every_language() -> None:
    emoji = load_emoji()
    assert len(emoji) > 100
    for lang in ("el", "ru", "hy", "ta"):
        lex = load(lang)
        assert len(lex.exact) + len(lex.prefixes) + len(lex.phrases) > 150
        assert lex.contrast and lex.boosters and (lex.negators or lex.negsuffixes)
        assert Scorer(lex, emoji).score("").compound == 0.0
