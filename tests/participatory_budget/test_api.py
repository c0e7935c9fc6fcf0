"""The public API of the participatory budget: support figures of projects and cycles."""

from __future__ import annotations

import pytest

from participatory_budget import services
from participatory_budget.models import PhaseKind, Project
from tests.factories import CitizenFactory
from tests.participatory_budget.factories import cycle_in, project

pytestmark = pytest.mark.django_db

S = Project.Status


def _projects(client, slug: str) -> dict[int, dict]:
    data = client.get(f"/api/v1/{slug}/budget/projects/").json()
    return {row["id"]: row for row in data["results"]}


def test_api_gives_the_support_count_of_projects_in_support_collection(
    client, zhytomyr
):
    cycle = cycle_in(zhytomyr, PhaseKind.SUPPORT, min_supports=3)
    supported, other = (
        project(cycle, status=S.SUBMITTED),
        project(cycle, status=S.SUBMITTED),
    )
    for _n in range(2):
        services.support_create(actor=CitizenFactory(), project=supported)
    rows = _projects(client, zhytomyr.slug)
    assert rows[supported.pk]["support_count"] == 2
    assert rows[other.pk]["support_count"] == 0
    assert rows[supported.pk]["support_needed"] == 3
    cycles = client.get(f"/api/v1/{zhytomyr.slug}/budget/cycles/").json()["results"]
    assert cycles[0]["min_supports"] == 3


def test_api_support_count_is_null_where_the_cycle_collects_no_support(
    client, zhytomyr
):
    cycle = cycle_in(zhytomyr, PhaseKind.SUBMISSION)
    cycle.process.phases.filter(kind=PhaseKind.SUPPORT).delete()
    p = project(cycle, status=S.SUBMITTED)
    row = _projects(client, zhytomyr.slug)[p.pk]
    assert row["support_count"] is None and row["support_needed"] is None


def test_api_support_stays_after_collection_and_without_a_minimum(client, zhytomyr):
    cycle = cycle_in(zhytomyr, PhaseKind.SUPPORT)
    p = project(cycle, status=S.SUBMITTED)
    services.support_create(actor=CitizenFactory(), project=p)
    row = _projects(client, zhytomyr.slug)[p.pk]
    assert row["support_count"] == 1 and row["support_needed"] is None


def test_api_project_list_reads_phases_once_for_many_projects(
    client, zhytomyr, django_assert_max_num_queries
):
    cycle = cycle_in(zhytomyr, PhaseKind.SUPPORT)
    other = cycle_in(zhytomyr, PhaseKind.VOTING)
    for c in (cycle, other):
        project(c, status=S.SUBMITTED)
    client.get(
        f"/api/v1/{zhytomyr.slug}/budget/projects/"
    )  # warm the municipality cache
    with django_assert_max_num_queries(8) as few:
        client.get(f"/api/v1/{zhytomyr.slug}/budget/projects/")
    for c in (cycle, other):
        for _n in range(3):
            project(c, status=S.SUBMITTED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_projects(client, zhytomyr.slug)) == 8
