"""Voting under a rush, on PostgreSQL: concurrent requests through the full stack.

One owner sends many votes on one item at once from two accounts of the same
person, while neighbours vote too; each request runs on its own thread with
its own database connection, as web workers would. One vote per owner and
item stays in the database, and nobody gets a server error.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.utils import translation

from buildings.models import Vote
from buildings.selectors import meeting_results
from tests.buildings.factories import (
    BuildingFactory,
    add_owner,
    add_premises,
    make_meeting,
)
from tests.factories import CitizenFactory, UserFactory
from tests.services import require_postgres

SAME_OWNER_REQUESTS = 16
NEIGHBOURS = 8
ALREADY = (
    "You have already voted on this question; votes cannot be changed.",
    "You have already voted on this question.",
)


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("changeable", [False, True], ids=["final", "changeable"])
def test_concurrent_votes_of_one_owner_on_one_item_leave_one_vote(zhytomyr, changeable):
    require_postgres()
    building = BuildingFactory(municipality=zhytomyr)
    person = CitizenFactory()
    owner = add_owner(building, "Олена Коваленко", user=person)
    add_premises(building, "1", "60.00", [(owner, "1/1")])
    neighbours = []
    for n in range(NEIGHBOURS):
        user = CitizenFactory()
        add_premises(
            building,
            str(n + 2),
            "50.00",
            [(add_owner(building, f"Сусід {n}", user=user), "1/1")],
        )
        neighbours.append(user)
    meeting = make_meeting(building, votes_changeable=changeable)
    item = meeting.items.first()
    url = f"/en/{zhytomyr.slug}/buildings/meetings/{meeting.pk}/vote/"
    accounts = [person, UserFactory(identity=person.identity)]
    own = [_session(a) for a in accounts]
    jobs = [
        (own[n % 2], "for" if n % 2 else "against") for n in range(SAME_OWNER_REQUESTS)
    ]
    jobs += [(_session(u), "for") for u in neighbours]
    start = threading.Barrier(len(jobs))

    def vote(job):
        session, choice = job
        start.wait(timeout=60)
        client = Client()
        client.cookies["sessionid"] = session
        try:
            response = client.post(url, {f"item_{item.pk}": choice})
            return response.status_code, [
                str(m) for m in get_messages(response.wsgi_request)
            ]
        finally:
            connection.close()

    with translation.override("en"), ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(vote, jobs))

    statuses = Counter(code for code, _ in results)
    notes = Counter(note for _, messages in results for note in messages)
    assert all(code < 500 for code in statuses), statuses
    assert Vote.objects.filter(item=item, owner=owner).count() == 1
    assert Vote.objects.filter(item=item).count() == 1 + NEIGHBOURS
    if changeable:
        assert (
            notes["Thank you: your vote is counted."]
            == SAME_OWNER_REQUESTS + NEIGHBOURS
        )
    else:
        assert notes["Thank you: your vote is counted."] == 1 + NEIGHBOURS, notes
        assert sum(notes[text] for text in ALREADY) == SAME_OWNER_REQUESTS - 1, notes
    result = meeting_results(meeting)
    assert result.turnout_weight == 60 + 50 * NEIGHBOURS
    assert result.voters == 1 + NEIGHBOURS
