"""Fixtures of the consultations tests: staff of Zhytomyr and a department."""

from __future__ import annotations

import pytest

from edem.municipalities.models import MunicipalityRole, OrganisationRole
from tests.factories import MunicipalityRoleFactory, OrganisationFactory, UserFactory


@pytest.fixture
def official(zhytomyr):
    user = UserFactory(is_staff=True)
    MunicipalityRoleFactory(municipality=zhytomyr, user=user,
                            role=MunicipalityRole.Role.OFFICIAL)
    return user


@pytest.fixture
def moderator(zhytomyr):
    user = UserFactory(is_staff=True)
    MunicipalityRoleFactory(municipality=zhytomyr, user=user,
                            role=MunicipalityRole.Role.MODERATOR)
    return user


@pytest.fixture
def department(zhytomyr):
    return OrganisationFactory(municipality=zhytomyr, name_uk="Управління благоустрою",
                               name_en="Department of public spaces")


@pytest.fixture
def department_head(department):
    user = UserFactory(is_staff=True)
    OrganisationRole.objects.create(organisation=department, user=user,
                                    role=OrganisationRole.Role.HEAD)
    return user
