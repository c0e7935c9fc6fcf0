"""The demo data: a draft under discussion, an open survey and a quiz, made once."""

from __future__ import annotations

import pytest

from consultations.demo import seed_consultations
from consultations.models import DraftDecision, Proposal, Quiz, Survey
from edem.core.demo import seed_staff
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_demo_consultations_are_seeded_once(zhytomyr, client):
    seed_staff(zhytomyr)
    OrganisationFactory(municipality=zhytomyr)
    seed_consultations(zhytomyr)
    seed_consultations(zhytomyr)
    draft = DraftDecision.objects.get()
    assert draft.discussion_open() and draft.paragraphs.count() == 9
    assert Proposal.objects.count() == 2
    survey = Survey.objects.get()
    assert survey.is_open()
    quiz = Quiz.objects.get()
    assert quiz.stages.count() == 2 and quiz.stages.get(number=1).is_open()
    page = client.get("/en/zhytomyr/consultations/")
    assert draft.title in page.content.decode() and survey.title in page.content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 200
    assert client.get(quiz.stages.get(number=1).get_absolute_url()).status_code == 200
