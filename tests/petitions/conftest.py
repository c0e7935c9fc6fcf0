"""Fixtures of the petitions tests: staff of Zhytomyr and the statute."""

from __future__ import annotations

import pytest

from edem.municipalities.models import MunicipalityRole
from tests.factories import CitizenFactory, MunicipalityRoleFactory, UserFactory


def staff(municipality, role: str):
    user = UserFactory(is_staff=True)
    MunicipalityRoleFactory(municipality=municipality, user=user, role=role)
    return user


@pytest.fixture
def moderator(zhytomyr):
    return staff(zhytomyr, MunicipalityRole.Role.MODERATOR)


@pytest.fixture
def official(zhytomyr):
    return staff(zhytomyr, MunicipalityRole.Role.OFFICIAL)


@pytest.fixture
def admin(zhytomyr):
    return staff(zhytomyr, MunicipalityRole.Role.ADMIN)


@pytest.fixture
def statute(zhytomyr):
    from petitions.models import PetitionSettings

    return PetitionSettings.for_municipality(zhytomyr)


@pytest.fixture
def resident(db):
    return CitizenFactory()


@pytest.fixture(autouse=True)
def _fresh_worker_copies():
    """Each test reads the statute's rate limits and petitions afresh and schedules
    its own count flushes (a worker keeps these for seconds, and a rolled-back
    test may leave one behind)."""
    from petitions.services import forget_worker_copies

    forget_worker_copies()
    yield
    forget_worker_copies()
