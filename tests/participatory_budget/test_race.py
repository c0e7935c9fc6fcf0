"""Voting under a rush, on PostgreSQL: concurrent requests of one voter.

Each request runs on its own thread with its own database connection, as web
workers would, and they start together.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.utils import translation

from participatory_budget.models import (
    Ballot,
    BallotChoice,
    BallotType,
    PhaseKind,
    Project,
    ProjectSupport,
)
from tests.factories import CitizenFactory, UserFactory
from tests.participatory_budget.factories import cycle_in, project
from tests.services import require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(session: str, calls: list[tuple]) -> list[tuple[int, list[str]]]:
    """POST every call at once; a call may carry its own session as a third item."""
    start = threading.Barrier(len(calls))

    def post(call):
        url, data, *own = call
        client = Client()
        client.cookies["sessionid"] = own[0] if own else session
        start.wait(timeout=60)
        try:
            response = client.post(url, data)
            return response.status_code, [str(m) for m in get_messages(response.wsgi_request)]
        finally:
            connection.close()

    with translation.override("en"), ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(post, calls))


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def test_concurrent_additions_never_push_a_knapsack_ballot_over_the_budget(zhytomyr):
    require_postgres()
    cycle = cycle_in(zhytomyr, PhaseKind.VOTING, budget="1000",
                     ballot_type=BallotType.KNAPSACK)
    unit = cycle.units.get()
    projects = [project(cycle, cost="300") for _ in range(8)]  # 8 × 300 > 1000
    voter = CitizenFactory()
    url = f"/en/{zhytomyr.slug}/budget/{cycle.pk}/vote/{unit.pk}/add/"
    results = _race(_session(voter), [(url, {"project": p.pk}) for p in projects])
    assert all(code < 500 for code, _ in results)
    ballot = Ballot.objects.get()
    total = sum(c.project.cost for c in ballot.choices.select_related("project"))
    assert total <= 1000 and ballot.choices.count() == 3
    accepted = sum("The project is on your ballot." in notes for _c, notes in results)
    refused = sum(any("more than the budget" in n for n in notes) for _c, notes in results)
    assert (accepted, refused) == (3, 5)


def test_concurrent_additions_never_exceed_k_approvals(zhytomyr):
    require_postgres()
    cycle = cycle_in(zhytomyr, PhaseKind.VOTING, ballot_type=BallotType.APPROVAL,
                     max_picks=2)
    unit = cycle.units.get()
    projects = [project(cycle) for _ in range(6)]
    url = f"/en/{zhytomyr.slug}/budget/{cycle.pk}/vote/{unit.pk}/add/"
    results = _race(_session(CitizenFactory()), [(url, {"project": p.pk}) for p in projects])
    assert all(code < 500 for code, _ in results)
    assert BallotChoice.objects.count() == 2 and Ballot.objects.count() == 1


def test_concurrent_first_ballots_of_one_voter_end_as_one_ballot(zhytomyr):
    require_postgres()
    cycle = cycle_in(zhytomyr, PhaseKind.VOTING, ballot_type=BallotType.APPROVAL,
                     max_picks=1, ballot_change_allowed=False)
    unit = cycle.units.get()
    projects = [project(cycle) for _ in range(6)]
    url = f"/en/{zhytomyr.slug}/budget/{cycle.pk}/vote/{unit.pk}/"
    results = _race(_session(CitizenFactory()), [(url, {"project": p.pk}) for p in projects])
    assert all(code < 500 for code, _ in results)
    assert Ballot.objects.count() == 1 and BallotChoice.objects.count() == 1
    saved = sum("Your ballot is saved. Thank you for voting!" in n for _c, n in results)
    already = sum(any("already voted" in m for m in n) for _c, n in results)
    assert (saved, already) == (1, 5)


def test_concurrent_supports_of_one_person_end_as_one_support(zhytomyr):
    """Eight requests at once from three accounts of one person: one support row,
    a count of one, every other request told "already supported", no 500."""
    require_postgres()
    cycle = cycle_in(zhytomyr, PhaseKind.SUPPORT)
    target = project(cycle, status=Project.Status.SUBMITTED)
    person = CitizenFactory()
    accounts = [person, UserFactory(identity=person.identity),
                UserFactory(identity=person.identity)]
    sessions = [_session(a) for a in accounts]
    url = f"/en/{zhytomyr.slug}/budget/projects/{target.pk}/support/"
    results = _race("", [(url, {}, sessions[n % 3]) for n in range(8)])
    assert all(code < 500 for code, _ in results)
    assert ProjectSupport.objects.filter(project=target).count() == 1
    target.refresh_from_db()
    assert target.support_count == 1
    counted = sum("Thank you: your support is counted." in n for _c, n in results)
    already = sum(any("already supported" in m for m in n) for _c, n in results)
    assert (counted, already) == (1, 7)
