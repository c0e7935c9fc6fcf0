"""Support collection, the discussion, announcements and small-group turnout."""

from __future__ import annotations

import pytest
from django.utils import translation

from edem.core.errors import Conflict, DomainError, PermissionRefused
from edem.notifications.models import Notification
from edem.participation.models import AuditEntry, Comment, Follow
from participatory_budget import selectors, services, tasks
from participatory_budget.models import Ballot, PhaseKind, Project, ProjectSupport
from tests.factories import CitizenFactory, UserFactory
from tests.participatory_budget.factories import (
    admin_of,
    ballot,
    commission_member,
    cycle_in,
    project,
    schedule,
)

pytestmark = pytest.mark.django_db

S = Project.Status


def _second_account(user):
    """Another account of the same person (same verified identity)."""
    return UserFactory(identity=user.identity)


# --- support ------------------------------------------------------------------------


def test_a_resident_supports_once_and_the_count_follows_the_rows(zhytomyr, citizen):
    cycle = cycle_in(zhytomyr, PhaseKind.SUPPORT)
    p = project(cycle, status=S.SUBMITTED)
    services.support_create(actor=citizen, project=p)
    with pytest.raises(Conflict) as again:
        services.support_create(actor=citizen, project=p)
    assert again.value.code == "already_supported"
    with pytest.raises(Conflict):
        services.support_create(actor=_second_account(citizen), project=p)
    services.support_create(actor=CitizenFactory(), project=p)
    p.refresh_from_db()
    assert p.support_count == 2 == ProjectSupport.objects.filter(project=p).count()
    assert Follow.objects.filter(user=citizen, object_id=p.pk).exists()
    services.support_withdraw(actor=citizen, project=p)
    p.refresh_from_db()
    assert p.support_count == 1 == ProjectSupport.objects.filter(project=p).count()
    with pytest.raises(DomainError) as none:
        services.support_withdraw(actor=citizen, project=p)
    assert none.value.code == "not_supported"


@pytest.mark.parametrize("phase", [PhaseKind.SUBMISSION, PhaseKind.REVIEW, PhaseKind.VOTING])
def test_support_outside_its_phase_is_refused_with_the_dates_and_nothing_stored(
        zhytomyr, citizen, phase):
    cycle = cycle_in(zhytomyr, phase)
    p = project(cycle, status=S.SUBMITTED)
    with translation.override("en"), pytest.raises(DomainError) as error:
        services.support_create(actor=citizen, project=p)
    assert error.value.code == "support_closed"
    assert "Support is collected from" in str(error.value)
    p.refresh_from_db()
    assert p.support_count == 0 and not ProjectSupport.objects.exists()


def test_a_cycle_without_support_collection_says_so(zhytomyr, citizen):
    cycle = cycle_in(zhytomyr, PhaseKind.SUBMISSION)
    cycle.process.phases.filter(kind=PhaseKind.SUPPORT).delete()
    p = project(cycle, status=S.SUBMITTED)
    with translation.override("en"), pytest.raises(DomainError) as error:
        services.support_create(actor=citizen, project=p)
    assert "does not collect support" in str(error.value)


def test_unverified_ineligible_and_authors_cannot_support(zhytomyr, citizen):
    cycle = cycle_in(zhytomyr, PhaseKind.SUPPORT)
    p = project(cycle, status=S.SUBMITTED, author=citizen)
    with pytest.raises(PermissionRefused):
        services.support_create(actor=UserFactory(), project=p)
    with pytest.raises(DomainError) as own:
        services.support_create(actor=citizen, project=p)
    assert own.value.code == "own_project"
    cycle.process.min_age = 120
    cycle.process.save()
    with pytest.raises(PermissionRefused):
        services.support_create(actor=CitizenFactory(), project=p)
    admitted = project(cycle, status=S.REJECTED)
    with pytest.raises(DomainError) as late:
        services.support_create(actor=CitizenFactory(), project=admitted)
    assert late.value.code == "transition_refused"
    assert not ProjectSupport.objects.exists()


def test_reconcile_repairs_a_drifted_support_count(zhytomyr, citizen):
    cycle = cycle_in(zhytomyr, PhaseKind.SUPPORT)
    p = project(cycle, status=S.SUBMITTED)
    services.support_create(actor=citizen, project=p)
    Project.objects.filter(pk=p.pk).update(support_count=7)
    assert tasks.reconcile_counts() == [{"project": p.pk, "supports": 1, "counted": 7}]
    p.refresh_from_db()
    assert p.support_count == 1
    assert services.support_counts_reconcile() == []


