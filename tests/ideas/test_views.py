"""Thin view tests of idea campaigns: lists, filters, exports, refusals, API,
staff screens and the demo data."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.utils import timezone

from ideas.models import Campaign, Idea, Support
from tests.ideas.factories import CampaignFactory, IdeaFactory, set_stage, support_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def ideas(campaign):
    second = campaign.subtopics.last()
    popular = IdeaFactory(campaign=campaign, title="Фонтанчики в сквері Соборному")
    fresh = IdeaFactory(campaign=campaign, title="Лавки на набережній", subtopic=second)
    talked = IdeaFactory(campaign=campaign, title="Велопарковки біля парку")
    hidden = IdeaFactory(campaign=campaign, title="Реклама вікон", status="hidden",
                         hidden_reason="Реклама")
    for _n in range(3):
        support_row(popular)
    Idea.objects.filter(pk=talked.pk).update(comment_count=5)
    return {"popular": popular, "fresh": fresh, "talked": talked, "hidden": hidden}


def _titles(response) -> list[str]:
    return [i.title for i in response.context["page"].object_list]


def test_idea_list_filters_and_sorts(client, campaign, ideas):
    url = f"/en/zhytomyr/ideas/campaigns/{campaign.pk}/ideas/"
    response = client.get(url)
    assert response.status_code == 200
    assert _titles(response)[0] == "Фонтанчики в сквері Соборному"
    assert "Реклама вікон" not in _titles(response)
    assert _titles(client.get(url, {"sort": "discussed"}))[0] == "Велопарковки біля парку"
    assert _titles(client.get(url, {"sort": "newest"}))[0] == "Велопарковки біля парку"
    by_topic = client.get(url, {"subtopic": campaign.subtopics.last().pk})
    assert _titles(by_topic) == ["Лавки на набережній"]
    assert _titles(client.get(url, {"status": "selected"})) == []


def test_a_hidden_idea_keeps_a_page_with_the_reason(client, ideas):
    response = client.get(f"/en/zhytomyr/ideas/{ideas['hidden'].pk}/")
    assert response.status_code == 200
    assert "Hidden by a moderator" in response.content.decode()
    assert "Реклама" in response.content.decode()


def test_landing_shows_the_phase_and_countdown(client, campaign, ideas):
    body = client.get(f"/en/zhytomyr/ideas/campaigns/{campaign.pk}/").content.decode()
    assert "Now: proposals" in body and 'class="countdown"' in body
    set_stage(campaign, "over")
    body = client.get(f"/en/zhytomyr/ideas/campaigns/{campaign.pk}/").content.decode()
    assert "The campaign is over" in body


def test_a_draft_or_foreign_campaign_is_a_404(client, campaign, dnipro):
    other = CampaignFactory(municipality=dnipro)
    assert client.get(f"/en/zhytomyr/ideas/campaigns/{other.pk}/").status_code == 404
    idea = IdeaFactory(campaign=other)
    assert client.get(f"/en/zhytomyr/ideas/{idea.pk}/").status_code == 404
    Campaign.objects.filter(pk=campaign.pk).update(published_at=None)
    assert client.get(f"/en/zhytomyr/ideas/campaigns/{campaign.pk}/").status_code == 404


def test_exports_list_the_listed_ideas(client, campaign, ideas):
    base = f"/en/zhytomyr/ideas/campaigns/{campaign.pk}"
    response = client.get(f"{base}/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["title"] for r in rows} == {
        "Фонтанчики в сквері Соборному", "Лавки на набережній", "Велопарковки біля парку"
    }
    assert next(r for r in rows if r["id"] == str(ideas["popular"].pk))["supports"] == "3"
    data = json.loads(client.get(f"{base}/export.json").content)
    assert data["campaign"]["id"] == campaign.pk and len(data["ideas"]) == 3
    assert [p["kind"] for p in data["campaign"]["phases"]] == [
        "proposals", "discussion", "selection", "implementation"
    ]


def test_similar_ideas_endpoint(client, campaign, ideas):
    response = client.get(
        f"/en/zhytomyr/ideas/campaigns/{campaign.pk}/similar/", {"title": "фонтанчики"}
    )
    assert [r["title"] for r in response.json()["results"]] == [
        "Фонтанчики в сквері Соборному"
    ]


def test_proposing_through_the_page_and_a_closed_phase_refusal(client, campaign, citizen):
    client.force_login(citizen)
    url = f"/en/zhytomyr/ideas/campaigns/{campaign.pk}/new/"
    data = {"title": "Лавки з тінню на набережній", "subtopic": campaign.subtopics.first().pk,
            "text": "На набережній немає де сховатися від сонця: потрібні лавки з навісами."}
    response = client.post(url, data)
    idea = Idea.objects.get()
    assert response.status_code == 302 and response["Location"] == idea.get_absolute_url()
    set_stage(campaign, "discussion")
    response = client.post(url, {**data, "title": "Друга ідея про набережну"})
    assert response.status_code == 200
    assert "only while the proposal phase is open" in response.content.decode()
    assert Idea.objects.count() == 1


def test_supporting_outside_discussion_is_a_message_not_a_500(client, ideas, citizen):
    client.force_login(citizen)
    idea = ideas["fresh"]
    response = client.post(f"/en/zhytomyr/ideas/{idea.pk}/support/", follow=True)
    assert response.status_code == 200
    assert "only while the discussion phase is open" in response.content.decode()
    assert not Support.objects.filter(idea=idea).exists()
    set_stage(idea.campaign, "discussion")
    client.post(f"/en/zhytomyr/ideas/{idea.pk}/support/")
    client.post(f"/en/zhytomyr/ideas/{idea.pk}/comment/", {"body": "Підтримую"})
    idea.refresh_from_db()
    assert (idea.support_count, idea.comment_count) == (1, 1)


def test_api_lists_ideas_and_supports(client, campaign, ideas, citizen):
    response = client.get(f"/api/v1/zhytomyr/ideas/?campaign={campaign.pk}&sort=supported")
    results = response.json()["results"]
    assert results[0]["title"] == "Фонтанчики в сквері Соборному"
    assert results[0]["support_count"] == 3
    assert all(r["status"] != "hidden" for r in results)
    client.force_login(citizen)
    url = f"/api/v1/zhytomyr/ideas/{ideas['fresh'].pk}/support/"
    refused = client.post(url)
    assert refused.status_code == 400 and refused.json()["code"] == "phase_closed"
    set_stage(campaign, "discussion")
    assert client.post(url).json() == {"supported": True, "supports": 1}
    again = client.post(url)
    assert again.status_code == 409 and again.json()["code"] == "already_supported"
    campaigns = client.get("/api/v1/zhytomyr/idea-campaigns/").json()["results"]
    assert campaigns[0]["current_phase"] == "discussion"


def test_staff_review_screen_is_scoped_to_the_staff_municipalities(
    client, ideas, moderator, dnipro
):
    from tests.ideas.conftest import staff

    client.force_login(moderator)
    idea = ideas["fresh"]
    page = client.get(f"/cms/ideas/{idea.pk}/")
    assert page.status_code == 200 and "Приховати ідею" in page.content.decode()
    response = client.post(f"/cms/ideas/{idea.pk}/", {"step": "hide", "hide-reason": "Спам"})
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.status == "hidden"
    client.force_login(staff(dnipro, "moderator"))
    assert client.get(f"/cms/ideas/{ideas['popular'].pk}/").status_code == 404


def test_admin_creates_a_campaign_in_the_staff_screens(client, zhytomyr, admin):
    client.force_login(admin)
    now = timezone.localtime()
    data = {
        "municipality": zhytomyr.pk, "title": "Безпечні маршрути до шкіл",
        "description": "Як зробити шлях до школи безпечнішим?", "ideas_per_person": 2,
        "subtopics": "Переходи\nОсвітлення", "residency_required": "unknown",
        "publish": "on",
    }
    for n, kind in enumerate(("proposals", "discussion", "selection", "implementation")):
        data[f"{kind}_starts"] = (now + timezone.timedelta(days=7 * n)).strftime(
            "%Y-%m-%d %H:%M")
        data[f"{kind}_ends"] = (now + timezone.timedelta(days=7 * n + 7)).strftime(
            "%Y-%m-%d %H:%M")
    response = client.post("/cms/idea_campaigns/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get(title="Безпечні маршрути до шкіл")
    assert campaign.is_published and campaign.process.phases.count() == 4
    data["discussion_starts"] = data["proposals_starts"]
    response = client.post(f"/cms/idea_campaigns/edit/{campaign.pk}/", data)
    assert response.status_code == 200  # refused: the phases overlap
    assert "може розпочатися лише після завершення" in response.content.decode()


def test_demo_seeding_builds_running_campaigns_and_is_idempotent(zhytomyr, dnipro):
    from edem.core.demo import DEMO_MUNICIPALITIES, seed_staff
    from ideas.demo import seed_ideas

    # The demo places ideas inside Dnipro's real outline.
    demo = next(d for d in DEMO_MUNICIPALITIES if d.slug == "dnipro")
    dnipro.boundary = {"type": "Polygon", "coordinates": [demo.boundary]}
    dnipro.save()
    for municipality in (zhytomyr, dnipro):
        seed_staff(municipality)
        seed_ideas(municipality)
        seed_ideas(municipality)
    running = Campaign.objects.get(municipality=zhytomyr, title__startswith="Зелений")
    assert running.current_phase().kind == "discussion"
    assert running.ideas.filter(status="hidden").count() == 1
    assert Support.objects.filter(idea__campaign=running).count() == 30
    finished = Campaign.objects.get(municipality=zhytomyr, title__startswith="Безпечні")
    assert finished.ideas.filter(status="selected").count() == 2
    assert finished.ideas.filter(updates__isnull=False).distinct().count() == 2
    assert Campaign.objects.get(municipality=dnipro).current_phase().kind == "proposals"
    assert Campaign.objects.count() == 3
    from ideas.services import idea_counts_reconcile

    assert idea_counts_reconcile(fix=False) == []
