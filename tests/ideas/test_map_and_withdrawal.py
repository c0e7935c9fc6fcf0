"""The campaign map (GeoJSON) and the author's withdrawal of an idea."""

from __future__ import annotations

import pytest

from edem.core.errors import DomainError, PermissionRefused
from edem.notifications.models import Notification
from edem.participation.models import AuditEntry
from ideas import selectors, services
from ideas.models import Idea
from tests.factories import CitizenFactory
from tests.ideas.factories import IdeaFactory, set_stage, support_row

pytestmark = pytest.mark.django_db


def _geojson(client, campaign, **params):
    url = f"/en/zhytomyr/ideas/campaigns/{campaign.pk}/ideas.geojson"
    response = client.get(url, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return response.json()


def test_the_map_shows_the_listed_ideas_that_mark_a_place(client, campaign):
    second = campaign.subtopics.last()
    placed = IdeaFactory(campaign=campaign, title="Фонтанчик у сквері", lat="50.254700",
                         lon="28.658700")
    IdeaFactory(campaign=campaign, title="Лавки на набережній", subtopic=second,
                lat="50.250000", lon="28.670000")
    IdeaFactory(campaign=campaign, title="Без місця на карті")
    IdeaFactory(campaign=campaign, title="Приховано модератором", status="hidden",
                hidden_reason="Реклама", lat="50.2", lon="28.6")
    support_row(placed)

    data = _geojson(client, campaign)
    assert data["type"] == "FeatureCollection"
    assert data["truncated"] is False
    titles = [f["properties"]["title"] for f in data["features"]]
    assert titles == ["Фонтанчик у сквері", "Лавки на набережній"]  # most supported first
    first = data["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [28.6587, 50.2547]}
    assert first["properties"]["url"] == f"/en/zhytomyr/ideas/{placed.pk}/"
    assert first["properties"]["supports_label"] == "1 support"
    # The list's filters apply to the map.
    by_topic = _geojson(client, campaign, subtopic=second.pk)
    assert [f["properties"]["title"] for f in by_topic["features"]] == [
        "Лавки на набережній"]


def test_the_map_is_bounded(client, campaign, monkeypatch):
    monkeypatch.setattr(selectors, "MAP_LIMIT", 2)
    for n in range(3):
        IdeaFactory(campaign=campaign, lat=f"50.25{n}", lon="28.65")
    data = _geojson(client, campaign)
    assert len(data["features"]) == 2
    assert data["truncated"] is True


def test_the_pages_carry_the_map_only_when_an_idea_marks_a_place(client, campaign):
    landing = f"/en/zhytomyr/ideas/campaigns/{campaign.pk}/"
    listing = f"/en/zhytomyr/ideas/campaigns/{campaign.pk}/ideas/"
    IdeaFactory(campaign=campaign)
    assert 'id="ideas-map"' not in client.get(landing).content.decode()
    IdeaFactory(campaign=campaign, lat="50.2547", lon="28.6587")
    for url in (landing, listing):
        html = client.get(url, {"sort": "newest", "page": "1"}).content.decode()
        assert 'id="ideas-map"' in html
        assert 'id="map-config"' in html
    html = client.get(listing, {"sort": "newest", "page": "1"}).content.decode()
    assert 'data-query="sort=newest"' in html  # the map shows every page


def test_the_author_withdraws_an_idea_before_the_selection(client, campaign):
    idea = IdeaFactory(campaign=campaign)
    supporter = CitizenFactory()
    set_stage(campaign, "discussion")
    services.support_create(actor=supporter, idea=idea)
    with pytest.raises(PermissionRefused):
        services.idea_withdraw(actor=supporter, idea=idea)

    client.force_login(idea.author)
    page = client.post(f"/en/zhytomyr/ideas/{idea.pk}/withdraw/",
                       {"reason": "Подам спільно з сусідами"}, follow=True)
    assert "Your idea is withdrawn" in page.content.decode()
    idea.refresh_from_db()
    assert idea.status == Idea.Status.WITHDRAWN
    assert idea.withdrawal_reason == "Подам спільно з сусідами"
    assert idea.support_count == 1  # supports stay as they were
    entry = AuditEntry.objects.get(action="ideas.idea_withdrawn")
    assert entry.actor == idea.author
    assert entry.before["status"] == "published"
    assert entry.after == {"status": "withdrawn"}
    assert Notification.objects.filter(kind="ideas.idea_withdrawn",
                                       recipient=supporter).exists()
    assert not Notification.objects.filter(kind="ideas.idea_withdrawn",
                                           recipient=idea.author).exists()
    # The page stays and says why; the lists and the map leave it out.
    detail = client.get(idea.get_absolute_url()).content.decode()
    assert "Withdrawn by the author" in detail and "Подам спільно з сусідами" in detail
    assert idea not in selectors.idea_list(municipality=campaign.municipality,
                                           campaign=campaign)
    # Once withdrawn, it cannot be supported nor withdrawn again.
    with pytest.raises(DomainError):
        services.support_create(actor=CitizenFactory(), idea=idea)
    with pytest.raises(DomainError):
        services.idea_withdraw(actor=idea.author, idea=idea)


def test_no_withdrawal_once_the_selection_has_begun(client, campaign):
    idea = IdeaFactory(campaign=campaign)
    set_stage(campaign, "selection")
    client.force_login(idea.author)
    assert "Withdraw my idea" not in client.get(idea.get_absolute_url()).content.decode()
    page = client.post(f"/en/zhytomyr/ideas/{idea.pk}/withdraw/", follow=True)
    assert "only before the commission" in page.content.decode()
    idea.refresh_from_db()
    assert idea.status == Idea.Status.PUBLISHED
    assert not AuditEntry.objects.filter(action="ideas.idea_withdrawn").exists()


def test_a_withdrawn_idea_still_counts_towards_the_limit(campaign):
    author = CitizenFactory()
    campaign.ideas_per_person = 1
    campaign.save()
    idea = IdeaFactory(campaign=campaign, author=author)
    services.idea_withdraw(actor=author, idea=idea, reason="")
    with pytest.raises(DomainError) as refused:
        services.idea_create(actor=author, campaign=campaign, title="Ще одна гарна ідея",
                             text="Опис ідеї, достатньо довгий для перевірки.",
                             subtopic_id=campaign.subtopics.first().pk)
    assert refused.value.code == "limit_reached"
    assert Idea.objects.filter(author=author).count() == 1
