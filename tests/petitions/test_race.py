"""Signing under a rush, on PostgreSQL: concurrent requests through the full stack.

The requests run on a pool of worker threads, each with its own database
connection (as web workers behind a connection pooler would), and every
person's four requests are spread so that they race each other.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.utils import translation

from edem.participation.models import AuditEntry
from petitions import selectors, services
from petitions.models import Petition, Signature
from tests.factories import CitizenFactory
from tests.petitions.factories import collecting
from tests.services import require_postgres

IDENTITIES = 50
REQUESTS_EACH = 4
WORKERS = 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_200_concurrent_sign_requests_from_50_people(zhytomyr):
    require_postgres()
    petition = collecting(zhytomyr, signature_threshold=IDENTITIES)
    url = f"/en/{zhytomyr.slug}/petitions/{petition.pk}/sign/"
    sessions = []
    for n in range(IDENTITIES):
        client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        client.force_login(CitizenFactory())
        sessions.append(client.cookies["sessionid"].value)
    jobs = [(n, sessions[n]) for n in range(IDENTITIES) for _ in range(REQUESTS_EACH)]
    random.Random(5).shuffle(jobs)
    start = threading.Barrier(WORKERS)
    local = threading.local()

    def sign(job):
        n, session = job
        if not getattr(local, "ready", False):
            local.ready = True
            start.wait(timeout=60)
        client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        client.cookies["sessionid"] = session
        try:
            response = client.post(url)
            return response.status_code, [str(m) for m in get_messages(response.wsgi_request)]
        finally:
            connection.close()

    with translation.override("en"), ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(sign, jobs))

    statuses = Counter(code for code, _ in results)
    notes = Counter(note for _, messages in results for note in messages)
    assert all(code < 500 for code in statuses), statuses
    assert notes["Thank you: your signature is counted."] == IDENTITIES, notes
    assert notes["You have already signed this petition."] == IDENTITIES * (
        REQUESTS_EACH - 1
    ), notes
    assert Signature.objects.filter(petition=petition).count() == IDENTITIES
    assert (
        Signature.objects.filter(petition=petition).values("identity").distinct().count()
        == IDENTITIES
    )
    assert selectors.signature_count(petition) == IDENTITIES
    services.flush_signature_counts()
    petition.refresh_from_db()
    assert petition.signature_count == IDENTITIES
    # Reaching the threshold happened exactly once, by whoever committed last.
    assert petition.status == Petition.Status.THRESHOLD_REACHED
    assert AuditEntry.objects.filter(action="petitions.threshold_reached").count() == 1
    assert services.signature_counts_reconcile(fix=False) == []
