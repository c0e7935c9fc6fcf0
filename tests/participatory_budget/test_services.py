"""Services of the participatory budget on the real database."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from edem.core.errors import Conflict, DomainError, PermissionRefused
from edem.notifications.models import Notification
from edem.participation.models import AuditEntry
from participatory_budget import selectors, services
from participatory_budget.models import (
    Ballot,
    BallotType,
    Cycle,
    PhaseKind,
    Project,
)
from participatory_budget.services import Choice, CostLine
from tests.factories import CitizenFactory, IdentityFactory, UserFactory
from tests.participatory_budget.factories import (
    DESCRIPTION,
    admin_of,
    ballot,
    commission_member,
    cycle_in,
    official_of,
    project,
    schedule,
)

pytestmark = pytest.mark.django_db

S = Project.Status


def _png_with_gps() -> SimpleUploadedFile:
    from PIL import Image

    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (50.0, 15.0, 16.0), 3: "E", 4: (28.0, 37.0, 12.0)}
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 30)).save(out, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile("park.jpg", out.getvalue(), content_type="image/jpeg")


# --- cycles and rules ---------------------------------------------------------------


def test_admin_creates_a_cycle_with_one_unit_for_the_whole_budget(zhytomyr):
    admin = admin_of(zhytomyr)
    cycle = services.cycle_create(actor=admin, municipality=zhytomyr, title="ПБ 2027",
                                  total_budget="5000000", ballot_type=BallotType.KNAPSACK)
    assert cycle.units.get().budget == Decimal("5000000")
    assert cycle.process.module == "participatory_budget"
    assert AuditEntry.objects.filter(action="participatory_budget.cycle_created").exists()


def test_a_citizen_or_another_citys_admin_cannot_create_a_cycle(zhytomyr, dnipro, citizen):
    for actor in (citizen, admin_of(dnipro)):
        with pytest.raises(PermissionRefused):
            services.cycle_create(actor=actor, municipality=zhytomyr, title="ПБ",
                                  total_budget="100")


def test_mes_is_refused_for_points_ballots(zhytomyr):
    with pytest.raises(ValidationError):
        services.cycle_create(actor=admin_of(zhytomyr), municipality=zhytomyr, title="ПБ",
                              total_budget="100", ballot_type=BallotType.CUMULATIVE,
                              counting_rule="mes")


def test_rules_and_budgets_freeze_when_voting_opens(zhytomyr):
    admin = admin_of(zhytomyr)
    cycle = cycle_in(zhytomyr, PhaseKind.REVIEW)
    services.cycle_rules_update(actor=admin, cycle=cycle, changes={"max_picks": 3})
    assert Cycle.objects.get(pk=cycle.pk).max_picks == 3
    schedule(cycle, PhaseKind.VOTING)
    with pytest.raises(Conflict):
        services.cycle_rules_update(actor=admin, cycle=cycle, changes={"max_picks": 7})
    with pytest.raises(Conflict):
        services.unit_save(actor=admin, cycle=cycle, unit=cycle.units.first(),
                           data={"budget": "1"})
    assert Cycle.objects.get(pk=cycle.pk).max_picks == 3


def test_unit_budgets_cannot_exceed_the_total(zhytomyr):
    admin = admin_of(zhytomyr)
    cycle = cycle_in(zhytomyr, PhaseKind.SUBMISSION, budget="1000",
                     units=[("Малі", "600")])
    with pytest.raises(ValidationError) as error:
        services.unit_save(actor=admin, cycle=cycle, data={
            "kind": "category", "name_uk": "Великі", "budget": "500"})
    assert "budget" in error.value.message_dict
    unit = services.unit_save(actor=admin, cycle=cycle, data={
        "kind": "category", "name_uk": "Великі", "budget": "400", "min_cost": "100",
        "max_cost": "300"})
    assert unit.cost_limit == Decimal("300")


def test_phases_follow_the_fixed_order_and_voting_start_is_fixed_once_open(zhytomyr):
    admin = admin_of(zhytomyr)
    cycle = cycle_in(zhytomyr, None)
    now = timezone.now()
    day = dt.timedelta(days=1)
    dates = {k: (now + day * (2 * n + 1), now + day * (2 * n + 2))
             for n, k in enumerate(["submission", "review", "voting", "results",
                                    "implementation"])}
    dates["support"] = None
    phases = services.cycle_schedule(actor=admin, cycle=cycle, dates=dates)
    assert [p.kind for p in phases] == ["submission", "review", "voting", "results",
                                        "implementation"]
    bad = dict(dates, voting=(now + day * 2, now + day * 6))
    with pytest.raises(ValidationError):
        services.cycle_schedule(actor=admin, cycle=cycle, dates=bad)
    schedule(cycle, PhaseKind.VOTING)
    voting = cycle.phase(PhaseKind.VOTING)
    moved = {k: (p.starts_at, p.ends_at) for k, p in
             ((p.kind, p) for p in cycle.process.phases.all())}
    moved["voting"] = (voting.starts_at + day, voting.ends_at)
    with pytest.raises(Conflict):
        services.cycle_schedule(actor=admin, cycle=Cycle.objects.get(pk=cycle.pk),
                                dates=moved)


# --- projects and review ------------------------------------------------------------


def _submit(cycle, actor, **overrides):
    data = {
        "title": "Дитячий майданчик на Польовій", "description": DESCRIPTION,
        "cost_items": [CostLine("Гойдалки", "120000"), CostLine("Покриття", "80000.50")],
        "lat": "50.2600", "lon": "28.6600", "address": "вул. Польова, 5",
    }
    data.update(overrides)
    return services.project_submit(actor=actor, cycle=cycle, unit=cycle.units.first(),
                                   **data)


def test_a_resident_submits_a_project_whose_cost_is_the_sum_of_its_items(zhytomyr, citizen):
    cycle = cycle_in(zhytomyr, PhaseKind.SUBMISSION)
    project = _submit(cycle, citizen, images=[_png_with_gps()])
    assert project.cost == Decimal("200000.50")
    assert project.status == S.SUBMITTED
    from PIL import Image

    with project.images.get().image.open("rb") as stored:
        assert not Image.open(stored).getexif().get_ifd(0x8825)


def test_submission_refuses_bad_input_and_changes_nothing(zhytomyr, citizen):
    cycle = cycle_in(zhytomyr, PhaseKind.SUBMISSION, units=[("Малі", "300000")])
    cycle.units.update(max_cost=Decimal("150000"))
    with pytest.raises(ValidationError) as error:
        _submit(cycle, citizen, title="", lat="49.0", lon="30.0",
                cost_items=[CostLine("Гойдалки", "")])
    assert {"title", "lat"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        _submit(cycle, citizen)  # 200 000.50 > 150 000
    assert "cost_items" in error.value.message_dict
    with pytest.raises(ValidationError):
        _submit(cycle, citizen, description="<script>alert(1)</script>" + DESCRIPTION)
    assert not Project.objects.exists()


def test_submission_only_while_open_and_only_for_eligible_residents(zhytomyr):
    cycle = cycle_in(zhytomyr, PhaseKind.REVIEW)
    with pytest.raises(DomainError):
        _submit(cycle, CitizenFactory())
    schedule(cycle, PhaseKind.SUBMISSION)
    outsider = CitizenFactory(identity=IdentityFactory(locality_code="UA12020010010035254"))
    with pytest.raises(PermissionRefused) as error:
        _submit(cycle, outsider)
    assert error.value.code == "not_resident"
    with pytest.raises(PermissionRefused):
        _submit(cycle, UserFactory())  # no verified identity


def test_a_co_author_joins_by_the_invitation_link(zhytomyr, citizen):
    cycle = cycle_in(zhytomyr, PhaseKind.SUBMISSION)
    p = _submit(cycle, citizen)
    friend = CitizenFactory()
    with pytest.raises(PermissionRefused):
        services.project_join(actor=friend, project=p, code="wrong")
    services.project_join(actor=friend, project=p, code=p.coauthor_code)
    with pytest.raises(Conflict):
        services.project_join(actor=friend, project=p, code=p.coauthor_code)
    assert list(selectors.my_projects(user=friend)) == [p]


def test_commission_reviews_corrects_the_cost_and_admits(zhytomyr, citizen):
    cycle = cycle_in(zhytomyr, PhaseKind.REVIEW)
    member = commission_member(cycle).user
    p = project(cycle, status=S.SUBMITTED, author=citizen, cost="200000")
    item = p.cost_items.get()
    with pytest.raises(PermissionRefused):
        services.project_admit(actor=UserFactory(), project=p)
    with pytest.raises(DomainError):  # criteria not judged yet
        services.project_admit(actor=member, project=p)
    for criterion in cycle.review_criteria:
        services.project_assess(actor=member, project=p, criterion=criterion,
                                feasible=True, comment="Так")
    services.cost_item_correct(actor=member, item=item, amount="150000",
                               note="Ринкова ціна обладнання нижча")
    p.refresh_from_db()
    assert p.cost == Decimal("150000") and p.status == S.UNDER_REVIEW
    services.review_message_post(actor=member, project=p, body="Чи погоджено з ОСББ?")
    services.review_message_post(actor=citizen, project=p, body="Так, протокол додано.")
    services.project_admit(actor=member, project=p, reason="Реалістичний проєкт")
    p.refresh_from_db()
    assert p.status == S.ADMITTED
    assert Notification.objects.filter(recipient=citizen,
                                       kind="participatory_budget.project_decided").exists()
    assert Notification.objects.filter(recipient=member,
                                       kind="participatory_budget.review_message").exists()
    actions = set(AuditEntry.objects.filter(object_id=str(p.pk)).values_list("action", flat=True))
    assert {"participatory_budget.review_started", "participatory_budget.project_assessed",
            "participatory_budget.cost_corrected",
            "participatory_budget.project_admitted"} <= actions


def test_a_failed_criterion_blocks_admission_and_rejection_needs_a_reason(zhytomyr):
    cycle = cycle_in(zhytomyr, PhaseKind.REVIEW)
    member = commission_member(cycle).user
    p = project(cycle, status=S.SUBMITTED)
    with pytest.raises(ValidationError):  # a failed criterion needs a comment
        services.project_assess(actor=member, project=p, criterion=cycle.review_criteria[0],
                                feasible=False)
    for n, criterion in enumerate(cycle.review_criteria):
        services.project_assess(actor=member, project=p, criterion=criterion,
                                feasible=n > 0, comment="Земля приватна")
    with pytest.raises(DomainError):
        services.project_admit(actor=member, project=p)
    with pytest.raises(DomainError):
        services.project_reject(actor=member, project=p, reason=" ")
    services.project_reject(actor=member, project=p, reason="Ділянка не комунальна")
    p.refresh_from_db()
    assert p.status == S.REJECTED and p.decision_reason == "Ділянка не комунальна"


# --- voting ------------------------------------------------------------------------


def _voting(zhytomyr, ballot_type, costs=("100", "200", "300", "400"), **rules):
    cycle = cycle_in(zhytomyr, PhaseKind.VOTING, budget="600", ballot_type=ballot_type,
                     **rules)
    unit = cycle.units.get()
    projects = [project(cycle, cost=c) for c in costs]
    return cycle, unit, projects


def test_approval_allows_k_picks_and_refuses_one_more(zhytomyr, citizen):
    _cycle, unit, ps = _voting(zhytomyr, BallotType.APPROVAL, max_picks=2)
    services.ballot_submit(actor=citizen, unit=unit,
                           selection=[Choice(ps[0].pk), Choice(ps[1].pk)])
    with pytest.raises(DomainError) as error:
        services.ballot_add(actor=citizen, unit=unit, project_id=ps[2].pk)
    assert error.value.code == "over_limit"
    # The message names the limit and the number chosen (in either language).
    assert "2" in str(error.value) and "3" in str(error.value)
    assert Ballot.objects.get().choices.count() == 2


def test_knapsack_refuses_a_ballot_over_the_budget(zhytomyr, citizen):
    _cycle, unit, ps = _voting(zhytomyr, BallotType.KNAPSACK)
    with pytest.raises(DomainError) as error:
        services.ballot_submit(actor=citizen, unit=unit,
                               selection=[Choice(ps[2].pk), Choice(ps[3].pk)])
    assert error.value.code == "over_limit"
    assert not Ballot.objects.exists()
    services.ballot_submit(actor=citizen, unit=unit,
                           selection=[Choice(ps[0].pk), Choice(ps[1].pk), Choice(ps[2].pk)])
    state = selectors.ballot_state(unit=unit, ballot=selectors.ballot_of(unit=unit, user=citizen))
    assert state.cost == Decimal("600") and state.cost_left == 0


def test_cumulative_points_add_up_to_at_most_n(zhytomyr, citizen):
    _cycle, unit, ps = _voting(zhytomyr, BallotType.CUMULATIVE, points_total=5)
    with pytest.raises(DomainError):
        services.ballot_submit(actor=citizen, unit=unit,
                               selection=[Choice(ps[0].pk, 4), Choice(ps[1].pk, 2)])
    with pytest.raises(DomainError):
        services.ballot_submit(actor=citizen, unit=unit, selection=[Choice(ps[0].pk, 0)])
    services.ballot_submit(actor=citizen, unit=unit,
                           selection=[Choice(ps[0].pk, 3), Choice(ps[1].pk, 2)])
    state = selectors.ballot_state(unit=unit, ballot=selectors.ballot_of(unit=unit, user=citizen))
    assert state.points == 5 and state.points_left == 0


def test_ordinal_ranks_are_distinct_renumbered_and_at_most_k(zhytomyr, citizen):
    _cycle, unit, ps = _voting(zhytomyr, BallotType.ORDINAL, max_picks=3)
    with pytest.raises(DomainError):
        services.ballot_submit(actor=citizen, unit=unit,
                               selection=[Choice(ps[0].pk, 1), Choice(ps[1].pk, 1)])
    with pytest.raises(DomainError):
        services.ballot_submit(actor=citizen, unit=unit,
                               selection=[Choice(p.pk, n + 1) for n, p in enumerate(ps)])
    b = services.ballot_submit(actor=citizen, unit=unit,
                               selection=[Choice(ps[2].pk, 5), Choice(ps[0].pk, 2)])
    assert [(c.project_id, c.rank) for c in b.choices.order_by("rank")] == [
        (ps[0].pk, 1), (ps[2].pk, 2)]


def test_a_voter_changes_the_ballot_only_where_the_cycle_allows_it(zhytomyr, citizen):
    _cycle, unit, ps = _voting(zhytomyr, BallotType.APPROVAL, ballot_change_allowed=False)
    services.ballot_submit(actor=citizen, unit=unit, selection=[Choice(ps[0].pk)])
    with pytest.raises(Conflict):
        services.ballot_submit(actor=citizen, unit=unit, selection=[Choice(ps[1].pk)])
    other = CitizenFactory()
    _cycle2, unit2, ps2 = _voting(zhytomyr, BallotType.APPROVAL)
    services.ballot_submit(actor=other, unit=unit2, selection=[Choice(ps2[0].pk)])
    services.ballot_submit(actor=other, unit=unit2, selection=[Choice(ps2[1].pk)])
    assert [c.project_id for c in Ballot.objects.get(unit=unit2).choices.all()] == [ps2[1].pk]


def test_voting_is_refused_outside_the_phase_and_for_unadmitted_projects(zhytomyr, citizen):
    cycle, unit, ps = _voting(zhytomyr, BallotType.APPROVAL)
    rejected = project(cycle, status=S.REJECTED)
    with pytest.raises(DomainError):
        services.ballot_submit(actor=citizen, unit=unit, selection=[Choice(rejected.pk)])
    schedule(cycle, PhaseKind.RESULTS)
    with pytest.raises(DomainError) as error:
        services.ballot_submit(actor=citizen, unit=unit, selection=[Choice(ps[0].pk)])
    assert error.value.code == "voting_closed"


def test_a_teenager_below_the_cycles_age_is_refused(zhytomyr):
    cycle, unit, ps = _voting(zhytomyr, BallotType.APPROVAL)
    cycle.process.min_age = 16
    cycle.process.save()
    teen = CitizenFactory(identity=IdentityFactory(
        birth_date=timezone.localdate() - dt.timedelta(days=365 * 15)))
    with pytest.raises(PermissionRefused) as error:
        services.ballot_submit(actor=teen, unit=unit, selection=[Choice(ps[0].pk)])
    assert error.value.code == "too_young"


def test_staff_enter_a_paper_ballot_the_voter_then_sees_and_cannot_vote_again(zhytomyr):
    from edem.accounts.claims import KEY_PREFIX_TAX, identity_key
    from edem.accounts.models import Identity

    _cycle, unit, ps = _voting(zhytomyr, BallotType.APPROVAL)
    staff = official_of(zhytomyr)
    with pytest.raises(PermissionRefused):
        services.paper_ballot_enter(
            actor=CitizenFactory(), unit=unit, tax_number="1234567890",
            birth_date=dt.date(1970, 1, 1), given_name="Іван", family_name="Петренко",
            identity_document="паспорт", residency_confirmed=True,
            selection=[Choice(ps[0].pk)])
    b = services.paper_ballot_enter(
        actor=staff, unit=unit, tax_number="1234567890", birth_date=dt.date(1970, 1, 1),
        given_name="Іван", family_name="Петренко", identity_document="паспорт АА123456",
        residency_confirmed=True, selection=[Choice(ps[0].pk)])
    assert b.source == "paper" and b.entered_by == staff
    assert AuditEntry.objects.filter(action="participatory_budget.paper_ballot_entered").exists()
    # The voter logs in later: the same identity (hash of the tax number).
    from django.conf import settings

    identity = Identity.objects.get(key=identity_key(settings.IDENTITY_PEPPER,
                                                     KEY_PREFIX_TAX, "1234567890"))
    voter = UserFactory(identity=identity)
    assert list(selectors.my_ballots(user=voter)) == [b]
    with pytest.raises(Conflict):
        services.ballot_submit(actor=voter, unit=unit, selection=[Choice(ps[1].pk)])
    with pytest.raises(Conflict):
        services.paper_ballot_enter(
            actor=staff, unit=unit, tax_number="1234567890", birth_date=dt.date(1970, 1, 1),
            given_name="Іван", family_name="Петренко", identity_document="паспорт",
            residency_confirmed=True, selection=[Choice(ps[1].pk)])


# --- counting, results, adjustments, implementation ---------------------------------------


def _counted_cycle(zhytomyr, rule="greedy"):
    cycle = cycle_in(zhytomyr, PhaseKind.RESULTS, budget="500", counting_rule=rule)
    unit = cycle.units.get()
    a, b, c = (project(cycle, cost=x, title=t) for x, t in
               (("300", "A"), ("300", "B"), ("200", "C")))
    for picks, times in (([a, c], 3), ([b], 2), ([b, c], 1)):
        for _ in range(times):
            ballot(unit, picks)
    return cycle, a, b, c


def test_greedy_count_is_stored_with_explanations_and_published(zhytomyr):
    admin = admin_of(zhytomyr)
    cycle, a, b, c = _counted_cycle(zhytomyr)
    services.cycle_tally(actor=admin, cycle=cycle)
    units = selectors.results_of(cycle=cycle)
    entries = {e["project"].title: e for e in units[0]["entries"]}
    # Support: A 3, B 3, C 4 → C (200) then A/B tie by cost, then id: A taken, B skipped.
    assert [entries[t]["row"].selected for t in "ABC"] == [True, False, True]
    assert "skipped" in entries["B"]["explanation"] or "пропущено" in entries["B"]["explanation"]
    services.results_publish(actor=admin, cycle=cycle)
    statuses = dict(Project.objects.filter(cycle=cycle).values_list("title", "status"))
    assert statuses == {"A": S.SELECTED, "B": S.NOT_SELECTED, "C": S.SELECTED}
    with pytest.raises(Conflict):
        services.results_publish(actor=admin, cycle=cycle)


def test_counting_waits_for_voting_to_close(zhytomyr):
    cycle, *_ = _counted_cycle(zhytomyr)
    schedule(cycle, PhaseKind.VOTING)
    with pytest.raises(DomainError):
        services.cycle_tally(actor=admin_of(zhytomyr), cycle=Cycle.objects.get(pk=cycle.pk))


def test_mes_count_explains_payments(zhytomyr):
    admin = admin_of(zhytomyr)
    cycle, a, b, c = _counted_cycle(zhytomyr, rule="mes")
    services.cycle_tally(actor=admin, cycle=cycle)
    entries = {e["project"].title: e for e in selectors.results_of(cycle=cycle)[0]["entries"]}
    assert any(e["row"].reason == "mes_bought" for e in entries.values())
    bought = next(e for e in entries.values() if e["row"].reason == "mes_bought")
    assert bought["row"].payment


def test_an_adjustment_records_the_citys_list_beside_the_rule(zhytomyr):
    admin = admin_of(zhytomyr)
    cycle, a, b, c = _counted_cycle(zhytomyr)
    with pytest.raises(DomainError):
        services.adjustment_record(actor=admin, project=b, selected=True, reason="x")
    services.cycle_tally(actor=admin, cycle=cycle)
    with pytest.raises(DomainError):
        services.adjustment_record(actor=admin, project=b, selected=True, reason="")
    services.adjustment_record(actor=admin, project=b, selected=True,
                               reason="Рада додала кошти з резерву")
    services.adjustment_record(actor=admin, project=a, selected=False,
                               reason="Ділянку передано під школу")
    services.results_publish(actor=admin, cycle=cycle)
    statuses = dict(Project.objects.filter(cycle=cycle).values_list("title", "status"))
    assert statuses == {"A": S.NOT_SELECTED, "B": S.SELECTED, "C": S.SELECTED}
    entries = {e["project"].title: e for e in selectors.results_of(cycle=cycle)[0]["entries"]}
    assert entries["A"]["row"].selected and not entries["A"]["final"]
    assert AuditEntry.objects.filter(action="participatory_budget.result_adjusted").count() == 2


def test_implementation_progress_is_monotonic_and_audited(zhytomyr, citizen):
    staff = official_of(zhytomyr)
    cycle = cycle_in(zhytomyr, PhaseKind.IMPLEMENTATION)
    p = project(cycle, status=S.SELECTED, author=citizen)
    with pytest.raises(DomainError):
        services.progress_report(actor=staff, project=p, date=timezone.localdate(),
                                 progress=10, money_spent="10", note="x")
    services.implementation_start(actor=staff, project=p, contractor="ТОВ «Будмайстер»")
    services.progress_report(actor=staff, project=p, date=timezone.localdate(), progress=40,
                             money_spent="40000", note="Встановили гойдалки",
                             photo=_png_with_gps())
    with pytest.raises(ValidationError):
        services.progress_report(actor=staff, project=p, date=timezone.localdate(),
                                 progress=30, money_spent="40000", note="Назад")
    with pytest.raises(ValidationError):
        services.progress_report(actor=staff, project=p, date=timezone.localdate(),
                                 progress=90, money_spent="1", note="ok", done=True)
    services.progress_report(actor=staff, project=p, date=timezone.localdate(), progress=100,
                             money_spent="98000", note="Завершено", done=True)
    p.refresh_from_db()
    assert (p.status, p.progress, p.money_spent) == (S.DONE, 100, Decimal("98000"))
    assert Notification.objects.filter(recipient=citizen,
                                       kind="participatory_budget.progress_reported").exists()
    assert AuditEntry.objects.filter(action="participatory_budget.progress_reported").count() == 2


def test_turnout_counts_by_day_unit_and_age_group_only(zhytomyr):
    cycle, *_ = _counted_cycle(zhytomyr)
    data = selectors.turnout(cycle=cycle)
    assert data["ballots"] == 6 and data["voters"] == 6
    assert sum(r["count"] for r in data["by_day"]) == 6
    assert {r["age_group"]: r["count"] for r in data["by_age"]}["30-44"] == 6
    assert "identity" not in str(data)
