"""Surveys: structure checks, conditional questions, drafts, one response, phases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consultations import selectors, services
from consultations.models import FreeTextAnswer, Survey, SurveyResponse
from edem.core.errors import Conflict, DomainError
from tests.consultations.factories import default_sections, question, section, survey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_structure_errors_are_refused_by_the_builder(zhytomyr, official):
    now = timezone.now()
    broken = [section("A",
                      question("b", "Друге?", options=["Так", "Ні"], show_if=("a", "Так")),
                      question("a", "Перше?", options=["Так", "Ні"]),
                      question("a", "Повтор?", options=["Так", "Ні"]))]
    with pytest.raises(ValidationError) as info:
        services.survey_save(actor=official, municipality=zhytomyr, data={
            "title": "Опитування", "sections": broken, "opens_at": now,
            "closes_at": now + dt.timedelta(days=3)})
    messages = " ".join(info.value.message_dict["sections"])
    assert "«a»" in messages and "використано двічі" in messages
    assert not Survey.objects.exists()


def test_questions_freeze_once_the_survey_opens(zhytomyr, official):
    s = survey(zhytomyr)
    with pytest.raises(DomainError):
        services.survey_save(actor=official, municipality=zhytomyr, survey=s,
                             data={"sections": default_sections()[:1]})
    later = s.closes_at + dt.timedelta(days=2)
    services.survey_save(actor=official, municipality=zhytomyr, survey=s,
                         data={"closes_at": later, "sections": default_sections()})
    s.refresh_from_db()
    assert s.closes_at == later


def test_conditional_questions_are_asked_only_when_their_condition_holds(zhytomyr, citizen):
    s = survey(zhytomyr)
    # Same section: the dependent answer is dropped when the condition fails.
    services.survey_draft_save(actor=citizen, survey=s, section=0, complete=True,
                               raw={"mode": "1", "routes": ["0"]})
    # Section 2's "wait" is not asked of a driver: its required flag does not apply.
    services.survey_draft_save(actor=citizen, survey=s, section=1, complete=True,
                               raw={"wait": "", "priorities": ["", "", ""]})
    response = services.survey_submit(actor=citizen, survey=s)
    assert response.answers == {"mode": 1}


def test_a_transit_user_must_answer_the_conditional_questions(zhytomyr, citizen):
    s = survey(zhytomyr)
    with pytest.raises(ValidationError) as info:
        services.survey_draft_save(actor=citizen, survey=s, section=0, complete=True,
                                   raw={"mode": "0", "routes": []})
    assert set(info.value.message_dict) == {"routes"}
    with pytest.raises(ValidationError) as info:
        services.survey_draft_save(actor=citizen, survey=s, section=0, complete=True,
                                   raw={"mode": "0", "routes": ["0", "1", "2"]})
    assert "не більшою за 2" in info.value.message_dict["routes"][0]
    services.survey_draft_save(actor=citizen, survey=s, section=0, complete=True,
                               raw={"mode": "0", "routes": ["0", "2"]})
    with pytest.raises(DomainError, match="3"):
        services.survey_submit(actor=citizen, survey=s)
    services.survey_draft_save(
        actor=citizen, survey=s, section=1, complete=True,
        raw={"wait": "4", "priorities": ["2", "1", "3"], "idea": "Більше тролейбусів",
             "place": ("50.2547", "28.6587")})
    response = services.survey_submit(actor=citizen, survey=s)
    assert response.answers == {"mode": 0, "routes": [0, 2], "wait": 4,
                                "priorities": [1, 0, 2], "idea": "Більше тролейбусів",
                                "place": [50.2547, 28.6587]}
    assert FreeTextAnswer.objects.get().status == FreeTextAnswer.Status.PENDING


@pytest.mark.parametrize("raw, code", [
    ({"wait": "9"}, "wait"),
    ({"wait": "3", "priorities": ["1", "1", "2"]}, "priorities"),
    ({"wait": "3", "place": ("48.46", "35.04")}, "place"),   # Dnipro, not Zhytomyr
    ({"wait": "3", "place": ("пн", "сх")}, "place"),
])
def test_bad_answers_are_refused_and_nothing_is_kept(zhytomyr, citizen, raw, code):
    s = survey(zhytomyr)
    services.survey_draft_save(actor=citizen, survey=s, section=0, raw={"mode": "0",
                                                                       "routes": ["1"]})
    before = SurveyResponse.objects.get().answers
    with pytest.raises(ValidationError) as info:
        services.survey_draft_save(actor=citizen, survey=s, section=1, raw=raw)
    assert code in info.value.message_dict
    assert SurveyResponse.objects.get().answers == before


def test_a_saved_draft_survives_and_is_resumed(zhytomyr, citizen):
    s = survey(zhytomyr)
    services.survey_draft_save(actor=citizen, survey=s, section=0,
                               raw={"mode": "0", "routes": ["1"]}, complete=True)
    # A new session (say, after the browser crashed) finds the answers on the server.
    response = services.response_of(s, citizen)
    assert services.draft_answers(response) == {"mode": 0, "routes": [1]}
    assert response.step == 1 and response.status == SurveyResponse.Status.DRAFT


def test_one_response_per_person_and_changes_until_closing(zhytomyr, citizen):
    s = survey(zhytomyr, allow_changes=True)
    services.survey_draft_save(actor=citizen, survey=s, section=0, raw={"mode": "2"})
    services.survey_submit(actor=citizen, survey=s)
    other_account = UserFactory(identity=citizen.identity)
    # Changing: the counted answers stay until the new ones are sent.
    services.survey_draft_save(actor=other_account, survey=s, section=0, raw={"mode": "1"})
    response = SurveyResponse.objects.get()
    assert services.submitted_answers(response) == {"mode": 2}
    services.survey_submit(actor=other_account, survey=s)
    response.refresh_from_db()
    assert response.answers == {"mode": 1}
    s.refresh_from_db()
    assert s.responses_count == 1 == SurveyResponse.objects.count()


def test_without_changes_a_second_answer_is_refused(zhytomyr, citizen):
    s = survey(zhytomyr, allow_changes=False)
    services.survey_draft_save(actor=citizen, survey=s, section=0, raw={"mode": "2"})
    services.survey_submit(actor=citizen, survey=s)
    with pytest.raises(Conflict):
        services.survey_draft_save(actor=citizen, survey=s, section=0, raw={"mode": "1"})
    assert SurveyResponse.objects.get().answers == {"mode": 2}


def test_answering_a_closed_survey_is_refused_and_nothing_is_stored(zhytomyr, citizen):
    now = timezone.now()
    s = survey(zhytomyr, opens=now - dt.timedelta(days=5), closes=now - dt.timedelta(minutes=1))
    with pytest.raises(DomainError, match="Опитування завершено") as info:
        services.survey_draft_save(actor=citizen, survey=s, section=0, raw={"mode": "2"})
    assert info.value.code == "closed"
    with pytest.raises(DomainError):
        services.survey_submit(actor=citizen, survey=s)
    assert not SurveyResponse.objects.exists()


def test_answering_a_closed_survey_through_the_page_says_why(client, zhytomyr, citizen):
    now = timezone.now()
    s = survey(zhytomyr, opens=now - dt.timedelta(days=5), closes=now - dt.timedelta(minutes=1))
    client.force_login(citizen)
    page = client.post(f"/en/zhytomyr/consultations/surveys/{s.pk}/answer/0/",
                       {"q_mode": "2", "action": "next"}, follow=True)
    assert "The survey is closed" in page.content.decode()
    assert not SurveyResponse.objects.exists()


def test_results_count_submitted_answers_and_published_texts(zhytomyr, moderator):
    from tests.consultations.factories import submitted_response

    s = survey(zhytomyr, results=Survey.Results.LIVE)
    submitted_response(s, answers={"mode": 0, "routes": [0, 1], "wait": 5,
                                   "priorities": [2, 0, 1]})
    submitted_response(s, answers={"mode": 0, "routes": [1], "wait": 3,
                                   "priorities": [0, 2, 1]})
    r3 = submitted_response(s, answers={"mode": 1, "idea": "Лавки"})
    text = FreeTextAnswer.objects.create(survey=s, response=r3, question="idea", text="Лавки")
    results = {r.question.code: r for r in selectors.survey_results(survey=s)}
    assert [(o.label, o.count, o.percent) for o in results["mode"].options] == [
        ("Громадським транспортом", 2, 67), ("Автомобілем", 1, 33), ("Пішки", 0, 0)]
    assert [o.count for o in results["routes"].options] == [1, 2, 0]
    assert results["wait"].average == 4
    assert [(o.label, o.average) for o in results["priorities"].options] == [
        ("Тролейбуси", 1.5), ("Тротуари", 1.5), ("Велодоріжки", 3.0)]
    assert results["idea"].texts == [] and results["idea"].pending_texts == 1
    services.free_text_moderate(actor=moderator, answer=text, publish=True)
    results = {r.question.code: r for r in selectors.survey_results(survey=s)}
    assert [t.text for t in results["idea"].texts] == ["Лавки"]
    rows = list(selectors.survey_export_rows(survey=s))
    assert rows[0] == ["response", "submitted_at", "mode", "routes", "wait", "priorities",
                       "idea", "place"]
    assert rows[1][2:6] == ["Громадським транспортом", "Трамвай; Тролейбус", "5",
                            "Тротуари; Тролейбуси; Велодоріжки"]
    assert rows[3][6] == "Лавки"


def test_results_after_closing_stay_hidden_while_open(client, zhytomyr):
    s = survey(zhytomyr)
    assert client.get(f"/en/zhytomyr/consultations/surveys/{s.pk}/results.csv").status_code == 404
    page = client.get(f"/en/zhytomyr/consultations/surveys/{s.pk}/results/")
    assert "published after the survey closes" in page.content.decode()
