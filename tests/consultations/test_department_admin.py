"""The responsible department's staff work in Wagtail without a municipality role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from consultations.models import DraftDecision, Proposal
from edem.municipalities.models import OrganisationRole
from edem.notifications.models import Notification
from tests.consultations.factories import draft_decision, proposal
from tests.factories import CitizenFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _head_of(organisation, role=OrganisationRole.Role.HEAD):
    # A department's head logs in like anyone else: no staff flag, no groups.
    user = UserFactory(is_staff=False)
    OrganisationRole.objects.create(organisation=organisation, user=user, role=role)
    return user


def _ended(draft):
    DraftDecision.objects.filter(pk=draft.pk).update(
        discussion_starts_at=timezone.now() - dt.timedelta(days=20),
        discussion_ends_at=timezone.now() - dt.timedelta(minutes=1),
    )
    draft.refresh_from_db()
    return draft


def test_the_department_head_publishes_the_summary_report_from_wagtail(
    client, zhytomyr
):
    department = OrganisationFactory(municipality=zhytomyr)
    head = _head_of(department)
    draft = _ended(draft_decision(zhytomyr, department=department))
    author = CitizenFactory()
    amendment = proposal(draft, author=author, kind=Proposal.Kind.AMENDMENT)
    client.force_login(head)

    assert client.get("/cms/").status_code == 200
    index = client.get("/cms/consultations/drafts/")
    assert index.status_code == 200
    assert draft.title in index.content.decode()
    manage = f"/cms/consultations/drafts/{draft.pk}/"
    assert client.get(manage).status_code == 200
    client.post(
        manage,
        {
            "step": "decide",
            "proposal": amendment.pk,
            f"p{amendment.pk}-decision": "accepted",
            f"p{amendment.pk}-reason": "Слушно.",
        },
    )
    client.post(
        manage, {"step": "report", "report-summary": "Одну пропозицію враховано."}
    )

    draft.refresh_from_db()
    assert draft.status == DraftDecision.Status.REPORTED
    assert Notification.objects.filter(
        kind="consultations.report_published", recipient=author
    ).exists()


def test_department_staff_reach_only_their_own_department_drafts(
    client, zhytomyr, dnipro
):
    department = OrganisationFactory(municipality=zhytomyr)
    head = _head_of(department)
    own = draft_decision(zhytomyr, department=department)
    other_here = draft_decision(zhytomyr, title="Чужий проєкт рішення")
    other_city = draft_decision(dnipro, title="Проєкт іншої громади")
    client.force_login(head)
    index = client.get("/cms/consultations/drafts/").content.decode()
    assert own.title in index
    assert other_here.title not in index
    assert other_city.title not in index
    for draft in (other_here, other_city):
        assert client.get(f"/cms/consultations/drafts/{draft.pk}/").status_code == 404
    # Preparing drafts stays with the municipality's staff.
    assert client.get(f"/cms/consultations/drafts/{own.pk}/edit/").status_code == 404
    assert client.get("/cms/consultations/drafts/new/").status_code == 404


def test_other_organisation_roles_do_not_open_the_staff_area(client, zhytomyr):
    department = OrganisationFactory(municipality=zhytomyr)
    draft_decision(zhytomyr, department=department)
    operator = _head_of(department, role=OrganisationRole.Role.OPERATOR)
    executor_elsewhere = _head_of(OrganisationFactory(municipality=zhytomyr))
    for user in (operator, executor_elsewhere, CitizenFactory()):
        client.force_login(user)
        response = client.get("/cms/")
        assert response.status_code == 302, user
        assert not user.has_perm("wagtailadmin.access_admin")


def test_department_staff_in_the_staff_area_need_a_second_factor(
    client, zhytomyr, settings
):
    settings.STAFF_REQUIRE_TOTP = True
    department = OrganisationFactory(municipality=zhytomyr)
    draft_decision(zhytomyr, department=department)
    client.force_login(_head_of(department))
    response = client.get("/cms/consultations/drafts/")
    assert response.status_code == 302
    assert "totp" in response["Location"]