def test_minimum_support_admits_to_review_only_projects_that_reached_it(zhytomyr):
    cycle = cycle_in(zhytomyr, PhaseKind.SUPPORT, min_supports=2)
    member = commission_member(cycle).user
    short, enough = project(cycle, status=S.SUBMITTED), project(cycle, status=S.SUBMITTED)
    services.support_create(actor=CitizenFactory(), project=short)
    for _ in range(2):
        services.support_create(actor=CitizenFactory(), project=enough)
    with translation.override("en"), pytest.raises(DomainError) as running:
        services.project_review_start(actor=member, project=enough)
    assert running.value.code == "support_running"
    # Support collection ends; the periodic task closes it once.
    schedule(cycle, PhaseKind.REVIEW)
    assert services.cycle_milestones_run()["support_closed"] == 1
    assert services.cycle_milestones_run()["support_closed"] == 0
    short.refresh_from_db()
    assert short.status == S.REJECTED
    assert "1" in short.decision_reason and "2" in short.decision_reason
    assert Notification.objects.filter(recipient=short.author,
                                       kind="participatory_budget.project_decided").count() == 1
    assert AuditEntry.objects.filter(
        action="participatory_budget.project_short_of_support").count() == 1
    services.project_review_start(actor=member, project=enough)
    enough.refresh_from_db()
    assert enough.status == S.UNDER_REVIEW


def test_minimum_support_is_refused_when_negative_and_frozen_after_collection(zhytomyr):
    admin = admin_of(zhytomyr)
    cycle = cycle_in(zhytomyr, PhaseKind.SUBMISSION)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.cycle_rules_update(actor=admin, cycle=cycle, changes={"min_supports": -1})
    services.cycle_rules_update(actor=admin, cycle=cycle, changes={"min_supports": 15})
    cycle.refresh_from_db()
    assert cycle.min_supports == 15


def test_support_from_the_project_page_and_the_list(client, zhytomyr, citizen):
    cycle = cycle_in(zhytomyr, PhaseKind.SUPPORT, min_supports=3)
    p = project(cycle, status=S.SUBMITTED, title="Сквер біля школи")
    client.force_login(citizen)
    detail = f"/en/{zhytomyr.slug}/budget/projects/{p.pk}/"
    page = client.get(detail)
    assert b"Support the project" in page.content and b"needed for review: 3" in page.content
    listing = f"/en/{zhytomyr.slug}/budget/{cycle.pk}/"
    response = client.post(f"/en/{zhytomyr.slug}/budget/projects/{p.pk}/support/",
                           {"next": listing}, follow=True)
    assert response.redirect_chain[-1][0] == listing
    assert b"Thank you: your support is counted." in response.content
    assert b"1 support / 3" in response.content
    page = client.get(detail)
    assert b"1 resident supports this project" in page.content
    assert b"Withdraw my support" in page.content
    # An outside "next" is not followed.
    response = client.post(f"/en/{zhytomyr.slug}/budget/projects/{p.pk}/support/",
                           {"withdraw": "1", "next": "https://evil.example/"})
    assert response["Location"].endswith(f"/budget/projects/{p.pk}/")
    p.refresh_from_db()
    assert p.support_count == 0


# --- discussion -----------------------------------------------------------------------


def test_residents_discuss_a_project_and_its_authors_hear_about_it(client, zhytomyr, citizen):
    cycle = cycle_in(zhytomyr, PhaseKind.VOTING)
    p = project(cycle)
    client.force_login(citizen)
    url = f"/en/{zhytomyr.slug}/budget/projects/{p.pk}/comment/"
    response = client.post(url, {"body": "Чудова ідея, підтримую!"}, follow=True)
    assert b"Your comment is published." in response.content
    assert "Чудова ідея, підтримую!" in response.content.decode()
    comment = Comment.objects.get()
    assert comment.object_id == p.pk and comment.municipality == zhytomyr
    assert Notification.objects.filter(recipient=p.author,
                                       kind="participatory_budget.project_commented").exists()
    client.force_login(p.author)
    client.post(url, {"body": "Дякую!", "parent": comment.pk})
    assert Comment.objects.filter(parent=comment, author=p.author).exists()
    assert Notification.objects.filter(recipient=citizen,
                                       kind="participation.comment_replied").exists()


def test_comments_are_refused_with_a_message_when_closed_or_unverified(client, zhytomyr,
                                                                      citizen):
    p = project(cycle_in(zhytomyr, None))  # every phase is still ahead
    client.force_login(citizen)
    url = f"/en/{zhytomyr.slug}/budget/projects/{p.pk}/comment/"
    response = client.post(url, {"body": "Ранній коментар"}, follow=True)
    assert b"discussion of this cycle" in response.content
    with pytest.raises(PermissionRefused):
        services.project_comment(actor=UserFactory(), project=p, body="Привіт")
    with pytest.raises(DomainError):
        services.project_comment(actor=citizen, project=p, body="<script>x</script>")
    assert not Comment.objects.exists()


