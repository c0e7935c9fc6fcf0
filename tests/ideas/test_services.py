"""Services of idea campaigns on the real database: phases, limits, supports,
moderation, merging, the commission and implementation updates."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from edem.core.errors import Conflict, DomainError, PermissionRefused, TransitionRefused
from edem.notifications.models import Notification
from edem.participation.models import AuditEntry, Comment, Follow
from ideas import selectors, services
from ideas.models import Campaign, Idea, ImplementationUpdate, Support
from tests.factories import CitizenFactory, IdentityFactory, UserFactory
from tests.ideas.factories import (
    CampaignFactory,
    IdeaFactory,
    phase_windows,
    set_stage,
    support_row,
)

pytestmark = pytest.mark.django_db


def _propose(actor, campaign, **overrides):
    fields = {
        "title": "Питні фонтанчики в сквері Соборному",
        "text": "Влітку в сквері спекотно, а води купити ніде: потрібні фонтанчики.",
        "subtopic_id": campaign.subtopics.first().pk,
    }
    fields.update(overrides)
    return services.idea_create(actor=actor, campaign=campaign, **fields)


def _jpeg_with_gps() -> SimpleUploadedFile:
    from PIL import Image

    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (50.0, 15.0, 16.0), 3: "E", 4: (28.0, 37.0, 12.0)}
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 60)).save(out, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile("sketch.jpg", out.getvalue(), content_type="image/jpeg")


# --- campaigns ----------------------------------------------------------------------


def test_admin_creates_a_campaign_with_phases_in_order(zhytomyr, admin):
    campaign = services.campaign_create(
        actor=admin, municipality=zhytomyr, title="Зелений Житомир",
        description="Ідеї для скверів.", subtopics=["Сквери", " ", "Набережна", "Сквери"],
        phases=phase_windows("proposals"), ideas_per_person=2, min_age=16,
        residency_required=True, cover=_jpeg_with_gps(), publish=True,
    )
    assert [s.title for s in campaign.subtopics.all()] == ["Сквери", "Набережна"]
    assert [p.kind for p in campaign.phases()] == [
        "proposals", "discussion", "selection", "implementation"
    ]
    assert campaign.current_phase().kind == "proposals"
    assert campaign.is_open_for("submit") and not campaign.is_open_for("support")
    assert campaign.process.min_age == 16 and campaign.process.residency_required
    from PIL import Image

    with campaign.cover.open("rb") as stored:
        assert not Image.open(stored).getexif().get_ifd(0x8825)
    entry = AuditEntry.objects.get(action="ideas.campaign_created")
    assert entry.actor == admin and entry.after["ideas_per_person"] == 2


def test_overlapping_phases_are_refused_and_nothing_is_stored(zhytomyr, admin):
    phases = phase_windows("proposals")
    starts, _ends = phases["discussion"]
    phases["discussion"] = (starts - dt.timedelta(days=2), starts + dt.timedelta(days=3))
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(
            actor=admin, municipality=zhytomyr, title="Т", description="О",
            subtopics=["С"], phases=phases,
        )
    assert "phases" in exc.value.message_dict
    assert not Campaign.objects.exists()


def test_only_the_municipalitys_admin_runs_campaigns(zhytomyr, dnipro, moderator):
    from tests.ideas.conftest import staff

    dnipro_admin = staff(dnipro, "admin")
    for actor in (moderator, dnipro_admin, CitizenFactory()):
        with pytest.raises(PermissionRefused):
            services.campaign_create(
                actor=actor, municipality=zhytomyr, title="Т", description="О",
                subtopics=["С"], phases=phase_windows("proposals"),
            )


def test_a_subtopic_with_ideas_cannot_be_removed(campaign, admin, citizen):
    _propose(citizen, campaign)
    with pytest.raises(ValidationError):
        services.campaign_update(
            actor=admin, campaign=campaign, title=campaign.title,
            description=campaign.description, subtopics=["Набережна"],
            phases=phase_windows("proposals"), ideas_per_person=3, publish=True,
        )
    assert campaign.subtopics.count() == 2


# --- proposing and editing ----------------------------------------------------------


def test_a_resident_proposes_an_idea_with_an_image_and_a_point(campaign, citizen):
    idea = _propose(citizen, campaign, image=_jpeg_with_gps(), lat="50.2547", lon="28.6587")
    assert idea.status == Idea.Status.PUBLISHED and idea.author_identity == citizen.identity
    assert str(idea.lat) == "50.254700" and idea.image.name.endswith(".jpg")
    assert Follow.objects.filter(user=citizen, object_id=idea.pk).exists()
    from PIL import Image

    with idea.image.open("rb") as stored:
        assert not Image.open(stored).getexif().get_ifd(0x8825)


@pytest.mark.parametrize("stage", ["discussion", "selection", "implementation", "over"])
def test_proposing_outside_the_proposal_phase_is_refused(campaign, citizen, stage):
    set_stage(campaign, stage)
    with pytest.raises(DomainError) as exc:
        _propose(citizen, campaign)
    assert exc.value.code == "phase_closed"
    assert "етапу подання пропозицій" in str(exc.value)
    assert not Idea.objects.exists()


def test_proposing_before_the_campaign_is_published_is_refused(campaign, citizen):
    Campaign.objects.filter(pk=campaign.pk).update(published_at=None)
    campaign.refresh_from_db()
    with pytest.raises(DomainError):
        _propose(citizen, campaign)
    assert not Idea.objects.exists()


def test_bad_fields_are_all_reported_and_nothing_is_stored(campaign, citizen):
    with pytest.raises(ValidationError) as exc:
        _propose(citizen, campaign, title="Коротко", text="<script>x</script>",
                 subtopic_id=999999)
    assert set(exc.value.message_dict) == {"title", "text", "subtopic"}
    with pytest.raises(ValidationError) as exc:
        _propose(citizen, campaign, lat="48.46", lon="35.04")  # Dnipro, not Zhytomyr
    assert "lat" in exc.value.message_dict
    with pytest.raises(ValidationError):
        _propose(citizen, campaign, lat="50.25", lon="")
    assert not Idea.objects.exists()


def test_the_limit_of_ideas_per_person_counts_every_account(campaign, citizen):
    Campaign.objects.filter(pk=campaign.pk).update(ideas_per_person=2)
    campaign.refresh_from_db()
    second_account = UserFactory(identity=citizen.identity)
    _propose(citizen, campaign, title="Перша ідея для скверу")
    _propose(second_account, campaign, title="Друга ідея для скверу")
    with pytest.raises(DomainError) as exc:
        _propose(citizen, campaign, title="Третя ідея для скверу")
    assert exc.value.code == "limit_reached"
    assert Idea.objects.count() == 2


def test_eligibility_of_the_campaign_narrows_the_municipality(campaign):
    campaign.process.min_age = 18
    campaign.process.save()
    teenager = CitizenFactory(identity=IdentityFactory(birth_date=dt.date.today().replace(
        year=dt.date.today().year - 16)))
    with pytest.raises(PermissionRefused) as exc:
        _propose(teenager, campaign)
    assert exc.value.code == "too_young"
    stranger = CitizenFactory(identity=IdentityFactory(locality_code="UA12020010010035254"))
    campaign.process.residency_required = True
    campaign.process.save()
    with pytest.raises(PermissionRefused) as exc:
        _propose(stranger, campaign)
    assert exc.value.code == "not_resident"
    assert not Idea.objects.exists()


def test_the_author_edits_only_while_proposals_are_open(campaign, citizen):
    idea = _propose(citizen, campaign)
    services.idea_update(
        actor=citizen, idea=idea, title="Питні фонтанчики в сквері та парку",
        text=idea.text, subtopic_id=idea.subtopic_id,
    )
    idea.refresh_from_db()
    assert idea.title == "Питні фонтанчики в сквері та парку"
    with pytest.raises(PermissionRefused):
        services.idea_update(
            actor=CitizenFactory(), idea=idea, title="Чужа правка заголовка",
            text=idea.text, subtopic_id=idea.subtopic_id,
        )
    set_stage(campaign, "discussion")
    with pytest.raises(DomainError) as exc:
        services.idea_update(
            actor=citizen, idea=idea, title="Запізніла правка заголовка",
            text=idea.text, subtopic_id=idea.subtopic_id,
        )
    assert exc.value.code == "phase_closed"
    idea.refresh_from_db()
    assert idea.title == "Питні фонтанчики в сквері та парку"


# --- supports and comments ----------------------------------------------------------


@pytest.fixture
def discussed(campaign):
    idea = IdeaFactory(campaign=campaign)
    set_stage(campaign, "discussion")
    return idea


def test_support_counts_once_per_person_across_accounts(discussed, citizen):
    services.support_create(actor=citizen, idea=discussed)
    with pytest.raises(Conflict) as exc:
        services.support_create(actor=UserFactory(identity=citizen.identity), idea=discussed)
    assert exc.value.code == "already_supported"
    discussed.refresh_from_db()
    assert discussed.support_count == 1 == Support.objects.count()
    assert Follow.objects.filter(user=citizen, object_id=discussed.pk).exists()


@pytest.mark.parametrize("stage", ["proposals", "selection", "implementation", "over"])
def test_supporting_outside_discussion_is_refused(discussed, citizen, stage):
    set_stage(discussed.campaign, stage)
    with pytest.raises(DomainError) as exc:
        services.support_create(actor=citizen, idea=discussed)
    assert exc.value.code == "phase_closed"
    assert "етапу обговорення" in str(exc.value)
    discussed.refresh_from_db()
    assert discussed.support_count == 0 and not Support.objects.exists()


def test_commenting_outside_discussion_is_refused(discussed, citizen):
    set_stage(discussed.campaign, "proposals")
    with pytest.raises(DomainError):
        services.idea_comment(actor=citizen, idea=discussed, body="Гарна ідея")
    assert not Comment.objects.exists()


def test_the_author_cannot_support_their_own_idea(discussed):
    with pytest.raises(DomainError) as exc:
        services.support_create(actor=discussed.author, idea=discussed)
    assert exc.value.code == "own_idea"


def test_a_support_can_be_withdrawn_during_discussion(discussed, citizen):
    services.support_create(actor=citizen, idea=discussed)
    services.support_withdraw(actor=citizen, idea=discussed)
    discussed.refresh_from_db()
    assert discussed.support_count == 0 and not Support.objects.exists()
    with pytest.raises(DomainError):
        services.support_withdraw(actor=citizen, idea=discussed)


def test_a_comment_counts_and_tells_the_author(discussed, citizen):
    comment = services.idea_comment(actor=citizen, idea=discussed, body="Підтримую!")
    discussed.refresh_from_db()
    assert discussed.comment_count == 1
    assert comment.target == discussed
    note = Notification.objects.get(recipient=discussed.author)
    assert note.kind == "ideas.idea_commented" and note.url == discussed.get_absolute_url()


# --- moderators ---------------------------------------------------------------------


def test_a_moderator_hides_with_a_public_reason(discussed, moderator, citizen):
    with pytest.raises(DomainError):
        services.idea_hide(actor=moderator, idea=discussed, reason=" ")
    with pytest.raises(PermissionRefused):
        services.idea_hide(actor=citizen, idea=discussed, reason="Спам")
    services.idea_hide(actor=moderator, idea=discussed, reason="Реклама")
    discussed.refresh_from_db()
    assert discussed.status == "hidden" and discussed.hidden_reason == "Реклама"
    assert discussed.text  # never rewritten
    assert AuditEntry.objects.filter(action="ideas.idea_hidden", reason="Реклама").exists()
    assert Notification.objects.filter(recipient=discussed.author,
                                       kind="ideas.idea_hidden").exists()
    with pytest.raises(DomainError):
        services.support_create(actor=citizen, idea=discussed)
    services.idea_restore(actor=moderator, idea=discussed)
    discussed.refresh_from_db()
    assert discussed.status == "published" and discussed.hidden_reason == ""


def test_merging_moves_supports_without_counting_a_person_twice(discussed, moderator):
    duplicate = IdeaFactory(campaign=discussed.campaign)
    both, only_dup, only_target = CitizenFactory(), CitizenFactory(), CitizenFactory()
    for person in (both, only_target):
        services.support_create(actor=person, idea=discussed)
    for person in (both, only_dup):
        services.support_create(actor=person, idea=duplicate)
    follower = CitizenFactory()
    Follow.objects.create(municipality=duplicate.municipality, user=follower,
                          content_type_id=_idea_ct(), object_id=duplicate.pk)

    target = services.idea_merge(actor=moderator, idea=duplicate, into=discussed,
                                 reason="Та сама пропозиція")
    duplicate.refresh_from_db()
    assert target.support_count == 3
    assert set(Support.objects.filter(idea=discussed).values_list("identity", flat=True)) == {
        both.identity_id, only_dup.identity_id, only_target.identity_id
    }
    assert duplicate.status == "merged" and duplicate.merged_into == discussed
    assert duplicate.support_count == 0 and not Support.objects.filter(idea=duplicate).exists()
    assert Follow.objects.filter(user=follower, object_id=discussed.pk).exists()
    told = set(Notification.objects.filter(kind="ideas.idea_merged").values_list(
        "recipient", flat=True))
    assert told == {duplicate.author_id, discussed.author_id}
    entry = AuditEntry.objects.get(action="ideas.idea_merged")
    assert entry.after["moved_supports"] == 1
    assert entry.after["supports_of_people_who_supported_both"] == 1
    assert services.idea_counts_reconcile() == []


def test_merging_into_itself_or_across_campaigns_is_refused(discussed, moderator):
    other = IdeaFactory(campaign=CampaignFactory(municipality=discussed.municipality))
    with pytest.raises(DomainError):
        services.idea_merge(actor=moderator, idea=discussed, into=discussed, reason="x")
    with pytest.raises(DomainError):
        services.idea_merge(actor=moderator, idea=other, into=discussed, reason="x")
    assert Idea.objects.filter(status="merged").count() == 0


def _idea_ct() -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Idea).pk


# --- the commission -----------------------------------------------------------------


def test_the_commission_decides_only_once_selection_begins(discussed, commissioner):
    with pytest.raises(DomainError) as exc:
        services.idea_shortlist(actor=commissioner, idea=discussed)
    assert exc.value.code == "phase_closed"
    discussed.refresh_from_db()
    assert discussed.status == "published"


def test_only_the_campaigns_commission_decides(discussed, official, moderator):
    set_stage(discussed.campaign, "selection")
    for actor in (official, moderator):
        with pytest.raises(PermissionRefused):
            services.idea_shortlist(actor=actor, idea=discussed)


def test_selecting_an_idea_publishes_the_decision_and_tells_followers(
    discussed, commissioner, citizen
):
    services.support_create(actor=citizen, idea=discussed)
    set_stage(discussed.campaign, "selection")
    with pytest.raises(TransitionRefused):
        services.idea_decide(actor=commissioner, idea=discussed, selected=True,
                             decision="Обрано")
    services.idea_shortlist(actor=commissioner, idea=discussed)
    with pytest.raises(DomainError):
        services.idea_decide(actor=commissioner, idea=discussed, selected=True, decision="")
    idea = services.idea_decide(actor=commissioner, idea=discussed, selected=True,
                                decision="Включено до плану робіт на рік.")
    assert idea.status == "selected" and idea.implementation == "planned"
    assert idea.decided_at is not None
    told = set(Notification.objects.filter(kind="ideas.idea_decided").values_list(
        "recipient", flat=True))
    assert told == {discussed.author_id, citizen.pk}
    assert list(
        AuditEntry.objects.filter(target_filter(idea)).values_list("action", flat=True)
        .order_by("created_at")
    ) == ["ideas.idea_shortlisted", "ideas.idea_selected"]
    assert list(selectors.results_list(campaign=discussed.campaign)) == [idea]


def target_filter(idea):
    from django.db.models import Q

    return Q(content_type_id=_idea_ct(), object_id=str(idea.pk))


def test_implementation_updates_reach_the_followers(discussed, commissioner, citizen):
    services.support_create(actor=citizen, idea=discussed)
    set_stage(discussed.campaign, "selection")
    services.idea_shortlist(actor=commissioner, idea=discussed)
    services.idea_decide(actor=commissioner, idea=discussed, selected=True, decision="Так")
    Notification.objects.all().delete()
    with pytest.raises(DomainError):
        services.implementation_update_create(
            actor=commissioner, idea=discussed, text="Роботи",
            implementation="in_progress",
            happened_on=timezone.localdate() + dt.timedelta(days=5),
        )
    update = services.implementation_update_create(
        actor=commissioner, idea=discussed, text="Фонтанчики закуплено.",
        implementation="in_progress",
    )
    discussed.refresh_from_db()
    assert discussed.implementation == "in_progress" and update.happened_on
    told = set(Notification.objects.filter(kind="ideas.implementation_updated")
               .values_list("recipient", flat=True))
    assert told == {discussed.author_id, citizen.pk}
    assert AuditEntry.objects.filter(action="ideas.implementation_updated").exists()


def test_an_unselected_idea_gets_no_updates(discussed, official):
    with pytest.raises(DomainError):
        services.implementation_update_create(
            actor=official, idea=discussed, text="x", implementation="done"
        )
    assert not ImplementationUpdate.objects.exists()


# --- counters and statistics --------------------------------------------------------


def test_reconciling_repairs_drift(discussed):
    support_row(discussed)
    Idea.objects.filter(pk=discussed.pk).update(support_count=7, comment_count=3)
    drift = services.idea_counts_reconcile()
    assert drift == [{"idea": discussed.pk, "supports": 1, "counted_supports": 7,
                      "comments": 0, "counted_comments": 3}]
    discussed.refresh_from_db()
    assert (discussed.support_count, discussed.comment_count) == (1, 0)


def test_statistics_count_each_participant_once(discussed, citizen):
    services.support_create(actor=citizen, idea=discussed)
    services.idea_comment(actor=citizen, idea=discussed, body="Так!")
    services.idea_comment(actor=discussed.author, idea=discussed, body="Дякую")
    stats = selectors.campaign_statistics(campaign=discussed.campaign)
    assert stats["participants"] == 2
    assert (stats["ideas"], stats["supports"], stats["comments"]) == (1, 1, 2)
    today = stats["per_day"][-1]
    assert (today["ideas"], today["supports"], today["comments"]) == (1, 1, 2)


def test_similar_ideas_are_found_while_typing(campaign):
    IdeaFactory(campaign=campaign, title="Питні фонтанчики в сквері Соборному")
    IdeaFactory(campaign=campaign, title="Велопарковки біля парку")
    found = selectors.idea_similar(campaign=campaign, title="фонтанчики у сквері")
    assert [i.title for i in found] == ["Питні фонтанчики в сквері Соборному"]
