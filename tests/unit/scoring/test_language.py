import pytest

from streams.scoring.language import detect_language


@pytest.mark.parametrize(
    ("text", "code", "reliable"),
    [
        ("Where is my order? I have waited two weeks already.", "en", True),
        ("Το δέμα δεν ήρθε ποτέ", "el", True),
        ("Առաքումը ուշացավ երեք օր", "hy", True),
        ("டெலிவரி மிகவும் தாமதம்", "ta", True),
        ("Вы издеваетесь? Где мой заказ?", "ru", True),
        ("Wo ist meine Bestellung? Ich warte seit zwei Wochen.", "de", True),
        ("Де моє замовлення? Чекаю два тижні", "uk", True),
        ("Къде е поръчката ми? Чакам две седмици", "bg", True),
        ("Thanks!", "en", False),
        ("12345 !!!", "und", False),
    ],
)
def test_routes_by_script_then_lingua(text: str, code: str, reliable: bool) -> None:
    lang = detect_language(text)
    assert (lang.code, lang.reliable) == (code, reliable)


def test_tanglish_is_romanised_tamil() -> None:
    lang = detect_language("Bro order varala, romba mosam")
    assert lang.code == "ta" and lang.romanised and not lang.reliable


def test_email_does_not_flip_script() -> None:
    assert detect_language("Το email μου είναι giorgos.papadopoulos@gmail.com").code == "el"