# --- announcements --------------------------------------------------------------------


def test_voting_is_announced_once_to_participants_and_earlier_voters(zhytomyr):
    earlier = cycle_in(zhytomyr, PhaseKind.IMPLEMENTATION)
    past_voter = CitizenFactory()
    ballot(earlier.units.get(), [project(earlier)], voter=past_voter)
    cycle = cycle_in(zhytomyr, PhaseKind.REVIEW)
    p = project(cycle, status=S.SUBMITTED)
    supporter, follower = CitizenFactory(), CitizenFactory()
    ProjectSupport.objects.create(project=p, identity=supporter.identity, user=supporter)
    from edem.participation.services import follow_set

    follow_set(actor=follower, target=p, following=True)
    kind = "participatory_budget.voting_opened"
    services.cycle_milestones_run()  # voting is still ahead: nobody is told
    assert not Notification.objects.filter(kind=kind).exists()
    schedule(cycle, PhaseKind.VOTING)
    tasks.milestones()
    tasks.milestones()
    told = set(Notification.objects.filter(kind=kind).values_list("recipient", flat=True))
    assert told == {p.author.pk, supporter.pk, follower.pk, past_voter.pk}
    assert Notification.objects.filter(kind=kind).count() == 4
    cycle.refresh_from_db()
    assert cycle.voting_announced_at is not None


def test_published_results_are_announced_once_to_voters(zhytomyr, django_capture_on_commit_callbacks):
    admin = admin_of(zhytomyr)
    cycle = cycle_in(zhytomyr, PhaseKind.RESULTS)
    p = project(cycle)
    voters = [CitizenFactory() for _ in range(2)]
    for voter in voters:
        ballot(cycle.units.get(), [p], voter=voter)
    services.cycle_tally(actor=admin, cycle=cycle)
    with django_capture_on_commit_callbacks(execute=True):
        services.results_publish(actor=admin, cycle=cycle)
    kind = "participatory_budget.cycle_results"
    assert set(Notification.objects.filter(kind=kind).values_list("recipient", flat=True)) == {
        v.pk for v in voters}
    # The author heard about their own project instead.
    assert Notification.objects.filter(recipient=p.author,
                                       kind="participatory_budget.results_published").exists()
    assert tasks.announce_results(cycle.pk) == 0
    assert Notification.objects.filter(kind=kind).count() == 2


# --- turnout without small groups -----------------------------------------------------


def test_small_groups_are_suppressed_with_a_complement():
    rows = [{"g": "a", "count": 40}, {"g": "b", "count": 3}, {"g": "c", "count": 9},
            {"g": "d", "count": 0}]
    out = selectors.suppress_small(rows, total=52)
    shown = {r["g"]: (r["count"], r["hidden"], r.get("fewer_than")) for r in out}
    # b is small; c, the next smallest, is hidden too so b cannot be subtracted out.
    assert shown == {"a": (40, False, None), "b": (None, True, 5), "c": (None, True, None),
                     "d": (0, False, None)}
    two = selectors.suppress_small([{"count": 2}, {"count": 1}, {"count": 30}], total=33)
    assert [r["count"] for r in two] == [None, None, 30]


def test_turnout_never_shows_a_group_of_fewer_than_five(client, zhytomyr):
    cycle = cycle_in(zhytomyr, PhaseKind.RESULTS)
    unit = cycle.units.get()
    p = project(cycle)
    for _ in range(6):
        ballot(unit, [p])
    lonely = ballot(unit, [p])
    Ballot.objects.filter(pk=lonely.pk).update(age_band="60+")
    data = selectors.turnout(cycle=cycle)
    ages = {r["age_group"]: r for r in data["by_age"]}
    assert ages["60+"]["count"] is None and ages["60+"]["fewer_than"] == 5
    assert ages["30-44"]["count"] is None  # its complement
    assert data["ballots"] == 7
    as_json = client.get(f"/en/{zhytomyr.slug}/budget/{cycle.pk}/statistics.json").json()
    assert {r["age_group"]: r["count"] for r in as_json["by_age"]}["60+"] is None
    as_csv = client.get(f"/en/{zhytomyr.slug}/budget/{cycle.pk}/statistics.csv")
    assert "age_group,60+,<5" in as_csv.content.decode()
    page = client.get(f"/en/{zhytomyr.slug}/budget/{cycle.pk}/statistics/")
    assert b"fewer than 5" in page.content


def test_turnout_of_fewer_than_five_voters_hides_the_totals(zhytomyr):
    cycle = cycle_in(zhytomyr, PhaseKind.VOTING)
    ballot(cycle.units.get(), [project(cycle)])
    data = selectors.turnout(cycle=cycle)
    assert data["ballots"] is None and data["voters"] is None
    assert all(r["count"] in (0, None) for r in data["by_age"])
