"""Staff read individual survey responses in Wagtail: names only for named surveys."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cms.services import staff_groups_sync
from consultations import services
from consultations.models import SurveyResponse
from edem.municipalities.models import MunicipalityRole
from edem.participation.models import AuditEntry
from tests.consultations.factories import question, section, survey
from tests.factories import CitizenFactory, MunicipalityRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def _official(municipality):
    user = UserFactory(is_staff=True)
    MunicipalityRoleFactory(municipality=municipality, user=user,
                            role=MunicipalityRole.Role.OFFICIAL)
    staff_groups_sync(user)
    return user


def _survey(municipality, *, anonymous):
    return survey(municipality, anonymous=anonymous, sections=[section(
        "Поїздки",
        question("mode", "Як ви добираєтеся?", options=["Трамваєм", "Пішки"]),
        question("why", "Чому?", kind="text", required=False),
    )])


def _answer(survey_obj, citizen, answers):
    named = not survey_obj.anonymous
    return SurveyResponse.objects.create(
        survey=survey_obj, respondent=services.respondent_key(survey_obj, citizen.identity),
        identity=citizen.identity if named else None, user=citizen if named else None,
        status=SurveyResponse.Status.SUBMITTED, submitted_at=timezone.now(),
        answers=answers,
    )


def test_staff_see_named_responses_with_the_name_and_download_them(client, zhytomyr):
    named = _survey(zhytomyr, anonymous=False)
    citizen = CitizenFactory()
    _answer(named, citizen, {"mode": 0, "why": "=Швидше"})
    client.force_login(_official(zhytomyr))

    listing = client.get(f"/cms/consultations/surveys/{named.pk}/responses/")
    assert listing.status_code == 200
    assert citizen.identity.full_name in listing.content.decode()
    one = client.get(f"/cms/consultations/surveys/{named.pk}/responses/1/").content.decode()
    assert "Трамваєм" in one and "=Швидше" in one  # free text before any moderation
    assert client.get(f"/cms/consultations/surveys/{named.pk}/responses/2/").status_code == 404

    csv = client.get(f"/cms/consultations/surveys/{named.pk}/responses.csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "response,respondent,submitted_at,mode,why"
    assert lines[1].startswith(f"1,{citizen.identity.full_name},")
    assert lines[1].endswith(",Трамваєм,'=Швидше")  # a formula is never run
    entry = AuditEntry.objects.get(action="consultations.survey_responses_exported")
    assert entry.after == {"responses": named.responses_count, "named": True}


def test_anonymous_responses_are_only_numbered(client, zhytomyr):
    anonymous = _survey(zhytomyr, anonymous=True)
    citizen = CitizenFactory()
    _answer(anonymous, citizen, {"mode": 1})
    client.force_login(_official(zhytomyr))
    page = client.get(f"/cms/consultations/surveys/{anonymous.pk}/responses/").content.decode()
    assert "Анонімний респондент №1" in page
    assert citizen.identity.full_name not in page
    csv = client.get(f"/cms/consultations/surveys/{anonymous.pk}/responses.csv")
    assert citizen.identity.full_name not in csv.content.decode("utf-8-sig")


def test_staff_of_another_municipality_and_citizens_cannot_read_responses(
    client, zhytomyr, dnipro
):
    named = _survey(zhytomyr, anonymous=False)
    _answer(named, CitizenFactory(), {"mode": 0})
    client.force_login(_official(dnipro))
    for url in (f"/cms/consultations/surveys/{named.pk}/responses/",
                f"/cms/consultations/surveys/{named.pk}/responses/1/",
                f"/cms/consultations/surveys/{named.pk}/responses.csv"):
        assert client.get(url).status_code == 404
    client.force_login(CitizenFactory())
    assert client.get(f"/cms/consultations/surveys/{named.pk}/responses/").status_code == 302
    assert not AuditEntry.objects.filter(
        action="consultations.survey_responses_exported").exists()
