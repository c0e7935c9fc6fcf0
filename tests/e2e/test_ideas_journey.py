"""Browser journey of an idea campaign in Chromium.

A resident proposes an idea during the proposal phase (similar ideas are
suggested while typing, the place is marked on the map); when discussion
opens another resident supports and comments on it; the commission
shortlists and selects it in the staff screens with a public decision and
posts an implementation update, which the author receives in-app. The phase
dates are moved between the steps, as the municipality's staff set them.
"""

from __future__ import annotations

import os
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.fixtures.browser import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")
TITLE = "Питні фонтанчики біля дитячого майданчика"


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def _login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([{
        "name": "sessionid", "value": client.cookies["sessionid"].value,
        "url": live_server.url,
    }])


@pytest.fixture
def setting(transactional_db):
    """Zhytomyr with a campaign taking proposals, its commission and three residents."""
    from cms.services import municipality_site_setup, staff_groups_sync
    from ideas.models import CommissionMember
    from tests.factories import (
        CitizenFactory,
        MunicipalityFactory,
        MunicipalityRoleFactory,
        UserFactory,
    )
    from tests.ideas.factories import CampaignFactory, IdeaFactory

    zhytomyr = MunicipalityFactory(slug="zhytomyr", name_uk="Житомир", name_en="Zhytomyr")
    municipality_site_setup(zhytomyr)
    campaign = CampaignFactory(
        municipality=zhytomyr, title="Зелений Житомир",
        description="Запропонуйте, як оновити сквери та набережну.",
    )
    IdeaFactory(campaign=campaign, title="Питні фонтанчики в сквері Соборному")
    commissioner = UserFactory(username="commission-chair")
    MunicipalityRoleFactory(municipality=zhytomyr, user=commissioner, role="official")
    staff_groups_sync(commissioner)
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(commissioner)
    profile.preferred_language = "en"  # the staff screens in English, as the checks read
    profile.save()
    CommissionMember.objects.create(campaign=campaign, user=commissioner)
    return {
        "municipality": zhytomyr, "campaign": campaign, "commissioner": commissioner,
        "author": CitizenFactory(), "supporter": CitizenFactory(),
    }


