import pytest

from streams.scoring.ratings import fuse, nps_score, rating_score, stars_score
from streams.scoring.taxonomy import find, shouting_at_someone


def test_normalisation() -> None:
    assert (stars_score(1), stars_score(3), stars_score(5)) == (-1.0, 0.0, 1.0)
    assert nps_score(0) == -1.0 and nps_score(10) == 1.0 and nps_score(7) < 0 < nps_score(9)
    assert rating_score(None, None, None) is None
    assert rating_score(5, 1, None) == 0.0


def test_fusion_sarcasm_resolves_toward_rating() -> None:
    f = fuse(0.8, stars_score(1))
    assert f.sarcasm and f.satisfaction is not None and f.satisfaction < -0.5
    agree = fuse(0.6, stars_score(5))
    assert not agree.sarcasm and agree.satisfaction == pytest.approx(0.8)
    assert fuse(None, 0.5).satisfaction == 0.5 and fuse(-0.3, None).satisfaction == -0.3


@pytest.mark.parametrize(
    ("text", "lang", "aspect"),
    [
        ("The courier left it in the rain", "en", "delivery"),
        ("Καθυστέρηση στην παράδοση", "el", "delivery"),
        ("Доставку задержали", "ru", "delivery"),
        ("Առաքումը ուշացավ", "hy", "delivery"),
        ("டெலிவரி தாமதம்", "ta", "delivery"),
        ("Списали деньги дважды", "ru", "billing"),
    ],
)
def test_aspects_in_five_languages(text: str, lang: str, aspect: str) -> None:
    found = find(text, lang)
    assert aspect in found.aspects and any(e.startswith(aspect + ":") for e in found.evidence)


@pytest.mark.parametrize(
    ("text", "lang", "cue"),
    [
        ("You're all idiots, I pay your salary!!!", "en", "abuse"),
        ("Вы все идиоты, я вам зарплату плачу!!!", "ru", "abuse"),
        ("Είστε όλοι ηλίθιοι", "el", "abuse"),
        ("Ապուշներ եք բոլորդ", "hy", "abuse"),
        ("நீங்க எல்லாரும் முட்டாள்கள்", "ta", "abuse"),
        ("Never buying from you again, I'm going to your competitor", "en", "churn_threat"),
        ("I'll post this everywhere on social media", "en", "public_threat"),
        ("You promised a callback", "en", "broken_promise"),
        ("My order was too small for you to bother", "en", "insignificance"),
    ],
)
def test_cues(text: str, lang: str, cue: str) -> None:
    assert cue in find(text, lang).cues


def test_reported_insult_is_not_abuse() -> None:
    assert "abuse" not in find("The saleswoman talked to me like I was an idiot.", "en").cues
    assert "abuse" not in find("Τα δώρα άχρηστα πια.", "el").cues


def test_shouting_needs_an_addressee() -> None:
    assert shouting_at_someone("YOU PEOPLE DON'T KNOW HOW TO WORK")
    assert not shouting_at_someone("I AM STILL WAITING FOR MY PARCEL")


@pytest.mark.parametrize(
    ("text", "lang"),
    [("Arrived earlier than promised, thanks!", "en"), ("Всё пришло, как и обещали.", "ru")],
)
def test_promise_kept_is_not_broken_promise(text: str, lang: str) -> None:
    assert "broken_promise" not in find(text, lang).cues


def test_reported_accusation_is_not_abuse() -> None:
    assert "abuse" not in find("Охранник обращался со мной как с вором.", "ru").cues
    assert "churn_threat" in find("Ноги моей больше там не будет.", "ru").cues
