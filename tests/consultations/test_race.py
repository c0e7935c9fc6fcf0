"""Concurrent requests of one person on PostgreSQL: one row each, never a 500.

Each request runs on its own thread with its own database connection, started
together behind a barrier, as web workers behind a connection pooler would.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from consultations import services
from consultations.models import Proposal, ProposalSupport, QuizAttempt
from edem.core.errors import DomainError
from tests.consultations.factories import draft_decision, proposal, quiz_stage
from tests.factories import UserFactory
from tests.services import require_postgres

CONCURRENT = 8

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(work, accounts):
    start = threading.Barrier(len(accounts))

    def run(account):
        start.wait(timeout=60)
        try:
            return "ok", work(account)
        except DomainError as exc:
            return exc.code, None
        finally:
            connection.close()

    with ThreadPoolExecutor(len(accounts)) as pool:
        return list(pool.map(run, accounts))


def test_concurrent_supports_of_one_person_end_as_one_row(zhytomyr, citizen):
    require_postgres()
    target = proposal(draft_decision(zhytomyr))
    # The same person from several accounts and tabs at once.
    accounts = [citizen] + [UserFactory(identity=citizen.identity)
                            for _ in range(CONCURRENT - 1)]
    results = _race(lambda a: services.proposal_support(actor=a, proposal=target), accounts)
    codes = sorted(code for code, _ in results)
    assert codes == ["already_supported"] * (CONCURRENT - 1) + ["ok"]
    assert ProposalSupport.objects.filter(proposal=target).count() == 1
    assert Proposal.objects.get(pk=target.pk).supports_count == 1


def test_concurrent_quiz_starts_and_submissions_of_one_person_end_as_one_attempt(
        zhytomyr, citizen):
    require_postgres()
    stage = quiz_stage(zhytomyr)
    accounts = [citizen] + [UserFactory(identity=citizen.identity)
                            for _ in range(CONCURRENT - 1)]
    results = _race(lambda a: services.attempt_start(actor=a, stage=stage).pk, accounts)
    started = {pk for code, pk in results if code == "ok"}
    assert all(code in ("ok", "already_started") for code, _ in results)
    assert len(started) == 1
    assert QuizAttempt.objects.filter(stage=stage).count() == 1
    attempt = QuizAttempt.objects.get()
    right = {child.id: [i for i, o in enumerate(child.value["options"]) if o["correct"]]
             for child in stage.questions}
    results = _race(
        lambda a: services.attempt_submit(actor=a, attempt=attempt, answers=right).score,
        accounts)
    codes = sorted(code for code, _ in results)
    assert codes == ["already_submitted"] * (CONCURRENT - 1) + ["ok"]
    attempt.refresh_from_db()
    assert attempt.status == QuizAttempt.Status.SUBMITTED and attempt.score == 3
    assert QuizAttempt.objects.filter(stage=stage).count() == 1
