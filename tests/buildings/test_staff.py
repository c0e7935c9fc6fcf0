"""Staff screens: municipality admins register managements, buildings and administrators."""

from __future__ import annotations

import pytest

from buildings import services
from buildings.models import Building, Management, ManagementRole
from edem.core.errors import PermissionRefused
from edem.municipalities.models import MunicipalityRole
from edem.participation.models import AuditEntry
from tests.buildings.factories import ManagementFactory
from tests.factories import MunicipalityRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def staff(municipality, role):
    from cms.services import staff_groups_sync

    user = UserFactory(is_staff=True)
    MunicipalityRoleFactory(municipality=municipality, user=user, role=role)
    staff_groups_sync(user)
    return user


def test_a_municipality_admin_registers_a_building_and_its_administrator(
    client, zhytomyr
):
    admin = staff(zhytomyr, MunicipalityRole.Role.ADMIN)
    client.force_login(admin)
    response = client.post(
        "/cms/buildings_management/new/",
        {
            "municipality": zhytomyr.pk,
            "name": "ОСББ «Лісова, 3»",
            "kind": "association",
            "payment_url": "",
            "email": "",
            "phone": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    management = Management.objects.get()
    response = client.post(
        "/cms/buildings_building/new/",
        {
            "municipality": zhytomyr.pk,
            "management": management.pk,
            "address": "вул. Лісова, 3",
            "lat": "50.25",
            "lon": "28.66",
            "notice_days": "14",
            "votes_changeable": "on",
            "paper_rule": "online",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    building = Building.objects.get()
    assert (building.notice_days, building.paper_rule) == (14, "online")
    chair = UserFactory(username="lisova-chair")
    response = client.post(
        "/cms/buildings_role/new/",
        {
            "management": management.pk,
            "username": "lisova-chair",
            "role": "administrator",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ManagementRole.objects.filter(user=chair, management=management).exists()
    assert chair.has_perm("buildings.change_meeting", building)
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {
        "buildings.management_created",
        "buildings.building_created",
        "buildings.role_granted",
    }


def test_a_notice_period_below_ten_days_is_refused(zhytomyr):
    admin = staff(zhytomyr, MunicipalityRole.Role.ADMIN)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.building_save(
            actor=admin,
            municipality=zhytomyr,
            data={
                "management": ManagementFactory(municipality=zhytomyr),
                "address": "вул. Тиха, 1",
                "lat": "50.25",
                "lon": "28.66",
                "notice_days": 5,
            },
        )
    assert not Building.objects.exists()


def test_staff_of_another_municipality_cannot(zhytomyr, dnipro):
    other = staff(dnipro, MunicipalityRole.Role.ADMIN)
    with pytest.raises(PermissionRefused):
        services.management_save(actor=other, municipality=zhytomyr, data={"name": "X"})
    management = ManagementFactory(municipality=zhytomyr)
    from django.test import Client

    client = Client()
    client.force_login(other)
    assert client.get(
        f"/cms/buildings_management/edit/{management.pk}/"
    ).status_code in (302, 403, 404)
