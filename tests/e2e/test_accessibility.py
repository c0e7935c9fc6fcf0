"""axe-core on the main public pages and the cabinet: no serious or critical
violations, in Ukrainian and in English."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.fixtures.browser import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_pages(transactional_db):
    from cms.demo import seed_cms
    from cms.models import AnnouncementPage, MunicipalityHomePage
    from tests.factories import MunicipalityFactory

    zhytomyr = MunicipalityFactory(
        slug="zhytomyr",
        name_uk="Житомирська міська територіальна громада",
        name_en="Zhytomyr City Territorial Community",
        kind="community",
    )
    seed_cms(zhytomyr)
    home = MunicipalityHomePage.objects.get(municipality=zhytomyr)
    official = AnnouncementPage.objects.descendant_of(home).get(pinned=True)
    return {
        "platform home": "/",
        "platform home search": "/?q=Житомир",
        "municipality home": "/zhytomyr/",
        "news": "/zhytomyr/news/",
        "announcement": official.url,
        "search": "/zhytomyr/search/?q=вода",
    }


@pytest.mark.parametrize("language", ["", "/en"])
def test_public_pages_have_no_serious_violations(
    page, live_server, demo_pages, language
):
    for name, path in demo_pages.items():
        page.goto(f"{live_server.url}{language}{path}")
        violations = axe_violations(page)
        assert not violations, f"{name} ({language or '/uk'}): {violations}"


def test_cabinet_has_no_serious_violations(page, live_server, demo_pages, citizen):
    client = Client()
    client.force_login(citizen)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": cookie,
                "url": live_server.url,
            }
        ]
    )
    response = page.goto(f"{live_server.url}/me/")
    assert response.status == 200 and "/me/" in page.url
    violations = axe_violations(page)
    assert not violations, f"/me/: {violations}"