def test_an_idea_from_proposal_to_implementation_update(page, live_server, setting):
    from ideas.models import Idea
    from tests.ideas.factories import set_stage

    campaign, author, supporter = (
        setting["campaign"], setting["author"], setting["supporter"]
    )
    base = f"{live_server.url}/en/zhytomyr/ideas"

    # Proposals: the author proposes an idea with a place on the map.
    _login(page, live_server, author)
    page.goto(f"{base}/campaigns/{campaign.pk}/")
    expect(page.locator("#phase-heading")).to_have_text("Now: proposals")
    expect(page.locator(".countdown__left")).to_have_text(re.compile(r"\d+ days \d\d:\d\d:\d\d"))
    _shot(page, "ideas-campaign-en")
    page.get_by_role("link", name="Propose an idea").first.click()
    expect(page.locator("#pick-map.leaflet-container")).to_be_visible()
    page.fill("#id_title", TITLE)
    expect(page.locator("#similar-ideas")).to_contain_text(
        "Питні фонтанчики в сквері Соборному"
    )
    page.select_option("#id_subtopic", label="Сквери")
    page.fill("#id_text", "Діти граються на сонці годинами: біля майданчика потрібна "
                          "питна вода, наприклад два фонтанчики з кнопкою.")
    page.locator("#pick-map").scroll_into_view_if_needed()
    box = page.locator("#pick-map .leaflet-overlay-pane path").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    expect(page.locator("#id_lat")).not_to_have_value("")
    _shot(page, "ideas-form-en")
    page.get_by_role("button", name="Publish the idea").click()
    expect(page).to_have_url(re.compile(r"/en/zhytomyr/ideas/\d+/$"))
    expect(page.locator("#idea-status")).to_have_text("published")
    idea = Idea.objects.get(title=TITLE)
    assert idea.author == author and idea.lat is not None

    # Supporting is not open yet.
    _login(page, live_server, supporter)
    page.goto(f"{base}/{idea.pk}/")
    expect(page.get_by_role("button", name="Support the idea")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("during the discussion phase")

    # Discussion: another resident supports and comments.
    set_stage(campaign, "discussion")
    page.goto(f"{base}/{idea.pk}/")
    page.get_by_role("button", name="Support the idea").click()
    expect(page.locator("#support-count")).to_have_text("1 person supports this idea")
    expect(page.locator("main")).to_contain_text("You supported this idea")
    page.fill("#id_body", "Підтримую! Краще біля входу, щоб бачили батьки.")
    page.get_by_role("button", name="Publish the comment").click()
    expect(page.locator(".comment-list")).to_contain_text("Краще біля входу")
    _shot(page, "ideas-discussion-en")
    violations = axe_violations(page)
    assert not violations, violations

    # Selection: the commission shortlists and selects in the staff screens.
    set_stage(campaign, "selection")
    _login(page, live_server, setting["commissioner"])
    page.goto(f"{live_server.url}/cms/ideas/{idea.pk}/")
    page.get_by_role("button", name="Put on the shortlist").click()
    expect(page.locator("#review-status")).to_have_text("shortlisted")
    page.get_by_label("select for implementation").check()
    page.fill("#id_decide-decision", "Комісія підтримала: фонтанчики встановлять навесні.")
    page.get_by_role("button", name="Publish the decision").click()
    expect(page.locator("#review-status")).to_have_text("selected")
    page.select_option("#id_update-implementation", "in_progress")
    page.fill("#id_update-text", "Фонтанчики закуплено, монтаж почнеться наступного тижня.")
    page.get_by_role("button", name="Publish the update").click()
    expect(page.locator(".messages, [role=status]").first).to_contain_text(
        "The update is published"
    )
    _shot(page, "ideas-staff-review-en")

    # The author receives the update in-app and sees it on the idea page.
    _login(page, live_server, author)
    page.goto(f"{live_server.url}/en/me/notifications/")
    expect(page.locator(".notification-list")).to_contain_text(
        f"Implementation update: {TITLE}"
    )
    expect(page.locator(".notification-list")).to_contain_text(
        f"The idea was selected for implementation: {TITLE}"
    )
    page.get_by_role("link", name=f"Implementation update: {TITLE}").click()
    expect(page).to_have_url(re.compile(rf"/ideas/{idea.pk}/$"))
    expect(page.locator("#idea-status")).to_have_text("selected")
    expect(page.locator("#implementation-updates")).to_contain_text("Фонтанчики закуплено")
    _shot(page, "ideas-selected-en")

    # The results page lists it (in Ukrainian, the default language).
    page.goto(f"{live_server.url}/zhytomyr/ideas/campaigns/{campaign.pk}/results/")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page.locator("#selected-ideas")).to_contain_text(TITLE)
    violations = axe_violations(page)
    assert not violations, violations
    _shot(page, "ideas-results-uk")
    page.goto(f"{live_server.url}/zhytomyr/ideas/{idea.pk}/")
    _shot(page, "ideas-selected-uk")
    page.goto(f"{live_server.url}/zhytomyr/ideas/campaigns/{campaign.pk}/statistics/")
    # Participants: the two authors and the supporter.
    expect(page.locator("#campaign-figures dd").first).to_have_text("3")
    _shot(page, "ideas-statistics-uk")


