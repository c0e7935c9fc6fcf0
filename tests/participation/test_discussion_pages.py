"""The shared discussion on public pages (ideas and participatory budget): threads,
reply, report and a moderator's hide, each a form that works without JavaScript."""

from __future__ import annotations

import pytest

from edem.municipalities.models import MunicipalityRole
from edem.notifications.models import Notification
from edem.participation.models import AuditEntry, Comment, CommentReport
from edem.participation.selectors import comment_threads
from edem.participation.services import comment_create
from ideas import services as idea_services
from tests.factories import CitizenFactory, MunicipalityRoleFactory, UserFactory
from tests.ideas.factories import CampaignFactory, IdeaFactory, set_stage
from tests.participatory_budget.factories import cycle_in, project

pytestmark = pytest.mark.django_db


def _idea_in_discussion(municipality):
    campaign = CampaignFactory(municipality=municipality)
    idea = IdeaFactory(campaign=campaign)
    set_stage(campaign, "discussion")
    return idea


def _moderator(municipality):
    user = UserFactory(is_staff=True)
    MunicipalityRoleFactory(municipality=municipality, user=user,
                            role=MunicipalityRole.Role.MODERATOR)
    return user


def test_replies_follow_the_comment_they_answer(zhytomyr):
    idea = _idea_in_discussion(zhytomyr)
    alice, bob = CitizenFactory(), CitizenFactory()
    first = idea_services.idea_comment(actor=alice, idea=idea, body="Перший")
    second = idea_services.idea_comment(actor=bob, idea=idea, body="Другий")
    reply = idea_services.idea_comment(actor=bob, idea=idea, body="Відповідь",
                                       parent=first)
    deeper = idea_services.idea_comment(actor=alice, idea=idea, body="Ще", parent=reply)
    ordered = comment_threads(Comment.objects.order_by("created_at"))
    assert ordered == [first, reply, deeper, second]
    assert [c.depth for c in ordered] == [0, 1, 2, 0]
    assert ordered[1].reply_to == first and ordered[3].reply_to is None


def test_a_resident_replies_on_the_idea_page(client, zhytomyr):
    idea = _idea_in_discussion(zhytomyr)
    alice, bob = CitizenFactory(), CitizenFactory()
    first = idea_services.idea_comment(actor=alice, idea=idea, body="Чудова ідея")
    client.force_login(bob)
    page = client.get(f"/en/zhytomyr/ideas/{idea.pk}/").content.decode()
    assert f'name="parent" value="{first.pk}"' in page
    response = client.post(f"/en/zhytomyr/ideas/{idea.pk}/comment/",
                           {"body": "Згоден, підтримую", "parent": first.pk})
    reply = Comment.objects.get(body="Згоден, підтримую")
    assert response["Location"].endswith(f"#comment-{reply.pk}")
    assert reply.parent == first
    assert Notification.objects.filter(kind="participation.comment_replied",
                                       recipient=alice).exists()
    page = client.get(f"/en/zhytomyr/ideas/{idea.pk}/").content.decode()
    assert "in reply to" in page


def test_no_reply_form_outside_the_discussion(client, zhytomyr):
    idea = _idea_in_discussion(zhytomyr)
    comment_create(actor=CitizenFactory(), target=idea, body="Коментар")
    set_stage(idea.campaign, "selection")
    client.force_login(CitizenFactory())
    page = client.get(f"/en/zhytomyr/ideas/{idea.pk}/").content.decode()
    assert 'name="parent"' not in page
    assert "Report" in page  # reports are taken whatever the phase


def test_a_reader_reports_a_comment_once(client, zhytomyr):
    idea = _idea_in_discussion(zhytomyr)
    comment = idea_services.idea_comment(actor=CitizenFactory(), idea=idea, body="Образа")
    reader = CitizenFactory()
    client.force_login(reader)
    url = f"/en/zhytomyr/comments/{comment.pk}/report/"
    page = client.post(url, {"reason": "Образи"}, follow=True).content.decode()
    assert "the moderators will look at the comment" in page
    again = client.post(url, {"reason": "Ще раз"}, follow=True).content.decode()
    assert "already reported" in again
    empty = client.post(url, {"reason": " "}, follow=True).content.decode()
    assert "Say what is wrong" in empty
    assert CommentReport.objects.filter(comment=comment).count() == 1
    comment.refresh_from_db()
    assert comment.reports_count == 1


def test_a_moderator_hides_a_comment_from_the_page(client, zhytomyr):
    idea = _idea_in_discussion(zhytomyr)
    author = CitizenFactory()
    comment = idea_services.idea_comment(actor=author, idea=idea, body="Образа")
    answer = idea_services.idea_comment(actor=CitizenFactory(), idea=idea,
                                        body="Не ображайте", parent=comment)
    url = f"/en/zhytomyr/comments/{comment.pk}/hide/"
    # A reader sees no hide button and is refused.
    client.force_login(CitizenFactory())
    assert "Hide the comment" not in client.get(idea.get_absolute_url()).content.decode()
    client.post(url, {"reason": "Спроба"})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.VISIBLE

    moderator = _moderator(zhytomyr)
    client.force_login(moderator)
    assert "Hide the comment" in client.get(f"/en/zhytomyr/ideas/{idea.pk}/").content.decode()
    refused = client.post(url, {"reason": ""}, follow=True).content.decode()
    assert "Give the reason" in refused
    response = client.post(url, {"reason": "Образи заборонені правилами"})
    assert response["Location"].endswith(f"/ideas/{idea.pk}/#comment-{comment.pk}")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN
    assert comment.body == "Образа"  # never rewritten
    assert AuditEntry.objects.filter(action="participation.comment_hidden",
                                     actor=moderator).exists()
    # A hidden comment with replies keeps its place and shows the reason.
    page = client.get(f"/en/zhytomyr/ideas/{idea.pk}/").content.decode()
    assert "Образи заборонені правилами" in page and "Образа</p>" not in page
    assert f'id="comment-{answer.pk}"' in page


def test_a_moderator_of_another_municipality_reaches_nothing(client, zhytomyr, dnipro):
    idea = _idea_in_discussion(zhytomyr)
    comment = idea_services.idea_comment(actor=CitizenFactory(), idea=idea, body="Текст")
    client.force_login(_moderator(dnipro))
    assert client.post(f"/en/dnipro/comments/{comment.pk}/hide/",
                       {"reason": "Чуже"}).status_code == 404
    client.post(f"/en/zhytomyr/comments/{comment.pk}/hide/", {"reason": "Чуже"})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.VISIBLE


def test_the_budget_project_page_has_the_same_discussion_actions(client, zhytomyr):
    cycle = cycle_in(zhytomyr, "support")
    p = project(cycle)
    comment = comment_create(actor=CitizenFactory(), target=p, body="Гарний проєкт")
    client.force_login(_moderator(zhytomyr))
    page = client.get(p.get_absolute_url().replace("/zhytomyr/", "/en/zhytomyr/", 1))
    html = page.content.decode()
    assert f"/zhytomyr/comments/{comment.pk}/report/" in html
    assert f"/zhytomyr/comments/{comment.pk}/hide/" in html
    client.post(f"/en/zhytomyr/comments/{comment.pk}/hide/", {"reason": "Дубль"})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN
