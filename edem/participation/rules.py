"""Shared predicates of citizens' participation, and the core's own permissions."""

import rules

from edem.municipalities.rules import (
    is_municipality_admin,
    is_municipality_moderator,
    is_platform_admin,
)


@rules.predicate
def has_verified_identity(user) -> bool:
    """A citizen action needs an account linked to a verified, natural-person identity."""
    if not getattr(user, "is_authenticated", False) or not user.identity_id:
        return False
    return not user.identity.is_legal_entity


@rules.predicate
def is_comment_author(user, comment) -> bool:
    return getattr(user, "is_authenticated", False) and comment.author_id == user.pk


rules.add_perm("participation.add_comment", has_verified_identity)
rules.add_perm("participation.report_comment", rules.is_authenticated)
rules.add_perm("participation.follow", rules.is_authenticated)
rules.add_perm(
    "participation.moderate_comment", is_platform_admin | is_municipality_moderator
)
rules.add_perm("participation.change_process", is_platform_admin | is_municipality_admin)
rules.add_perm("participation.view_auditentry", is_platform_admin | is_municipality_admin)
