"""Builds the PII acceptance corpora (pii.jsonl, clean.jsonl) deterministically.

Why generated: every phone, card and IBAN must be *valid* (libphonenumber numbering plans, Luhn,
mod-97) or the test proves nothing, and hand-typing 200 valid numbers is error-prone. The sentences
are hand-written customer messages in en, el, ru, hy, ta; the personal data is drawn in the formats
customers really type (national and international, spaces, dashes, brackets).

pii.jsonl:   {"id","lang","text","pii":[{"type","value"}]}  -- every value must be gone after redaction.
clean.jsonl: {"id","lang","text"}                           -- nothing may be redacted (order numbers,
             prices, dates, percentages, tracking codes, quantities).

Run: /work/main/.venv/bin/python tests/data/pii/build.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import phonenumbers
from stdnum import iban as stdiban

HERE = Path(__file__).parent
rng = random.Random(20241123)


def luhn_complete(prefix: str, length: int) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    for check in "0123456789":
        digits = body + check
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = int(ch)
            if i % 2:
                d *= 2
                if d > 9:
                    d -= 9
            total += d
        if total % 10 == 0:
            return digits
    raise AssertionError


def card() -> str:
    prefix, length = rng.choice(
        [("4", 16), ("5", 16), ("2202", 16), ("37", 15), ("6", 16), ("4", 16), ("5", 16)]
    )
    d = luhn_complete(prefix, length)
    style = rng.choice(["space", "space", "dash", "none"])
    groups = [d[:4], d[4:10], d[10:]] if length == 15 else [d[i : i + 4] for i in range(0, 16, 4)]
    return {"space": " ".join(groups), "dash": "-".join(groups), "none": d}[style]


def iban(country: str | None = None) -> str:
    country = country or rng.choice(["GR", "GB", "DE", "RU", "FR", "CY", "BG"])
    bban = {
        "GR": lambda: "".join(rng.choice("0123456789") for _ in range(23)),
        "GB": lambda: (
            rng.choice(["NWBK", "BARC", "LOYD", "HBUK"])
            + "".join(rng.choice("0123456789") for _ in range(14))
        ),
        "DE": lambda: "".join(rng.choice("0123456789") for _ in range(18)),
        "RU": lambda: "".join(rng.choice("0123456789") for _ in range(29)),
        "FR": lambda: "".join(rng.choice("0123456789") for _ in range(23)),
        "CY": lambda: "".join(rng.choice("0123456789") for _ in range(24)),
        "BG": lambda: "BNBG" + "".join(rng.choice("0123456789") for _ in range(14)),
    }[country]()
    check = stdiban.calc_check_digits(country + "00" + bban)
    compact = country + check + bban
    assert stdiban.is_valid(compact), compact
    if rng.random() < 0.6:
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return compact


PHONE_SHAPES = {
    "el": [
        "+30 69{a} {b3} {c4}",
        "69{a}{b3}{c4}",
        "210 {b3}{c4}",
        "+30 210 {b3} {c4}",
        "0030 69{a} {b3}{c4}",
        "231{a} {b3}{c3}",
    ],
    "ru": [
        "+7 (9{a}{a}) {b3}-{c2}-{d2}",
        "8 9{a}{a} {b3} {c2} {d2}",
        "89{a}{a}{b3}{c2}{d2}",
        "+7 495 {b3}-{c2}-{d2}",
        "+79{a}{a}{b3}{c4}",
        "8 (812) {b3}-{c2}-{d2}",
    ],
    "hy": [
        "+374 9{a} {b3}{c3}",
        "+374 10 {b3} {c3}",
        "09{a} {b2} {c2} {d2}",
        "(010) {b2}-{c2}-{d2}",
        "+3749{a}{b3}{c3}",
        "077 {b3} {c3}",
    ],
    "ta": [
        "+91 9{a}{b3} {c4}{a}",
        "9{a}{b3} {c4}{a}",
        "+91-44-2{b3}-{c4}",
        "044 2{b3} {c4}",
        "09{a}{b3}{c4}{a}",
        "+91 8{a}{b3} {c2}{d2}{a}",
    ],
    "en": [
        "+44 7{a}{b3} {c3}{d2}{a}",
        "07{a}{b3} {c3}{d2}{a}",
        "(212) {b3}-{c4}",
        "+1 415 {b3} {c4}",
        "020 7{b3} {c4}",
        "+44 20 7{b3} {c4}",
        "415-{b3}-{c4}",
    ],
}
REGION = {"el": "GR", "ru": "RU", "hy": "AM", "ta": "IN", "en": "US"}
ALT_REGION = {"en": "GB"}


def phone(lang: str) -> str:
    for _ in range(500):
        shape = rng.choice(PHONE_SHAPES[lang])
        s = shape.format(
            a=rng.choice("123456789"),
            b2="".join(rng.choice("0123456789") for _ in range(2)),
            b3=rng.choice("2345678") + "".join(rng.choice("0123456789") for _ in range(2)),
            c2="".join(rng.choice("0123456789") for _ in range(2)),
            c3="".join(rng.choice("0123456789") for _ in range(3)),
            c4="".join(rng.choice("0123456789") for _ in range(4)),
            d2="".join(rng.choice("0123456789") for _ in range(2)),
        )
        for region in (REGION[lang], ALT_REGION.get(lang, REGION[lang])):
            try:
                if phonenumbers.is_valid_number(phonenumbers.parse(s, region)):
                    return s
            except phonenumbers.NumberParseException:
                pass
    raise AssertionError(lang)


NAMES = {
    "en": ["james.miller", "sarah_k", "tom.o.brien", "priya.sharma84", "mike.j", "lucy-evans"],
    "el": ["giorgos.papadopoulos", "maria_k", "nikos.alexiou", "eleni.dim", "kostas1979"],
    "ru": ["ivanov.sergey", "anna_petrova", "d.smirnov", "olga1985", "kuznetsov.a"],
    "hy": ["armen.sargsyan", "ani_h", "gor.petrosyan", "lilit.mkrtchyan", "tigran88"],
    "ta": ["karthik.s", "priya_r", "senthil.kumar", "divya.m", "arun1990"],
}
DOMAINS = [
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "mail.ru",
    "yandex.ru",
    "otenet.gr",
    "mail.am",
    "rediffmail.com",
    "hotmail.co.uk",
    "company.co.in",
]


def email(lang: str) -> str:
    name = rng.choice(NAMES[lang])
    dom = rng.choice(DOMAINS)
    if rng.random() < 0.1:
        return f"{name} [at] {dom.split('.')[0]} [dot] {'.'.join(dom.split('.')[1:])}"
    return f"{name}@{dom}"


PII_TEMPLATES = {
    "en": [
        "Please call me back on {phone}, I've been waiting all day for the refund.",
        "My email is {email} - send the invoice there, not to the old address.",
        "You charged my card {card} twice for order 55120. Fix it.",
        "Refund it to my account {iban}, I don't want store credit.",
        "Courier never came. Reach me at {phone} or {email}.",
        "Hi, new number is {phone}. The old one is not in use since May.",
        "I paid with {card} on 12/03 and still no confirmation email at {email}",
        "Bank details for the refund: {iban} (name: J. Miller). Thanks",
        "Terrible. Rang {phone} three times, nobody answers. Card used: {card}",
        "pls contact {email} asap about the broken kettle, or text {phone}",
    ],
    "el": [
        "Παρακαλώ καλέστε με στο {phone}, περιμένω από το πρωί.",
        "Το email μου είναι {email}, στείλτε εκεί το τιμολόγιο.",
        "Με χρεώσατε δύο φορές στην κάρτα {card} για την παραγγελία 88412.",
        "Θέλω επιστροφή χρημάτων στον λογαριασμό {iban} και όχι πιστωτικό.",
        "Ο κούριερ δεν ήρθε ποτέ. Τηλέφωνο επικοινωνίας: {phone}, email {email}",
        "Νέο κινητό {phone}. Το παλιό δεν ισχύει.",
        "Πλήρωσα με την κάρτα {card} στις 12/03 και δεν πήρα επιβεβαίωση στο {email}",
        "IBAN για την επιστροφή: {iban}. Ευχαριστώ.",
        "Απαράδεκτο! Πήρα τρεις φορές στο {phone} και δεν σηκώνει κανείς. Κάρτα: {card}",
        "στειλτε μου στο {email} η πειτε στο {phone} για το χαλασμενο βραστηρα",
    ],
    "ru": [
        "Перезвоните мне, пожалуйста, по номеру {phone}, жду возврата с утра.",
        "Моя почта {email}, пришлите счёт туда.",
        "С карты {card} списали дважды за заказ 77431. Верните деньги!",
        "Верните деньги на счёт {iban}, бонусы мне не нужны.",
        "Курьер так и не приехал. Мой телефон {phone}, почта {email}",
        "Новый номер {phone}, старый больше не работает.",
        "Оплатил картой {card} 12.03, а подтверждения на {email} так и нет",
        "Реквизиты для возврата: {iban}. Спасибо.",
        "Безобразие! Звонил на {phone} три раза, никто не берёт трубку. Карта {card}",
        "пишите на {email} или звоните {phone} насчёт сломанного чайника",
    ],
    "hy": [
        "Խնդրում եմ զանգահարեք ինձ {phone} համարով, առավոտից սպասում եմ։",
        "Իմ էլ. փոստը {email} է, հաշիվը այնտեղ ուղարկեք։",
        "Իմ {card} քարտից երկու անգամ գանձել եք 66120 պատվերի համար։",
        "Գումարը վերադարձրեք {iban} հաշվին։",
        "Առաքիչը չեկավ։ Հեռախոս՝ {phone}, էլ. փոստ՝ {email}",
        "Նոր համարս {phone} է, հինն այլևս չի աշխատում։",
        "Վճարել եմ {card} քարտով 12.03-ին, բայց {email} հասցեին հաստատում չի եկել",
        "Վերադարձի համար IBAN՝ {iban}։ Շնորհակալություն։",
        "Անընդունելի է։ Երեք անգամ զանգել եմ {phone}, ոչ ոք չի պատասխանում։ Քարտ՝ {card}",
        "գրեք {email} կամ զանգեք {phone} կոտրված թեյնիկի համար",
    ],
    "ta": [
        "தயவுசெய்து என்னை {phone} என்ற எண்ணில் அழைக்கவும், காலையிலிருந்து காத்திருக்கிறேன்.",
        "என் மின்னஞ்சல் {email}, பில்லை அங்கே அனுப்புங்கள்.",
        "என் அட்டை {card} இலிருந்து 44120 ஆர்டருக்கு இரண்டு முறை பணம் எடுத்துவிட்டீர்கள்.",
        "பணத்தை என் கணக்கு {iban} க்கு திருப்பி அனுப்புங்கள்.",
        "கூரியர் வரவே இல்லை. தொலைபேசி {phone}, மின்னஞ்சல் {email}",
        "என் புதிய எண் {phone}. பழைய எண் வேலை செய்யவில்லை.",
        "12/03 அன்று {card} அட்டையில் பணம் செலுத்தினேன், {email} க்கு உறுதிப்படுத்தல் வரவில்லை",
        "திருப்பி அனுப்ப IBAN: {iban}. நன்றி.",
        "மோசம்! {phone} க்கு மூன்று முறை அழைத்தேன், யாரும் எடுக்கவில்லை. அட்டை {card}",
        "Bro order varala, call pannunga {phone}, illa mail {email} ku anuppunga",
    ],
}

CLEAN_TEMPLATES = {
    "en": [
        "Order {order} arrived on {date} but the box was crushed.",
        "Paid {price_en} for a {n}-piece set and got {m} pieces.",
        "Your site promised {pct} off, I was charged full price: {price_en}.",
        "Tracking {track} hasn't moved since {date}.",
        "Waited {n} minutes on hold at {time} today. Ticket {ticket}.",
        "Invoice {invoice} lists {n} items, I ordered {m}.",
        "Great deal, {pct} discount on order {order}, delivered {date}.",
        "The {model} I bought for {price_en} stopped working after {n} days.",
        "Booked delivery for {date} between {time} and {time2}, nobody came. Ref {order}.",
        "Account no. {acct} shows a balance of {price_en}, which is wrong.",
    ],
    "el": [
        "Η παραγγελία {order} ήρθε στις {date} αλλά το κουτί ήταν λιωμένο.",
        "Πλήρωσα {price_eu} για σετ {n} τεμαχίων και ήρθαν {m}.",
        "Η σελίδα έλεγε έκπτωση {pct}, με χρέωσαν {price_eu}.",
        "Ο αριθμός αποστολής {track} δεν έχει κουνηθεί από {date}.",
        "Περίμενα {n} λεπτά στην αναμονή στις {time}. Αίτημα {ticket}.",
        "Το τιμολόγιο {invoice} γράφει {n} τεμάχια, παρήγγειλα {m}.",
        "Τέλεια, {pct} έκπτωση στην παραγγελία {order}, παραδόθηκε {date}.",
        "Το {model} που αγόρασα {price_eu} χάλασε μετά από {n} μέρες.",
        "Κλείσαμε παράδοση για {date} {time}-{time2}, δεν ήρθε κανείς. Κωδ. {order}",
        "Ο λογαριασμός {acct} δείχνει υπόλοιπο {price_eu}, λάθος.",
    ],
    "ru": [
        "Заказ {order} пришёл {date}, но коробка смята.",
        "Заплатил {price_ru} за набор из {n} предметов, пришло {m}.",
        "На сайте обещали скидку {pct}, а списали {price_ru}.",
        "Трек-номер {track} не обновляется с {date}.",
        "Ждал на линии {n} минут в {time}. Обращение № {ticket}.",
        "В счёте {invoice} указано {n} товаров, заказывал {m}.",
        "Отлично, скидка {pct} на заказ {order}, доставили {date}.",
        "{model} за {price_ru} сломался через {n} дней.",
        "Доставку назначили на {date} с {time} до {time2}, никто не приехал. Заказ {order}",
        "По лицевому счёту {acct} баланс {price_ru}, это ошибка.",
    ],
    "hy": [
        "{order} պատվերը եկավ {date}-ին, բայց տուփը ճմռված էր։",
        "Վճարել եմ {price_am} {n} կտորից բաղկացած հավաքածուի համար, եկավ {m}։",
        "Կայքում {pct} զեղչ էր, իսկ գանձեցին {price_am}։",
        "{track} հետևման համարը {date}-ից չի թարմացվում։",
        "{time}-ին {n} րոպե սպասել եմ գծի վրա։ Դիմում {ticket}։",
        "{invoice} հաշվում {n} ապրանք է, պատվիրել էի {m}։",
        "Հիանալի է, {pct} զեղչ {order} պատվերի վրա, առաքվեց {date}-ին։",
        "{price_am}-ով գնած {model}-ը {n} օրից փչացավ։",
        "Առաքումը նշանակված էր {date} {time}-{time2}, ոչ ոք չեկավ։ Պատվեր {order}",
        "{acct} հաշվի մնացորդը {price_am} է, սխալ է։",
    ],
    "ta": [
        "ஆர்டர் {order} {date} அன்று வந்தது, ஆனால் பெட்டி நசுங்கியிருந்தது.",
        "{n} பொருட்கள் கொண்ட செட்டுக்கு {price_in} கட்டினேன், {m} தான் வந்தது.",
        "தளத்தில் {pct} தள்ளுபடி என்றார்கள், {price_in} வசூலித்தார்கள்.",
        "டிராக்கிங் {track} {date} முதல் மாறவில்லை.",
        "{time} மணிக்கு {n} நிமிடம் காத்திருந்தேன். டிக்கெட் {ticket}.",
        "பில் {invoice} இல் {n} பொருட்கள், நான் ஆர்டர் செய்தது {m}.",
        "அருமை, ஆர்டர் {order} க்கு {pct} தள்ளுபடி, {date} அன்று டெலிவரி.",
        "{price_in} க்கு வாங்கிய {model} {n} நாளில் பழுதானது.",
        "{date} {time}-{time2} டெலிவரி என்றார்கள், யாரும் வரவில்லை. ஆர்டர் {order}",
        "கணக்கு {acct} இல் இருப்பு {price_in} என்று காட்டுகிறது, தவறு.",
    ],
}


def digits(n: int) -> str:
    return rng.choice("123456789") + "".join(rng.choice("0123456789") for _ in range(n - 1))


def clean_values() -> dict[str, str]:
    return {
        "order": rng.choice(
            [
                "#" + digits(6),
                digits(10),
                "ORD-2024-" + digits(6),
                "A" + digits(8),
                "№" + digits(7),
                digits(8),
                "#" + digits(12),
                "10" + digits(14),
                "INV" + digits(9),
            ]
        ),
        "invoice": rng.choice(["INV-" + digits(7), digits(9), "2024/" + digits(5)]),
        "ticket": rng.choice(["TKT-" + digits(6), digits(7), "#" + digits(5)]),
        "track": rng.choice(
            [
                "1Z" + digits(6) + "AA" + digits(8),
                "RB" + digits(9) + "CN",
                digits(12),
                "JD0" + digits(15),
                "LP" + digits(14),
                digits(20),
            ]
        ),
        "acct": rng.choice([digits(10), digits(12), "40817810" + digits(12)]),
        "date": rng.choice(
            ["12/03/2024", "2024-11-20", "20.11.2024", "3 March", "05/11", "1.12.2023", "2023-12-01"]
        ),
        "time": rng.choice(["09:30", "14:35", "10:00", "18:45"]),
        "time2": rng.choice(["12:00", "16:00", "20:30"]),
        "pct": rng.choice(["30%", "15 %", "50%", "5%", "70%"]),
        "price_en": rng.choice(["£1,299.99", "$49.95", "£12", "$1,250", "€89.00", "£2 499"]),
        "price_eu": rng.choice(["1.299,99 €", "49,95€", "€12", "1 250 €", "89 ευρώ"]),
        "price_ru": rng.choice(["12 990 ₽", "1 599 руб.", "49 990 рублей", "2500 р.", "129 990,00 ₽"]),
        "price_am": rng.choice(["15 000 դրամ", "129 900 ֏", "8500 դր.", "250 000 ֏"]),
        "price_in": rng.choice(["₹2,499", "Rs. 12,990", "₹1,29,999", "499 ரூபாய்", "Rs 850"]),
        "model": rng.choice(
            ["iPhone 15 Pro", "Galaxy S23", "WH-1000XM5", "RTX 4070", "TV 55UQ8000", "Redmi Note 12"]
        ),
        "n": str(rng.choice([2, 3, 5, 12, 20, 45, 90])),
        "m": str(rng.choice([1, 2, 4, 10])),
    }


def main() -> None:
    pii_rows, clean_rows = [], []
    for lang, templates in PII_TEMPLATES.items():
        for i in range(45):
            tpl = templates[i % len(templates)]
            values: list[dict[str, str]] = []
            fill: dict[str, str] = {}
            for kind in ("phone", "email", "card", "iban"):
                if "{" + kind + "}" in tpl:
                    v = {
                        "phone": lambda lang=lang: phone(lang),
                        "email": lambda lang=lang: email(lang),
                        "card": card,
                        "iban": iban,
                    }[kind]()
                    fill[kind] = v
                    values.append({"type": kind, "value": v})
            pii_rows.append(
                {"id": f"pii-{lang}-{i:03d}", "lang": lang, "text": tpl.format(**fill), "pii": values}
            )
        for i in range(45):
            tpl = CLEAN_TEMPLATES[lang][i % len(CLEAN_TEMPLATES[lang])]
            clean_rows.append(
                {"id": f"clean-{lang}-{i:03d}", "lang": lang, "text": tpl.format(**clean_values())}
            )
    for name, rows in (("pii.jsonl", pii_rows), ("clean.jsonl", clean_rows)):
        with (HERE / name).open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(pii_rows)} pii items, {len(clean_rows)} clean items")


if __name__ == "__main__":
    main()
