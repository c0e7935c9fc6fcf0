"""Who may take which step: the transition × role matrix, and the TRANSITIONS table."""

from __future__ import annotations

import pytest
import rules
from django.contrib.auth.models import AnonymousUser

from edem.core.errors import TransitionRefused
from edem.core.transitions import check_transition
from opencity.models import TRANSITIONS, Report
from tests.factories import (
    CitizenFactory,
    MunicipalityRoleFactory,
    OrganisationFactory,
    OrganisationRoleFactory,
    UserFactory,
)
from tests.opencity.conftest import make_report

pytestmark = pytest.mark.django_db
S = Report.Status

ROLES = [
    "author", "other_citizen", "anonymous", "head", "assigned_executor", "other_executor",
    "other_org_head", "dispatcher_head", "operator", "official", "admin",
    "foreign_official", "foreign_operator", "platform_admin",
]

STAFF_FORWARD = {"head", "assigned_executor", "other_executor", "dispatcher_head",
                 "operator", "official", "admin", "platform_admin"}
EXPECTED = {
    "opencity.accept_report": {"head", "assigned_executor", "other_executor",
                               "platform_admin"},
    "opencity.work_report": {"head", "assigned_executor", "platform_admin"},
    "opencity.forward_report": STAFF_FORWARD,
    "opencity.refuse_report": {"head", "dispatcher_head", "operator", "official", "admin",
                               "platform_admin"},
    "opencity.mark_duplicate": STAFF_FORWARD,
    "opencity.confirm_report": {"author"},
    "opencity.rate_report": {"author"},
    "opencity.view_private_report": STAFF_FORWARD | {"author"},
    "opencity.assign_report": {"head", "platform_admin"},
    # Works of the report's organisation (the predicates read ``obj.organisation``).
    "opencity.publish_work": STAFF_FORWARD,
}


@pytest.fixture
def people(city, dnipro):
    report = make_report(city, CitizenFactory())
    org = city.water_west
    assigned = city.executors[org.pk]
    Report.objects.filter(pk=report.pk).update(executor=assigned)
    report.refresh_from_db()
    other_executor = OrganisationRoleFactory(organisation=org, user=UserFactory(),
                                             role="executor").user
    foreign_org = OrganisationFactory(municipality=dnipro, is_dispatcher=True)
    return report, {
        "author": report.author,
        "other_citizen": CitizenFactory(),
        "anonymous": AnonymousUser(),
        "head": city.heads[org.pk],
        "assigned_executor": assigned,
        "other_executor": other_executor,
        "other_org_head": city.heads[city.housing.pk],
        "dispatcher_head": city.heads[city.dispatcher.pk],
        "operator": city.operator,
        "official": city.official,
        "admin": city.admin,
        "foreign_official": MunicipalityRoleFactory(municipality=dnipro, role="official",
                                                    user=UserFactory()).user,
        "foreign_operator": OrganisationRoleFactory(organisation=foreign_org,
                                                    user=UserFactory(),
                                                    role="operator").user,
        "platform_admin": UserFactory(is_superuser=True),
    }


@pytest.mark.parametrize("perm", sorted(EXPECTED))
def test_role_matrix(people, perm):
    report, users = people
    granted = {role for role in ROLES if rules.has_perm(perm, users[role], report)}
    assert granted == EXPECTED[perm]


def test_operators_answer_for_callers_without_an_account(city, people):
    from opencity import services

    report = services.report_file_for_caller(
        actor=city.operator, municipality=city.municipality, caller_name="Петро",
        caller_phone="+380671112233", category=city.leak,
        description="Прорив труби біля школи.", lat="50.25", lon="28.62",
    )
    _report, users = people
    granted = {r for r in ROLES if rules.has_perm("opencity.confirm_report", users[r], report)}
    assert granted == {"operator"}


def test_a_platform_admin_does_not_answer_for_the_author(city, people):
    from edem.core.errors import PermissionRefused
    from opencity import services

    report, users = people
    Report.objects.filter(pk=report.pk).update(status=S.RESOLVED, answer="Готово")
    with pytest.raises(PermissionRefused):
        services.report_confirm(actor=users["platform_admin"], report=report)
    with pytest.raises(PermissionRefused):
        services.report_rate(actor=users["platform_admin"], report=report, rating=1)


def test_reporting_and_filing_for_callers(city, people):
    _report, users = people
    municipality = city.municipality
    reporters = {r for r in ROLES if users[r].has_perm("opencity.add_report", municipality)}
    assert reporters == set(ROLES) - {"anonymous"}
    filers = {r for r in ROLES
              if users[r].has_perm("opencity.file_report_for_caller", municipality)}
    assert filers == {"operator", "platform_admin"}
    setup = {r for r in ROLES if users[r].has_perm("opencity.change_category", municipality)}
    assert setup == {"admin", "platform_admin"}


ALL = set(S.values)


@pytest.mark.parametrize("current", sorted(ALL))
@pytest.mark.parametrize("target", sorted(ALL))
def test_transition_table(current, target):
    allowed = {
        ("new", "accepted"), ("new", "forwarded"), ("new", "refused"), ("new", "duplicate"),
        ("forwarded", "accepted"), ("forwarded", "forwarded"), ("forwarded", "refused"),
        ("forwarded", "duplicate"),
        ("accepted", "in_progress"), ("accepted", "resolved"), ("accepted", "forwarded"),
        ("accepted", "refused"), ("accepted", "duplicate"),
        ("in_progress", "resolved"), ("in_progress", "forwarded"),
        ("resolved", "closed"), ("resolved", "reopened"),
        ("reopened", "in_progress"), ("reopened", "resolved"), ("reopened", "forwarded"),
    }
    if (current, target) in allowed:
        check_transition(TRANSITIONS, current, target)
    else:
        with pytest.raises(TransitionRefused):
            check_transition(TRANSITIONS, current, target)
