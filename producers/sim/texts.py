"""All languages' sentence parts by ISO 639-1 code, and the product catalogue (Latin brand names)."""

from __future__ import annotations

from typing import Any

from producers.sim.texts_en_el import EL, EN
from producers.sim.texts_ru_hy_ta import HY, RU, TA

LANGUAGES: dict[str, dict[str, Any]] = {"en": EN, "el": EL, "ru": RU, "hy": HY, "ta": TA}
ASPECTS: tuple[str, ...] = ("delivery", "quality", "staff", "waiting", "price", "website", "refund")
PRODUCTS: tuple[str, ...] = (
    "Philips HR2100",
    "Bosch Serie 4",
    "Samsung Galaxy A15",
    "Tefal Express",
    "Xiaomi Redmi Note 13",
    "DeLonghi Magnifica",
    "Nike Air Zoom",
    "Lenovo IdeaPad 3",
)


def check_parts() -> None:
    """Every language has every part and every aspect for both polarities (used by the unit tests)."""
    keys = set(EN)
    for lang, parts in LANGUAGES.items():
        missing = keys - set(parts)
        if missing:
            raise AssertionError(f"{lang}: missing parts {sorted(missing)}")
        for pol in ("neg", "pos"):
            for aspect in ASPECTS:
                if not parts[pol].get(aspect):
                    raise AssertionError(f"{lang}: no {pol} text for {aspect}")
