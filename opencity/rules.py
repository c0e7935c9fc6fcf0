"""Permissions of the module, declared with django-rules predicates.

Residents (logged in; with a verified identity where the municipality demands
it) report problems, and only the author confirms, reopens and rates their
report. For a caller without an account, the municipality's contact-centre
operators file the report and take the caller's answer by phone.

The responsible organisation's head and executors accept a report (naming an
executor), start and resolve it; the head, the dispatcher's staff and the
municipality's officials refuse it, mark it a duplicate or forward it to
another organisation; the head reassigns it to another executor. The same
people publish planned and emergency works of their organisation. Municipality admins set up categories, deadline classes
and Open311 keys. A platform admin may take every staff step.
"""

from __future__ import annotations

import rules

from edem.municipalities.models import Organisation, OrganisationRole
from edem.municipalities.rules import (
    holds_organisation_role,
    is_municipality_admin,
    is_municipality_official,
    is_platform_admin,
    municipality_of,
)
from edem.participation.rules import has_verified_identity

Role = OrganisationRole.Role


@rules.predicate
def meets_identity_requirement(user, municipality) -> bool:
    """Where the municipality demands it, only a verified natural person reports."""
    from .models import OpenCitySettings

    municipality = municipality_of(municipality)
    if municipality is None:
        return False
    if not OpenCitySettings.for_municipality(municipality).identity_required:
        return True
    return has_verified_identity(user)


@rules.predicate
def is_report_author(user, report) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and report is not None
        and report.author_id is not None
        and report.author_id == user.pk
    )


def _operator_in(user, municipality) -> bool:
    if not getattr(user, "is_authenticated", False) or municipality is None:
        return False
    return OrganisationRole.objects.filter(
        user=user, role=Role.OPERATOR, organisation__municipality=municipality
    ).exists()


@rules.predicate
def is_contact_centre_operator(user, obj) -> bool:
    """An operator of any organisation of the municipality."""
    return _operator_in(user, municipality_of(obj))


@rules.predicate
def answers_for_caller(user, report) -> bool:
    """A report filed for a caller without an account: an operator takes the answer."""
    if report is None or report.author_id is not None:
        return False
    return _operator_in(user, report.municipality)


@rules.predicate
def works_in_responsible_organisation(user, report) -> bool:
    """Head or executor of the organisation now responsible for the report."""
    return holds_organisation_role(user, report, (Role.HEAD, Role.EXECUTOR))


@rules.predicate
def heads_responsible_organisation(user, report) -> bool:
    return holds_organisation_role(user, report, (Role.HEAD,))


@rules.predicate
def is_assigned_executor(user, report) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and report is not None
        and report.executor_id == user.pk
        and holds_organisation_role(user, report, (Role.HEAD, Role.EXECUTOR))
    )


@rules.predicate
def is_dispatcher_staff(user, obj) -> bool:
    """Head or operator of the municipality's dispatcher organisation."""
    municipality = municipality_of(obj)
    if municipality is None or not getattr(user, "is_authenticated", False):
        return False
    return OrganisationRole.objects.filter(
        user=user, role__in=(Role.HEAD, Role.OPERATOR),
        organisation__municipality=municipality, organisation__is_dispatcher=True,
    ).exists()


@rules.predicate
def holds_any_organisation_role(user, obj) -> bool:
    """For an organisation: any role in it; for a municipality: in any of its own."""
    if not getattr(user, "is_authenticated", False) or obj is None:
        return False
    if isinstance(obj, Organisation):
        return OrganisationRole.objects.filter(user=user, organisation=obj).exists()
    municipality = municipality_of(obj)
    return OrganisationRole.objects.filter(
        user=user, organisation__municipality=municipality
    ).exists()


staff_override = is_platform_admin

rules.add_perm("opencity.add_report", rules.is_authenticated & meets_identity_requirement)
rules.add_perm(
    "opencity.file_report_for_caller", staff_override | is_contact_centre_operator
)
rules.add_perm(
    "opencity.accept_report", staff_override | works_in_responsible_organisation
)
rules.add_perm(
    "opencity.work_report",
    staff_override | heads_responsible_organisation | is_assigned_executor,
)
rules.add_perm(
    "opencity.assign_report", staff_override | heads_responsible_organisation
)
rules.add_perm(
    "opencity.forward_report",
    staff_override | works_in_responsible_organisation | is_dispatcher_staff
    | is_municipality_official,
)
rules.add_perm(
    "opencity.refuse_report",
    staff_override | heads_responsible_organisation | is_dispatcher_staff
    | is_municipality_official,
)
rules.add_perm(
    "opencity.mark_duplicate",
    staff_override | works_in_responsible_organisation | is_dispatcher_staff
    | is_municipality_official,
)
rules.add_perm("opencity.confirm_report", is_report_author | answers_for_caller)
rules.add_perm("opencity.rate_report", is_report_author | answers_for_caller)
rules.add_perm(
    "opencity.view_queue",
    staff_override | holds_any_organisation_role | is_municipality_official,
)
rules.add_perm(
    "opencity.change_category", staff_override | is_municipality_admin
)
rules.add_perm("opencity.manage_open311_keys", staff_override | is_municipality_admin)
# Works are published by the organisation's head or executors for their own
# organisation (``obj``: the organisation or the works), or by the
# municipality's officials and dispatcher for any organisation of it.
rules.add_perm(
    "opencity.publish_work",
    staff_override | works_in_responsible_organisation | is_dispatcher_staff
    | is_municipality_official,
)
rules.add_perm(
    "opencity.view_private_report",
    staff_override | is_report_author | works_in_responsible_organisation
    | is_dispatcher_staff | is_municipality_official,
)
