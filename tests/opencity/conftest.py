"""A city set up for open-city tests: two water utilities split west/east, a
housing department for the whole city, a dispatcher, categories and staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

KYIV = ZoneInfo("Europe/Kyiv")
WEST = {"type": "Polygon", "coordinates": [[[28.58, 50.21], [28.67, 50.21], [28.67, 50.30],
                                              [28.58, 50.30], [28.58, 50.21]]]}
EAST = {"type": "Polygon", "coordinates": [[[28.67, 50.21], [28.76, 50.21], [28.76, 50.30],
                                              [28.67, 50.30], [28.67, 50.21]]]}
# Points inside Zhytomyr's test boundary (lon 28.58–28.76, lat 50.21–50.30).
WEST_POINT = (Decimal("50.254650"), Decimal("28.620000"))
EAST_POINT = (Decimal("50.254650"), Decimal("28.720000"))
OUTSIDE_POINT = (Decimal("50.450000"), Decimal("30.523333"))  # Kyiv


def freeze(monkeypatch, when: dt.datetime) -> None:
    """Stop the clock the services read."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: when)


@dataclass
class City:
    municipality: object
    water_west: object
    water_east: object
    housing: object
    dispatcher: object
    leak: object
    light: object
    pothole: object
    roads: object
    classes: dict
    heads: dict
    executors: dict
    operator: object
    official: object
    admin: object


@pytest.fixture
def city(zhytomyr):
    return build_city(zhytomyr)


def build_city(zhytomyr) -> City:
    """Organisations, categories and staff of the test city (also for browser tests)."""
    from edem.municipalities.models import MunicipalityRole
    from opencity import services
    from opencity.models import Category
    from tests.factories import (
        MunicipalityRoleFactory,
        OrganisationFactory,
        OrganisationRoleFactory,
        UserFactory,
    )

    classes = {c.code: c for c in services.deadline_classes_ensure(municipality=zhytomyr)}
    water_west = OrganisationFactory(
        municipality=zhytomyr, name_uk="Водоканал (захід)", name_en="Water west",
        service_area=WEST,
    )
    water_east = OrganisationFactory(
        municipality=zhytomyr, name_uk="Водоканал (схід)", name_en="Water east",
        service_area=EAST,
    )
    housing = OrganisationFactory(
        municipality=zhytomyr, name_uk="Управління житлового господарства",
        name_en="Housing department",
    )
    dispatcher = OrganisationFactory(
        municipality=zhytomyr, name_uk="Контакт-центр", name_en="Contact centre",
        is_dispatcher=True,
    )
    leak = Category.objects.create(
        municipality=zhytomyr, code="water-leak", name_uk="Витік води",
        name_en="Water leak", deadline_class=classes["emergency"],
        fields=[{"code": "damage", "label_uk": "Тип пошкодження", "label_en": "Damage",
                 "required": False, "choices": ["pipe", "hatch"]}],
    )
    leak.organisations.set([water_west, water_east])
    light = Category.objects.create(
        municipality=zhytomyr, code="street-light", name_uk="Не світить ліхтар",
        name_en="Street light out", deadline_class=classes["short"],
        fields=[{"code": "pole", "label_uk": "Номер опори", "label_en": "Pole number",
                 "required": True}],
    )
    light.organisations.set([housing])
    roads = Category.objects.create(
        municipality=zhytomyr, code="roads", name_uk="Дороги", name_en="Roads",
        deadline_class=classes["long"],
    )
    pothole = Category.objects.create(
        municipality=zhytomyr, code="pothole", name_uk="Яма на дорозі",
        name_en="Pothole", parent=roads,
    )
    heads, executors = {}, {}
    for org in (water_west, water_east, housing, dispatcher):
        heads[org.pk] = OrganisationRoleFactory(
            organisation=org, user=UserFactory(), role="head"
        ).user
        executors[org.pk] = OrganisationRoleFactory(
            organisation=org, user=UserFactory(), role="executor"
        ).user
    operator = OrganisationRoleFactory(
        organisation=dispatcher, user=UserFactory(), role="operator"
    ).user
    official = MunicipalityRoleFactory(
        municipality=zhytomyr, user=UserFactory(), role=MunicipalityRole.Role.OFFICIAL
    ).user
    admin = MunicipalityRoleFactory(
        municipality=zhytomyr, user=UserFactory(), role=MunicipalityRole.Role.ADMIN
    ).user
    return City(
        municipality=zhytomyr, water_west=water_west, water_east=water_east,
        housing=housing, dispatcher=dispatcher, leak=leak, light=light,
        pothole=pothole, roads=roads, classes=classes, heads=heads,
        executors=executors, operator=operator, official=official, admin=admin,
    )


@pytest.fixture
def sms_locmem(settings):
    return use_sms_outbox(settings)


def use_sms_outbox(settings):
    """Send SMS to the in-memory outbox and return it."""
    settings.SMS_BACKEND = "locmem"
    from edem.notifications import sms

    return sms.outbox


def make_report(city, author, *, category=None, point=WEST_POINT, **kwargs):
    from opencity import services

    return services.report_create(
        actor=author, municipality=city.municipality,
        category=category or city.leak,
        description=kwargs.pop("description", "Тече вода з люка біля під'їзду №3."),
        lat=point[0], lon=point[1], address="вул. Київська, 12", **kwargs,
    )
