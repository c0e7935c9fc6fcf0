"""Browser journeys of the CMS: a visitor reads an official announcement in both
languages; a moderator publishes through the workflow; another municipality's
moderator cannot reach Zhytomyr's pages."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def demo(transactional_db):
    """Zhytomyr and Dnipro with their demo pages and one moderator each."""
    from cms.demo import seed_cms
    from cms.services import staff_groups_sync
    from tests.factories import (
        MunicipalityFactory,
        MunicipalityRoleFactory,
        UserFactory,
    )

    zhytomyr = MunicipalityFactory(
        slug="zhytomyr",
        name_uk="Житомирська міська територіальна громада",
        name_en="Zhytomyr City Territorial Community",
        kind="community",
    )
    dnipro = MunicipalityFactory(
        slug="dnipro",
        name_uk="Дніпро",
        name_en="Dnipro",
        centre_lat="48.464717",
        centre_lon="35.046183",
    )
    moderators = {}
    for municipality in (zhytomyr, dnipro):
        seed_cms(municipality)
        user = UserFactory(username=f"{municipality.slug}-moderator")
        MunicipalityRoleFactory(municipality=municipality, user=user, role="moderator")
        staff_groups_sync(user)
        moderators[municipality.slug] = user
    return {"zhytomyr": zhytomyr, "dnipro": dnipro, "moderators": moderators}


def _admin_login(page, base: str, username: str) -> None:
    page.goto(f"{base}/cms/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/cms/$"))


def test_visitor_finds_zhytomyr_and_reads_an_announcement_in_both_languages(
    page, live_server, demo
):
    page.goto(live_server.url + "/")
    _shot(page, "platform-home-uk")
    page.fill("#municipality-search", "Житомир")
    page.locator("main form[role=search] button[type=submit]").click()
    results = page.locator("main .municipality-list")
    expect(results.get_by_role("link")).to_have_count(1)
    results.get_by_role("link", name="Житомирська міська територіальна громада").click()
    expect(page).to_have_url(re.compile(r"/zhytomyr/$"))
    expect(page.locator("header")).to_contain_text("Житомирська")
    _shot(page, "municipality-home-uk")

    title = "Громадські слухання щодо змін до генерального плану міста"
    page.get_by_role("link", name=title).first.click()
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("main .tag--official")).to_be_visible()
    _shot(page, "announcement-uk")
    ukrainian_url = page.url

    page.locator(".language-switch").get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/zhytomyr/news/hromadski-sluhannia"))
    expect(page.locator("h1")).to_have_text(
        "Public hearings on changes to the city's master plan"
    )
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _shot(page, "announcement-en")

    page.locator(".language-switch").get_by_role("link", name="Українська").click()
    expect(page.locator("h1")).to_have_text(title)
    assert page.url == ukrainian_url
    expect(page.locator("html")).to_have_attribute("lang", "uk")


def test_moderator_publishes_an_announcement_through_the_workflow(
    page, live_server, demo
):
    from cms.models import AnnouncementIndexPage, AnnouncementPage, MunicipalityHomePage

    home = MunicipalityHomePage.objects.get(municipality=demo["zhytomyr"])
    news = AnnouncementIndexPage.objects.child_of(home).get()
    base = live_server.url
    title = "Графік вивезення великогабаритних відходів"
    _admin_login(page, base, "zhytomyr-moderator")

    page.goto(f"{base}/cms/pages/add/cms/announcementpage/{news.pk}/")
    page.fill("#id_title", title)
    page.select_option("#id_kind", "official")
    page.fill("#id_summary", "Щосуботи з 8:00 до 14:00 у кожному районі.")
    body = page.locator("[data-contentpath='body'] [contenteditable='true']")
    body.click()
    body.type("Вивезення відбувається за графіком районних адміністрацій.")
    page.locator("#id_summary").click()  # the rich text editor saves on blur
    expect(page.locator("input[name='body']")).to_have_value(re.compile("Вивезення"))
    _shot(page, "admin-create")

    # Submit to the municipality's publication workflow.
    page.locator("footer [data-w-dropdown-target='toggle']").last.click()
    page.locator("button[name='action-submit']").click()
    expect(page).not_to_have_url(re.compile(r"/add/"))
    page.wait_for_load_state()
    _shot(page, "admin-submitted")
    created = AnnouncementPage.objects.get(title=title)
    assert not created.live
    assert created.current_workflow_state is not None
    assert page.context.request.get(f"{base}/zhytomyr/feed/").text().count(title) == 0

    # The moderator reviews it and approves: it is published.
    page.goto(f"{base}/cms/pages/{created.pk}/edit/")
    _shot(page, "admin-review")
    page.locator("footer [data-w-dropdown-target='toggle']").last.click()
    page.locator(
        "button[data-workflow-action-name='approve']"
        ":not([data-workflow-action-modal-url])"
    ).click()
    page.wait_for_load_state()
    _shot(page, "admin-approved")
    created.refresh_from_db()
    assert created.live
    assert created.current_workflow_state is None

    page.goto(f"{base}/zhytomyr/")
    expect(page.locator("main")).to_contain_text(title)
    feed = page.context.request.get(f"{base}/zhytomyr/feed/")
    assert feed.ok and title in feed.text()


def test_dnipro_moderator_cannot_reach_zhytomyr_pages(page, live_server, demo):
    from cms.models import AnnouncementPage, MunicipalityHomePage

    base = live_server.url
    zhytomyr_home = MunicipalityHomePage.objects.get(municipality=demo["zhytomyr"])
    dnipro_home = MunicipalityHomePage.objects.get(municipality=demo["dnipro"])
    zhytomyr_item = AnnouncementPage.objects.descendant_of(zhytomyr_home).first()
    _admin_login(page, base, "dnipro-moderator")

    page.goto(f"{base}/cms/pages/")
    expect(page).to_have_url(re.compile(rf"/cms/pages/{dnipro_home.pk}/$"))
    expect(page.locator("main")).not_to_contain_text("Житомир")
    _shot(page, "admin-dnipro-explorer")

    page.goto(f"{base}/cms/pages/{zhytomyr_home.pk}/")
    expect(page).to_have_url(re.compile(rf"/cms/pages/{dnipro_home.pk}/$"))

    response = page.goto(f"{base}/cms/pages/{zhytomyr_item.pk}/edit/")
    assert (
        response.status == 403
        or "/cms/pages/" not in page.url
        or (f"/cms/pages/{zhytomyr_item.pk}/edit/" not in page.url)
    )
    expect(page.locator("body")).not_to_contain_text(zhytomyr_item.title)
    _shot(page, "admin-dnipro-refused")
