"""Wagtail staff screens: scoped to the staff's municipality, writes through services."""

from __future__ import annotations

import pytest

from opencity.models import Category, Open311Key
from tests.factories import MunicipalityRoleFactory, UserFactory
from tests.opencity.conftest import make_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _admin_access(city):
    from cms.services import staff_groups_sync

    for user in (city.official, city.admin):
        staff_groups_sync(user)


def test_staff_see_their_own_reports_and_categories_only(client, city, citizen, dnipro):
    report = make_report(city, citizen)
    client.force_login(city.official)
    page = client.get("/cms/opencity_report/").content.decode()
    assert f"№{report.pk}" in page
    assert "Витік води" in client.get("/cms/opencity_category/").content.decode()
    stranger = MunicipalityRoleFactory(municipality=dnipro, role="admin",
                                       user=UserFactory()).user
    from cms.services import staff_groups_sync

    staff_groups_sync(stranger)
    client.force_login(stranger)
    assert f"№{report.pk}" not in client.get("/cms/opencity_report/").content.decode()
    response = client.get(f"/cms/opencity_category/edit/{city.leak.pk}/")
    assert response.status_code in (302, 403, 404)


def test_an_admin_adds_a_category_through_the_service(client, city):
    client.force_login(city.admin)
    response = client.post("/cms/opencity_category/new/", {
        "municipality": city.municipality.pk, "code": "graffiti", "name_uk": "Графіті",
        "name_en": "Graffiti", "description": "", "deadline_class": city.classes["long"].pk,
        "organisations": [city.housing.pk], "fields": "[]", "is_active": "on", "order": 5,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    category = Category.objects.get(code="graffiti")
    assert list(category.organisations.all()) == [city.housing]
    from edem.participation.models import AuditEntry

    assert AuditEntry.objects.filter(action="opencity.category_created").exists()


def test_an_admin_issues_a_key_shown_once(client, city):
    client.force_login(city.admin)
    response = client.post("/cms/opencity_open311_key/new/", {
        "municipality": city.municipality.pk, "name": "Міський застосунок"}, follow=True)
    key = Open311Key.objects.get()
    assert key.prefix in response.content.decode()
    client.force_login(city.official)
    assert client.get("/cms/opencity_open311_key/").status_code in (302, 403)
