"""The staff control room of a cycle and the Pabulib import screen, over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from edem.participation.models import AuditEntry
from participatory_budget import services
from participatory_budget.models import (
    Adjustment,
    Ballot,
    Cycle,
    PhaseKind,
    Project,
)
from tests.participatory_budget.factories import admin_of as _admin_of
from tests.participatory_budget.factories import ballot, cycle_in, project
from tests.participatory_budget.factories import official_of as _official_of

pytestmark = pytest.mark.django_db

S = Project.Status


def _in_staff_area(user):
    """Like a real staff member: in the staff area's groups, reading it in English."""
    from wagtail.users.models import UserProfile

    from cms.services import staff_groups_sync

    staff_groups_sync(user)
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def admin_of(municipality):
    return _in_staff_area(_admin_of(municipality))


def official_of(municipality):
    return _in_staff_area(_official_of(municipality))


def _room(cycle) -> str:
    return f"/cms/budget/{cycle.pk}/"


def _local(moment: dt.datetime, cycle) -> str:
    return moment.astimezone(cycle.municipality.tz).strftime("%Y-%m-%dT%H:%M")


def _phase_data(cycle, days_from_now: int) -> dict[str, str]:
    """Ten-day phases one after another from ``days_from_now``, support included."""
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=days_from_now)
    data = {"step": "phases"}
    for n, kind in enumerate(("submission", "support", "review", "voting", "results",
                              "implementation")):
        data[f"{kind}_starts"] = _local(start + dt.timedelta(days=10 * n), cycle)
        data[f"{kind}_ends"] = _local(start + dt.timedelta(days=10 * (n + 1)), cycle)
    return data


def test_the_admin_sets_phase_dates_in_the_municipalitys_time(client, zhytomyr):
    admin = admin_of(zhytomyr)
    cycle = cycle_in(zhytomyr, None)
    client.force_login(admin)
    data = _phase_data(cycle, 1)
    response = client.post(_room(cycle), data, follow=True)
    assert b"The phase dates are saved." in response.content
    voting = Cycle.objects.get(pk=cycle.pk).phase(PhaseKind.VOTING)
    assert _local(voting.starts_at, cycle) == data["voting_starts"]
    assert AuditEntry.objects.filter(action="participatory_budget.phases_set").exists()


def test_phase_dates_out_of_order_are_refused_and_nothing_changes(client, zhytomyr):
    admin = admin_of(zhytomyr)
    cycle = cycle_in(zhytomyr, None)
    before = sorted(cycle.process.phases.values_list("kind", "starts_at"))
    client.force_login(admin)
    data = _phase_data(cycle, 1)
    data["review_starts"] = data["submission_starts"]  # before support ends
    response = client.post(_room(cycle), data, follow=True)
    assert response.status_code == 200
    assert b"cannot start before the previous one ends" in response.content
    assert sorted(cycle.process.phases.values_list("kind", "starts_at")) == before


def test_staff_of_another_municipality_get_404_on_every_screen(client, zhytomyr, dnipro):
    cycle = cycle_in(zhytomyr, PhaseKind.VOTING)
    outsider = admin_of(dnipro)
    client.force_login(outsider)
    assert client.get(_room(cycle)).status_code == 404
    response = client.post(_room(cycle), _phase_data(cycle, 1))
    assert response.status_code == 404
    response = client.post(_room(cycle), {"step": "tally"})
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(municipality=zhytomyr).exists()
    # The import screen offers only the staff member's own municipalities.
    page = client.get("/cms/budget/import/")
    assert page.status_code == 200
    assert zhytomyr.name_uk not in page.content.decode()


def test_citizens_reach_neither_the_room_nor_the_import(client, zhytomyr, citizen):
    cycle = cycle_in(zhytomyr, PhaseKind.VOTING)
    client.force_login(citizen)
    assert client.get(_room(cycle)).status_code in (302, 403, 404)
    assert client.get("/cms/budget/import/").status_code in (302, 403, 404)
    assert client.get("/cms/budget/").status_code in (302, 403, 404)


