"""Fixtures of the ideas tests: staff and the commission of Zhytomyr."""

from __future__ import annotations

import pytest

from edem.municipalities.models import MunicipalityRole
from ideas.models import CommissionMember
from tests.factories import MunicipalityRoleFactory, UserFactory
from tests.ideas.factories import CampaignFactory


def staff(municipality, role: str):
    """A staff member with the role and the admin groups the role calls for."""
    from cms.services import staff_groups_sync

    user = UserFactory(is_staff=True)
    MunicipalityRoleFactory(municipality=municipality, user=user, role=role)
    staff_groups_sync(user)
    return user


@pytest.fixture
def admin(zhytomyr):
    return staff(zhytomyr, MunicipalityRole.Role.ADMIN)


@pytest.fixture
def moderator(zhytomyr):
    return staff(zhytomyr, MunicipalityRole.Role.MODERATOR)


@pytest.fixture
def official(zhytomyr):
    return staff(zhytomyr, MunicipalityRole.Role.OFFICIAL)


@pytest.fixture
def campaign(zhytomyr):
    return CampaignFactory(municipality=zhytomyr)


@pytest.fixture
def commissioner(zhytomyr, campaign):
    user = staff(zhytomyr, MunicipalityRole.Role.OFFICIAL)
    CommissionMember.objects.create(campaign=campaign, user=user)
    return user