def test_the_campaign_map_replies_reports_hiding_and_withdrawal(
        page, live_server, setting):
    """The campaign's ideas on a map; in the discussion a resident replies, a reader
    reports, a moderator hides the comment on the page; an author withdraws."""
    from cms.services import staff_groups_sync
    from edem.participation.models import Comment, CommentReport
    from ideas.models import Idea
    from tests.factories import CitizenFactory, MunicipalityRoleFactory, UserFactory
    from tests.ideas.factories import IdeaFactory, set_stage

    campaign, author, supporter = (
        setting["campaign"], setting["author"], setting["supporter"]
    )
    zhytomyr = setting["municipality"]
    placed = IdeaFactory(campaign=campaign, author=author, title="Лавки біля фонтану",
                         lat="50.254650", lon="28.658667")
    IdeaFactory(campaign=campaign, title="Велопарковка біля ринку",
                lat="50.250000", lon="28.670000")
    mine = IdeaFactory(campaign=campaign, author=supporter, title="Моя ідея про клумби")
    base = f"{live_server.url}/en/zhytomyr/ideas"

    # The map of the campaign's ideas with a place, on the list of ideas.
    page.goto(f"{base}/campaigns/{campaign.pk}/ideas/")
    ideas_map = page.locator("#ideas-map")
    expect(ideas_map).to_have_attribute("data-loaded", "2")
    expect(page.locator(".map-status")).to_have_text("Ideas on the map: 2")
    page.locator("#ideas-map .leaflet-marker-icon").first.click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("support")
    _shot(page, "ideas-map-en")
    page.goto(f"{live_server.url}/zhytomyr/ideas/campaigns/{campaign.pk}/")
    expect(page.locator("#ideas-map")).to_have_attribute("data-loaded", "2")
    expect(page.locator(".map-status")).to_have_text(re.compile(r"2$"))
    violations = axe_violations(page)
    assert not violations, violations
    _shot(page, "ideas-map-uk")

    # Discussion: the supporter comments, the author replies under the comment.
    set_stage(campaign, "discussion")
    _login(page, live_server, supporter)
    page.goto(f"{base}/{placed.pk}/")
    page.fill("#id_body", "Лавки потрібні з тінню, інакше влітку ніхто не сяде.")
    page.get_by_role("button", name="Publish the comment").click()
    first = Comment.objects.get(author=supporter)
    _login(page, live_server, author)
    page.goto(f"{base}/{placed.pk}/")
    comment = page.locator(f"#comment-{first.pk}")
    comment.get_by_text("Reply", exact=True).click()
    comment.get_by_label("Your reply").fill("Слушно: додам навіс до опису.")
    comment.get_by_role("button", name="Publish the reply").click()
    reply = Comment.objects.get(author=author)
    assert reply.parent == first
    expect(page.locator(f"#comment-{reply.pk}")).to_contain_text("in reply to")
    expect(page.locator(f"#comment-{reply.pk}")).to_have_class(re.compile("comment--reply"))

    # A reader reports the first comment; a moderator hides it on the page with a
    # reason shown in its place (the reply under it stays).
    reader = CitizenFactory()
    _login(page, live_server, reader)
    page.goto(f"{base}/{placed.pk}/")
    reported = page.locator(f"#comment-{first.pk}")
    reported.get_by_text("Report", exact=True).click()
    reported.get_by_label("What rule does the comment break?").fill("Реклама навісів")
    reported.get_by_role("button", name="Report to the moderators").click()
    expect(page.locator("body")).to_contain_text("the moderators will look at the comment")
    assert CommentReport.objects.filter(comment=first, reporter=reader).exists()
    moderator = UserFactory(username="ideas-moderator")
    MunicipalityRoleFactory(municipality=zhytomyr, user=moderator, role="moderator")
    staff_groups_sync(moderator)
    _login(page, live_server, moderator)
    page.goto(f"{base}/{placed.pk}/")
    hidden = page.locator(f"#comment-{first.pk}")
    hidden.get_by_text("Hide (moderator)").click()
    hidden.get_by_label("Public reason shown in place of the comment").fill(
        "Порушує правила: реклама.")
    _shot(page, "ideas-comment-hide-en")
    hidden.get_by_role("button", name="Hide the comment").click()
    expect(page.locator(f"#comment-{first.pk}")).to_contain_text("Порушує правила: реклама.")
    expect(page.locator(f"#comment-{first.pk}")).not_to_contain_text("Лавки потрібні з тінню")
    expect(page.locator(f"#comment-{reply.pk}")).to_contain_text("Слушно")
    first.refresh_from_db()
    assert first.status == Comment.Status.HIDDEN

    # An author withdraws their idea before the selection.
    _login(page, live_server, supporter)
    page.goto(f"{live_server.url}/zhytomyr/ideas/{mine.pk}/")
    page.locator(".idea-withdraw > summary").click()
    page.locator("#withdraw-reason").fill("Подам разом із сусідами.")
    _shot(page, "ideas-withdraw-uk")
    page.locator(".idea-withdraw button[type=submit]").click()
    expect(page.locator("#idea-withdrawn")).to_contain_text("Подам разом із сусідами.")
    mine.refresh_from_db()
    assert mine.status == Idea.Status.WITHDRAWN
    page.goto(f"{base}/campaigns/{campaign.pk}/ideas/")
    expect(page.locator("main")).not_to_contain_text("Моя ідея про клумби")
