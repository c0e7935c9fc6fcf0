"""Fixtures of the buildings tests: a building of Zhytomyr, its administrator and owners."""

from __future__ import annotations

import pytest

# The platform's factories first: they collect this module's SCOPED factories for
# the tenancy tests, which an import in the other order would find half-built.
import tests.factories  # noqa: F401  isort: skip

from buildings.models import ManagementRole
from tests.buildings.factories import BuildingFactory, add_owner, add_premises
from tests.factories import CitizenFactory, UserFactory


@pytest.fixture
def building(zhytomyr):
    return BuildingFactory(
        municipality=zhytomyr, address="вул. Велика Бердичівська, 10"
    )


@pytest.fixture
def administrator(building):
    user = UserFactory(username="osbb-admin")
    ManagementRole.objects.create(
        management=building.management,
        user=user,
        role=ManagementRole.Role.ADMINISTRATOR,
    )
    return user


@pytest.fixture
def register(building):
    """Four premises, 300 m² in all: joint and multiple ownership, one unlinked owner.

    - Olena owns flat 1 (60 m²) and half of flat 2 (80 m²): 60 + 40 = 100 m²
    - Petro owns the other half of flat 2: 40 m²
    - Maria owns flat 3 (70 m²): 70 m², not linked to an identity
    - the shop (90 m²) belongs to Ivan: 90 m²
    """
    olena, petro, ivan = CitizenFactory(), CitizenFactory(), CitizenFactory()
    owners = {
        "olena": add_owner(building, "Олена Коваленко", user=olena, reference="O-1"),
        "petro": add_owner(building, "Петро Коваленко", user=petro, reference="O-2"),
        "maria": add_owner(building, "Марія Шевчук", reference="O-3"),
        "ivan": add_owner(building, "Іван Бондар", user=ivan, reference="O-4"),
    }
    add_premises(building, "1", "60.00", [(owners["olena"], "1/1")])
    add_premises(
        building, "2", "80.00", [(owners["olena"], "1/2"), (owners["petro"], "1/2")]
    )
    add_premises(building, "3", "70.00", [(owners["maria"], "1/1")])
    add_premises(
        building, "М1", "90.00", [(owners["ivan"], "1/1")], kind="non_residential"
    )
    return {"owners": owners, "users": {"olena": olena, "petro": petro, "ivan": ivan}}
