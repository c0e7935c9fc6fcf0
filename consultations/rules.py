"""Permissions of the module, declared with django-rules predicates.

Verified natural persons comment, propose amendments, support, answer surveys
and take quizzes; whether they are eligible (age, residency, login method) is
checked by the services against the consultation's own policy. The
municipality's staff prepare and publish consultations; the responsible
department (its organisation staff, or the municipality's officials) decides
the proposals and publishes the summary report; moderators hide proposals and
moderate free-text answers.
"""

import rules

from edem.municipalities.models import OrganisationRole
from edem.municipalities.rules import (
    holds_organisation_role,
    is_municipality_moderator,
    is_municipality_official,
    is_platform_admin,
)
from edem.participation.rules import has_verified_identity


def _department_of(obj):
    department = getattr(obj, "department", None)
    if department is None and getattr(obj, "draft", None) is not None:
        department = obj.draft.department
    return department


@rules.predicate
def is_department_staff(user, obj) -> bool:
    """The person works in the department responsible for the draft decision."""
    department = _department_of(obj)
    if department is None:
        return False
    return holds_organisation_role(user, department, DEPARTMENT_ROLES)


DEPARTMENT_ROLES = (OrganisationRole.Role.HEAD, OrganisationRole.Role.EXECUTOR)


@rules.predicate
def works_in_a_responsible_department(user) -> bool:
    """Head or executor of a department responsible for some draft decision.

    Such a person opens the staff area (Wagtail) even without a municipality
    role, to decide the proposals and publish the summary report; the screens
    show them only their own department's drafts.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return OrganisationRole.objects.filter(
        user=user, role__in=DEPARTMENT_ROLES, organisation__draft_decisions__isnull=False
    ).exists()


staff = is_platform_admin | is_municipality_official

rules.add_perm("consultations.add_proposal", has_verified_identity)
rules.add_perm("consultations.support_proposal", has_verified_identity)
rules.add_perm("consultations.moderate_proposal", is_platform_admin | is_municipality_moderator)
rules.add_perm("consultations.decide_proposal", staff | is_department_staff)
rules.add_perm("consultations.change_draftdecision", staff)
rules.add_perm("consultations.answer_survey", has_verified_identity)
rules.add_perm("consultations.change_survey", staff)
rules.add_perm(
    "consultations.moderate_freetextanswer", is_platform_admin | is_municipality_moderator
)
rules.add_perm("consultations.take_quiz", has_verified_identity)
rules.add_perm("consultations.change_quiz", staff)
rules.add_perm("consultations.determine_winners", staff)
# Wagtail asks this of everyone entering /cms/; municipality staff have it through
# their groups (cms.services.staff_groups_sync), departments through this rule.
rules.add_perm("wagtailadmin.access_admin", works_in_a_responsible_department)
