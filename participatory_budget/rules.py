"""Permissions of the module, declared with django-rules predicates.

Verified residents submit projects, join them as co-authors and vote (their
eligibility in the cycle — age, residency, login method — is checked by the
services). Members of a cycle's commission review its projects. Municipality
admins run cycles (rules, phases, counting, publication, imports, result
adjustments); municipality staff enter paper ballots and report the
implementation of winning projects.
"""

import rules

from edem.municipalities.rules import (
    is_municipality_admin,
    is_municipality_official,
    is_platform_admin,
)
from edem.participation.rules import has_verified_identity


def _cycle_of(obj):
    from .models import Cycle

    if isinstance(obj, Cycle):
        return obj
    cycle = getattr(obj, "cycle", None)
    if cycle is None and getattr(obj, "project", None) is not None:
        cycle = obj.project.cycle
    return cycle


@rules.predicate
def is_commission_member(user, obj) -> bool:
    from .models import CommissionMember

    cycle = _cycle_of(obj)
    if cycle is None or not getattr(user, "is_authenticated", False):
        return False
    return CommissionMember.objects.filter(cycle=cycle, user=user).exists()


@rules.predicate
def is_project_author(user, project) -> bool:
    if not getattr(user, "is_authenticated", False) or project is None:
        return False
    if project.author_id == user.pk:
        return True
    return bool(
        user.identity_id and project.coauthors.filter(identity_id=user.identity_id).exists()
    )


rules.add_perm("participatory_budget.add_project", has_verified_identity)
rules.add_perm("participatory_budget.join_project", has_verified_identity)
rules.add_perm("participatory_budget.vote", has_verified_identity)
rules.add_perm("participatory_budget.support_project", has_verified_identity)
rules.add_perm("participatory_budget.comment_project", has_verified_identity)
rules.add_perm("participatory_budget.answer_review", is_project_author)
rules.add_perm("participatory_budget.review_project",
               is_platform_admin | is_commission_member)
rules.add_perm("participatory_budget.manage_cycle",
               is_platform_admin | is_municipality_admin)
rules.add_perm("participatory_budget.enter_paper_ballot",
               is_platform_admin | is_municipality_official)
rules.add_perm("participatory_budget.report_progress",
               is_platform_admin | is_municipality_official)