def test_an_official_enters_a_paper_ballot_once(client, zhytomyr):
    cycle = cycle_in(zhytomyr, PhaseKind.VOTING)
    p = project(cycle)
    unit = cycle.units.get()
    client.force_login(official_of(zhytomyr))
    data = {"step": "paper", "unit": unit.pk, "tax_number": "3012345678",
            "family_name": "Коваль", "given_name": "Олена", "birth_date": "1980-05-01",
            "identity_document": "паспорт ID 001234567", "residency_confirmed": "on",
            "choices": str(p.pk)}
    response = client.post(_room(cycle), data, follow=True)
    assert b"The paper ballot is entered." in response.content
    paper = Ballot.objects.get(source=Ballot.Source.PAPER)
    assert list(paper.choices.values_list("project", flat=True)) == [p.pk]
    again = client.post(_room(cycle), data, follow=True)
    assert b"has already voted" in again.content
    assert Ballot.objects.count() == 1
    bad = client.post(_room(cycle), {**data, "tax_number": "3012345679",
                                     "choices": "abc"}, follow=True)
    assert b"Write project numbers" in bad.content
    assert Ballot.objects.count() == 1


def test_a_paper_ballot_form_with_missing_fields_shows_errors(client, zhytomyr):
    cycle = cycle_in(zhytomyr, PhaseKind.VOTING)
    client.force_login(official_of(zhytomyr))
    response = client.post(_room(cycle), {"step": "paper", "unit": cycle.units.get().pk})
    assert response.status_code == 200
    assert b"Correct the errors below." in response.content
    assert not Ballot.objects.exists()


def test_the_admin_records_an_adjustment_with_a_public_reason(client, zhytomyr):
    admin = admin_of(zhytomyr)
    cycle = cycle_in(zhytomyr, PhaseKind.RESULTS, budget="100")
    a, b = project(cycle, cost="60"), project(cycle, cost="60")
    for _ in range(2):
        ballot(cycle.units.get(), [a])
    ballot(cycle.units.get(), [b])
    client.force_login(admin)
    client.post(_room(cycle), {"step": "tally"})
    no_reason = client.post(_room(cycle), {"step": "adjust", "project": b.pk,
                                           "selected": "1", "reason": ""}, follow=True)
    assert b"Correct the errors below." in no_reason.content
    assert not Adjustment.objects.exists()
    response = client.post(_room(cycle), {"step": "adjust", "project": b.pk, "selected": "1",
                                          "reason": "Місцеве правило: кожен район"},
                           follow=True)
    assert b"The adjustment is recorded." in response.content
    assert Adjustment.objects.get(project=b).selected is True
    client.post(_room(cycle), {"step": "publish"})
    b.refresh_from_db()
    assert b.status == S.SELECTED
    results = client.get(f"/en/{zhytomyr.slug}/budget/{cycle.pk}/results/")
    assert "Місцеве правило: кожен район" in results.content.decode()


PB = """META
key;value
description;Test
country;Poland
unit;Testowo
instance;2024
num_projects;2
num_votes;3
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;votes;name;selected
1;60;3;Park;1
2;50;1;Ławki;0
VOTES
voter_id;vote
a;1
b;1,2
c;1
"""


def test_the_admin_imports_a_pabulib_file_into_their_municipality(client, zhytomyr):
    client.force_login(admin_of(zhytomyr))
    upload = SimpleUploadedFile("testowo.pb", PB.encode(), content_type="text/plain")
    response = client.post("/cms/budget/import/", {"municipality": zhytomyr.pk,
                                                   "file": upload, "title": ""})
    cycle = Cycle.objects.get(is_imported=True)
    assert response.status_code == 302 and response["Location"].endswith(_room(cycle))
    assert cycle.municipality == zhytomyr and cycle.ballots.count() == 3
    assert services.unit_tally(cycle.units.get()).selected == ["1"]


def test_an_import_into_another_municipality_or_a_broken_file_is_refused(client, zhytomyr,
                                                                         dnipro):
    client.force_login(admin_of(zhytomyr))
    upload = SimpleUploadedFile("testowo.pb", PB.encode(), content_type="text/plain")
    response = client.post("/cms/budget/import/", {"municipality": dnipro.pk,
                                                   "file": upload})
    assert response.status_code == 200 and not Cycle.objects.exists()
    broken = SimpleUploadedFile("broken.pb", b"\xff\xfe not a file", content_type="text/plain")
    response = client.post("/cms/budget/import/", {"municipality": zhytomyr.pk,
                                                   "file": broken})
    assert response.status_code == 200 and not Cycle.objects.exists()
    assert b"UTF-8" in response.content
