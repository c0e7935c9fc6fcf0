"""Demo data of the platform core: two municipalities, calendars, staff, organisations.

Everything here is idempotent: running the seeding twice leaves one copy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from edem.municipalities.models import (
    Holiday,
    Municipality,
    MunicipalityRole,
    Organisation,
)

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - published demo logins


@dataclass(frozen=True)
class DemoMunicipality:
    slug: str
    name_uk: str
    name_en: str
    kind: str
    centre: tuple[str, str]
    boundary: list[list[float]]
    locality_codes: list[str]
    organisations: list[tuple[str, str, str]] = field(default_factory=list)


DEMO_MUNICIPALITIES = [
    DemoMunicipality(
        slug="zhytomyr",
        name_uk="Житомирська міська територіальна громада",
        name_en="Zhytomyr City Territorial Community",
        kind=Municipality.Kind.COMMUNITY,
        centre=("50.254650", "28.658667"),
        boundary=[
            [28.575, 50.228], [28.612, 50.205], [28.676, 50.200], [28.735, 50.214],
            [28.768, 50.245], [28.758, 50.285], [28.716, 50.308], [28.650, 50.312],
            [28.598, 50.292], [28.571, 50.262], [28.575, 50.228],
        ],
        locality_codes=["UA18040470010040545", "1810100000"],
        organisations=[
            ("КП «Житомирводоканал» ЖМР", "Zhytomyrvodokanal utility", "+380412424242"),
            ("КП «Житомирське трамвайно-тролейбусне управління»", "Zhytomyr tram and trolleybus company", "+380412470470"),
            ("Управління житлового господарства міської ради", "Housing department of the city council", "+380412481212"),
            ("Контакт-центр міського голови", "Mayor's contact centre", "15-80"),
        ],
    ),
    DemoMunicipality(
        slug="dnipro",
        name_uk="Дніпро",
        name_en="Dnipro",
        kind=Municipality.Kind.CITY,
        centre=("48.464717", "35.046183"),
        boundary=[
            [34.790, 48.430], [34.860, 48.380], [34.960, 48.350], [35.100, 48.355],
            [35.200, 48.400], [35.230, 48.470], [35.180, 48.550], [35.060, 48.590],
            [34.930, 48.575], [34.830, 48.520], [34.790, 48.430],
        ],
        locality_codes=["UA12020010010035254", "1210100000"],
        organisations=[
            ("КП «Дніпроводоканал» ДМР", "Dniprovodokanal utility", "+380567440000"),
            ("КП «Дніпровський електротранспорт» ДМР", "Dnipro electric transport company", "+380567700000"),
            ("КП «Благоустрій» ДМР", "Blagoustrii (streets and parks) utility", "+380567210000"),
            ("Міський контакт-центр «1580»", "City contact centre 1580", "1580"),
        ],
    ),
]

# Official days off of the Labour Code of Ukraine for the demo years; each
# municipality's admin edits the calendar (e.g. while martial law suspends them).
UKRAINIAN_HOLIDAYS = [
    ("01-01", "Новий рік"),
    ("03-08", "Міжнародний жіночий день"),
    ("05-01", "День праці"),
    ("05-08", "День пам'яті та перемоги над нацизмом"),
    ("06-28", "День Конституції України"),
    ("07-15", "День Української Державності"),
    ("08-24", "День Незалежності України"),
    ("10-01", "День захисників і захисниць України"),
    ("12-25", "Різдво Христове"),
]


def _polygon(ring: list[list[float]]) -> dict:
    return {"type": "Polygon", "coordinates": [ring]}


def seed_staff(municipality: Municipality) -> dict[str, str]:
    """An admin, a moderator and an official for the municipality (password logins)."""
    from cms.services import staff_groups_sync

    User = get_user_model()
    logins = {}
    for role in (
        MunicipalityRole.Role.ADMIN,
        MunicipalityRole.Role.MODERATOR,
        MunicipalityRole.Role.OFFICIAL,
    ):
        username = f"{municipality.slug}-{role}"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@e-dem.local", "is_staff": True},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        MunicipalityRole.objects.get_or_create(municipality=municipality, user=user, role=role)
        staff_groups_sync(user)
        logins[username] = DEMO_PASSWORD
    return logins


def seed_calendar(municipality: Municipality, years: tuple[int, ...]) -> None:
    for year in years:
        for month_day, name in UKRAINIAN_HOLIDAYS:
            date = dt.date.fromisoformat(f"{year}-{month_day}")
            Holiday.objects.get_or_create(
                municipality=municipality, date=date, defaults={"name": name}
            )


@transaction.atomic
def seed_municipality(demo: DemoMunicipality) -> Municipality:
    from cms.services import municipality_site_setup

    municipality, _created = Municipality.objects.update_or_create(
        slug=demo.slug,
        defaults={
            "name_uk": demo.name_uk,
            "name_en": demo.name_en,
            "kind": demo.kind,
            "centre_lat": Decimal(demo.centre[0]),
            "centre_lon": Decimal(demo.centre[1]),
            "boundary": _polygon(demo.boundary),
            "locality_codes": demo.locality_codes,
        },
    )
    for index, (name_uk, name_en, phone) in enumerate(demo.organisations):
        Organisation.objects.update_or_create(
            municipality=municipality, name_uk=name_uk,
            defaults={"name_en": name_en, "phone": phone,
                      "is_dispatcher": index == len(demo.organisations) - 1},
        )
    today = dt.date.today()
    seed_calendar(municipality, (today.year, today.year + 1))
    municipality_site_setup(municipality)
    return municipality


def seed_platform_admin() -> dict[str, str]:
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username="admin",
        defaults={"email": "admin@e-dem.local", "is_staff": True, "is_superuser": True},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return {"admin": DEMO_PASSWORD}
