"""Thin view tests: pages answer, refuse clearly, and stay inside their municipality."""

from __future__ import annotations

import csv
import io

import pytest

from participatory_budget import services
from participatory_budget.models import Ballot, BallotType, PhaseKind, Project
from participatory_budget.services import Choice
from tests.factories import CitizenFactory
from tests.participatory_budget.factories import (
    admin_of,
    ballot,
    commission_member,
    cycle_in,
    project,
)

pytestmark = pytest.mark.django_db


def test_pages_of_a_cycle_answer_in_both_languages(client, zhytomyr):
    cycle = cycle_in(zhytomyr, PhaseKind.VOTING)
    p = project(cycle)
    for prefix in ("", "/en"):
        for path in ("", "map/", f"{cycle.pk}/", f"projects/{p.pk}/",
                     f"{cycle.pk}/vote/{cycle.units.get().pk}/", f"{cycle.pk}/statistics/"):
            response = client.get(f"{prefix}/zhytomyr/budget/{path}")
            assert response.status_code == 200, path
    assert "Бюджет участі" in client.get("/zhytomyr/budget/").content.decode()


def test_another_municipalitys_project_and_cycle_are_404(client, zhytomyr, dnipro):
    cycle = cycle_in(zhytomyr, PhaseKind.VOTING)
    p = project(cycle)
    assert client.get(f"/dnipro/budget/projects/{p.pk}/").status_code == 404
    assert client.get(f"/dnipro/budget/{cycle.pk}/").status_code == 404
    assert client.get("/dnipro/budget/map.geojson").json()["features"] == []


def test_the_ballot_form_works_without_javascript(client, zhytomyr, citizen):
    cycle = cycle_in(zhytomyr, PhaseKind.VOTING, ballot_type=BallotType.CUMULATIVE,
                     points_total=4)
    unit = cycle.units.get()
    a, b = project(cycle), project(cycle)
    client.force_login(citizen)
    url = f"/en/zhytomyr/budget/{cycle.pk}/vote/{unit.pk}/"
    response = client.post(url, {f"points-{a.pk}": "3", f"points-{b.pk}": "2"}, follow=True)
    assert "You gave 5 points; you have 4 to distribute." in response.content.decode()
    assert not Ballot.objects.exists()
    response = client.post(url, {f"points-{a.pk}": "3", f"points-{b.pk}": "1"}, follow=True)
    page = response.content.decode()
    assert "Your ballot is saved" in page and 'data-left="points">0<' in page


def test_review_page_is_for_the_commission_only(client, zhytomyr, citizen):
    cycle = cycle_in(zhytomyr, PhaseKind.REVIEW)
    p = project(cycle, status=Project.Status.SUBMITTED)
    client.force_login(citizen)
    assert client.get(f"/zhytomyr/budget/projects/{p.pk}/review/").status_code == 404
    client.force_login(commission_member(cycle).user)
    assert client.get(f"/zhytomyr/budget/projects/{p.pk}/review/").status_code == 200


def test_results_appear_once_published_with_exports(client, zhytomyr):
    admin = admin_of(zhytomyr)
    cycle = cycle_in(zhytomyr, PhaseKind.RESULTS, budget="500")
    unit = cycle.units.get()
    a, b = project(cycle, cost="300"), project(cycle, cost="300")
    ballot(unit, [a]), ballot(unit, [a, b])
    services.cycle_tally(actor=admin, cycle=cycle)
    assert client.get(f"/zhytomyr/budget/{cycle.pk}/results/").status_code == 404
    services.results_publish(actor=admin, cycle=cycle)
    page = client.get(f"/en/zhytomyr/budget/{cycle.pk}/results/").content.decode()
    assert "skipped, only 200 was left" in page and "Budget spent" in page
    pb = client.get(f"/zhytomyr/budget/{cycle.pk}/export/{unit.pk}.pb").content.decode()
    assert "VOTES" in pb and "voter_id;vote" in pb
    rows = list(csv.reader(io.StringIO(client.get(
        f"/zhytomyr/budget/{cycle.pk}/statistics.csv").content.decode("utf-8-sig"))))
    # Two ballots are a group too small to publish exactly.
    assert ["unit", "Уся громада", "<5"] in rows
    data = client.get(f"/zhytomyr/budget/{cycle.pk}/statistics.json").json()
    assert data["ballots"] is None and data["small_group"] == 5  # "fewer than 5"


def test_geojson_filters_by_status_and_carries_progress(client, zhytomyr):
    cycle = cycle_in(zhytomyr, PhaseKind.IMPLEMENTATION)
    built = project(cycle, status=Project.Status.IMPLEMENTATION)
    Project.objects.filter(pk=built.pk).update(progress=70)
    project(cycle, status=Project.Status.NOT_SELECTED)
    data = client.get("/zhytomyr/budget/map.geojson?status=implementation").json()
    assert [(f["id"], f["properties"]["progress"]) for f in data["features"]] == [(built.pk, 70)]
    assert client.get("/zhytomyr/budget/map.geojson?status=nonsense").status_code == 400


def test_the_cabinet_shows_a_paper_ballot(client, zhytomyr):
    from django.conf import settings

    from edem.accounts.claims import KEY_PREFIX_TAX, identity_key
    from edem.accounts.models import Identity
    from tests.participatory_budget.factories import official_of

    cycle = cycle_in(zhytomyr, PhaseKind.VOTING)
    unit = cycle.units.get()
    p = project(cycle, title="Лавки в парку")
    import datetime as dt

    services.paper_ballot_enter(
        actor=official_of(zhytomyr), unit=unit, tax_number="2345678901",
        birth_date=dt.date(1950, 5, 5), given_name="Ганна", family_name="Мельник",
        identity_document="паспорт", residency_confirmed=True, selection=[Choice(p.pk)])
    identity = Identity.objects.get(key=identity_key(settings.IDENTITY_PEPPER, KEY_PREFIX_TAX,
                                                     "2345678901"))
    voter = CitizenFactory(identity=identity)
    client.force_login(voter)
    page = client.get("/en/me/").content.decode()
    assert "paper ballot entered by staff" in page and "Лавки в парку" in page


def test_api_lists_projects_without_personal_data(client, zhytomyr):
    cycle = cycle_in(zhytomyr, PhaseKind.VOTING)
    project(cycle)
    data = client.get("/api/v1/zhytomyr/budget/projects/").json()
    assert data["results"] and "author" not in data["results"][0]
    cycles = client.get("/api/v1/zhytomyr/budget/cycles/").json()["results"]
    assert cycles[0]["phases"][3]["kind"] == "voting"


def test_demo_seeder_builds_a_cycle_in_implementation_once(zhytomyr):
    from participatory_budget.demo import seed_budget

    cycle = seed_budget(zhytomyr)
    assert cycle.results_published_at is not None
    assert cycle.projects.filter(status=Project.Status.IMPLEMENTATION, progress=40).exists()
    assert cycle.projects.filter(status=Project.Status.REJECTED).exists()
    assert cycle.ballots.count() == 48
    assert seed_budget(zhytomyr) is None
