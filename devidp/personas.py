"""Test personas of the development identity provider.

Claims are named as id.gov.ua names them (``drfocode`` is the tax number
RNOKPP, ``edrpoucode`` the company code, ...), plus ``birthday``
(YYYY-MM-DD), ``katottg`` (the locality code of the registered address) and
``passport`` (for the person without a tax number). Every number here is made
up; tax numbers follow the RNOKPP pattern (birth date + check digit) so they
look like the real thing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

KATOTTG_ZHYTOMYR = "UA18040470010040545"
KATOTTG_DNIPRO = "UA12020010010035254"
KATOTTG_LVIV = "UA46060250010015970"

_RNOKPP_WEIGHTS = (-1, 5, 7, 9, 4, 6, 10, 5, 7)


def rnokpp(birth: dt.date, serial: str) -> str:
    """A tax number of the Ukrainian pattern: days since 1899-12-31, serial, check."""
    days = (birth - dt.date(1899, 12, 31)).days
    body = f"{days:05d}{serial:0>4}"[:9]
    check = sum(int(d) * w for d, w in zip(body, _RNOKPP_WEIGHTS, strict=True)) % 11 % 10
    return body + str(check)


def _years_ago(years: int, days_after: int = 0) -> dt.date:
    today = dt.date.today()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = dt.date(today.year - years, 2, 28)
    return day + dt.timedelta(days=days_after)


@dataclass(frozen=True)
class Persona:
    username: str
    sub: str
    title: str
    description: str
    base_claims: dict[str, Any] = field(default_factory=dict)
    # The 15-year-old stays 15: the birthday is computed on each login.
    age_years: int | None = None
    wrong_aud: bool = False

    def claims(self) -> dict[str, Any]:
        claims = dict(self.base_claims)
        if self.age_years is not None:
            claims["birthday"] = _years_ago(self.age_years, days_after=-30).isoformat()
        return claims


_ZH_BIRTH = dt.date(1985, 3, 14)
_ZH_TAX = rnokpp(_ZH_BIRTH, "0428")

PERSONAS: tuple[Persona, ...] = (
    Persona(
        username="zhytomyr",
        sub="devidp-zhytomyr-resident",
        title="Olena Kovalenko — adult resident of Zhytomyr",
        description="BankID; registered address in Zhytomyr.",
        base_claims={
            "drfocode": _ZH_TAX,
            "lastname": "Коваленко",
            "givenname": "Олена",
            "middlename": "Петрівна",
            "birthday": _ZH_BIRTH.isoformat(),
            "katottg": KATOTTG_ZHYTOMYR,
            "address": "Житомирська обл., м. Житомир, вул. Київська, 10, кв. 5",
            "email": "olena.kovalenko@example.org",
            "phone": "+380671234501",
            "auth_type": "bankid",
        },
    ),
    Persona(
        username="zhytomyr-second",
        sub="devidp-zhytomyr-resident-second-account",
        title="Olena Kovalenko — her second account (Diia)",
        description="The same person (same tax number) with another account and sub.",
        base_claims={
            "drfocode": _ZH_TAX,
            "lastname": "Коваленко",
            "givenname": "Олена",
            "middlename": "Петрівна",
            "birthday": _ZH_BIRTH.isoformat(),
            "katottg": KATOTTG_ZHYTOMYR,
            "address": "Житомирська обл., м. Житомир, вул. Київська, 10, кв. 5",
            "email": "olena.kovalenko@example.org",
            "phone": "+380671234501",
            "auth_type": "diia",
        },
    ),
    Persona(
        username="dnipro",
        sub="devidp-dnipro-resident",
        title="Andrii Melnyk — adult resident of Dnipro",
        description="Qualified e-signature; registered address in Dnipro.",
        base_claims={
            "drfocode": rnokpp(dt.date(1979, 11, 2), "1357"),
            "lastname": "Мельник",
            "givenname": "Андрій",
            "middlename": "Іванович",
            "birthday": "1979-11-02",
            "katottg": KATOTTG_DNIPRO,
            "address": "Дніпропетровська обл., м. Дніпро, просп. Яворницького, 50",
            "email": "andrii.melnyk@example.org",
            "phone": "+380501234502",
            "auth_type": "esign",
        },
    ),
    Persona(
        username="lviv",
        sub="devidp-lviv-non-resident",
        title="Taras Hnatiuk — lives in Lviv (non-resident)",
        description="BankID; registered address in Lviv, outside the demo cities.",
        base_claims={
            "drfocode": rnokpp(dt.date(1990, 6, 21), "2468"),
            "lastname": "Гнатюк",
            "givenname": "Тарас",
            "middlename": "Богданович",
            "birthday": "1990-06-21",
            "katottg": KATOTTG_LVIV,
            "address": "Львівська обл., м. Львів, пл. Ринок, 1",
            "email": "taras.hnatiuk@example.org",
            "phone": "+380631234503",
            "auth_type": "bankid",
        },
    ),
    Persona(
        username="teen",
        sub="devidp-zhytomyr-teen",
        title="Maksym Bondar — 15 years old, Zhytomyr",
        description="Diia; resident of Zhytomyr, always 15 years old.",
        age_years=15,
        base_claims={
            "drfocode": rnokpp(dt.date(2010, 1, 1), "0001"),
            "lastname": "Бондар",
            "givenname": "Максим",
            "middlename": "Олегович",
            "katottg": KATOTTG_ZHYTOMYR,
            "address": "Житомирська обл., м. Житомир, вул. Велика Бердичівська, 3",
            "auth_type": "diia",
        },
    ),
    Persona(
        username="no-tax-number",
        sub="devidp-zhytomyr-no-tax-number",
        title="Mariia Shevchuk — no tax number (passport)",
        description="Refused a tax number on religious grounds; passport number instead.",
        base_claims={
            "passport": "МК123456",
            "lastname": "Шевчук",
            "givenname": "Марія",
            "middlename": "Іванівна",
            "birthday": "1962-09-30",
            "katottg": KATOTTG_ZHYTOMYR,
            "address": "Житомирська обл., м. Житомир, вул. Михайлівська, 7",
            "auth_type": "bankid",
        },
    ),
    Persona(
        username="legal-entity",
        sub="devidp-legal-entity-key",
        title="Zhytomyr Crafts LLC — legal entity's key",
        description="Company seal key of a director (EDRPOU code present).",
        base_claims={
            "drfocode": rnokpp(dt.date(1975, 4, 8), "9753"),
            "edrpoucode": "41234567",
            "lastname": "Ткаченко",
            "givenname": "Ігор",
            "middlename": "Васильович",
            "birthday": "1975-04-08",
            "katottg": KATOTTG_ZHYTOMYR,
            "address": "Житомирська обл., м. Житомир, вул. Промислова, 2",
            "o": "ТОВ «Житомирські ремесла»",
            "auth_type": "esign",
        },
    ),
    Persona(
        username="wrong-aud",
        sub="devidp-wrong-audience",
        title="Oksana Lytvyn — ID token for another site (wrong aud)",
        description="The provider returns an ID token whose audience is another client.",
        wrong_aud=True,
        base_claims={
            "drfocode": rnokpp(dt.date(1988, 12, 12), "1111"),
            "lastname": "Литвин",
            "givenname": "Оксана",
            "middlename": "Сергіївна",
            "birthday": "1988-12-12",
            "katottg": KATOTTG_ZHYTOMYR,
            "address": "Житомирська обл., м. Житомир, вул. Пушкінська, 4",
            "auth_type": "bankid",
        },
    ),
)

BY_USERNAME = {p.username: p for p in PERSONAS}


def persona_for(username: str) -> Persona | None:
    return BY_USERNAME.get(username)


def secret_numbers() -> set[str]:
    """Every tax and document number the personas carry (for leak tests)."""
    numbers = set()
    for persona in PERSONAS:
        claims = persona.claims()
        for name in ("drfocode", "passport"):
            if claims.get(name):
                numbers.add(claims[name])
    return numbers
