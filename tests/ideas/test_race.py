"""Supporting under a rush, on PostgreSQL: concurrent requests through the full stack.

One person sends many support requests at once from two of their accounts,
while others support the same idea; each request runs on its own thread with
its own database connection, as web workers would.
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

from ideas import services
from ideas.models import Idea, Support
from tests.factories import CitizenFactory, UserFactory
from tests.ideas.factories import CampaignFactory, IdeaFactory, set_stage
from tests.services import require_postgres

SAME_PERSON_REQUESTS = 16
OTHERS = 12
WORKERS = 28


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_supports_of_one_identity_leave_one_row(zhytomyr):
    require_postgres()
    campaign = CampaignFactory(municipality=zhytomyr)
    idea = IdeaFactory(campaign=campaign)
    set_stage(campaign, "discussion")
    url = f"/en/{zhytomyr.slug}/ideas/{idea.pk}/support/"
    person = CitizenFactory()
    accounts = [person, UserFactory(identity=person.identity)]
    sessions = []
    for account in accounts:
        client = Client()
        client.force_login(account)
        sessions.append(client.cookies["sessionid"].value)
    others = []
    for _n in range(OTHERS):
        client = Client()
        client.force_login(CitizenFactory())
        others.append(client.cookies["sessionid"].value)
    jobs = [sessions[n % 2] for n in range(SAME_PERSON_REQUESTS)] + others
    start = threading.Barrier(len(jobs))

    def support(session):
        start.wait(timeout=60)
        client = Client()
        client.cookies["sessionid"] = session
        try:
            response = client.post(url)
            return response.status_code, [str(m) for m in get_messages(response.wsgi_request)]
        finally:
            connection.close()

    with translation.override("en"), ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(support, jobs))

    statuses = Counter(code for code, _ in results)
    notes = Counter(note for _, messages in results for note in messages)
    assert all(code < 500 for code in statuses), statuses
    assert notes["Thank you: your support is counted."] == 1 + OTHERS, notes
    assert notes["You have already supported this idea."] == SAME_PERSON_REQUESTS - 1, notes
    assert Support.objects.filter(idea=idea, identity=person.identity).count() == 1
    assert Support.objects.filter(idea=idea).count() == 1 + OTHERS
    idea.refresh_from_db()
    assert idea.support_count == 1 + OTHERS
    assert services.idea_counts_reconcile(fix=False) == []
    assert Idea.objects.get(pk=idea.pk).support_count == 1 + OTHERS
