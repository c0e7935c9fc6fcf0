"""Permissions of the module, declared with django-rules predicates.

Verified natural persons propose, edit their own ideas, support and comment;
whether they may take part in the campaign (age, residency, login method)
and whether the phase is open is checked by the services. Moderators of the
idea's municipality hide and merge ideas; the campaign's commission
shortlists and selects; the commission and the municipality's officials post
implementation updates; municipality admins run campaigns and appoint the
commission.
"""

from __future__ import annotations

import rules

from edem.municipalities.rules import (
    is_municipality_admin,
    is_municipality_moderator,
    is_municipality_official,
    is_platform_admin,
)
from edem.participation.rules import has_verified_identity


def _campaign_of(obj):
    from .models import Campaign

    if isinstance(obj, Campaign):
        return obj
    return getattr(obj, "campaign", None)


@rules.predicate
def is_idea_author(user, idea) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and idea is not None
        and idea.author_id == user.pk
    )


@rules.predicate
def is_commission_member(user, obj) -> bool:
    """The user sits on the commission of the campaign (of the idea)."""
    campaign = _campaign_of(obj)
    if campaign is None or not getattr(user, "is_authenticated", False):
        return False
    return campaign.commission.filter(user=user).exists()


rules.add_perm("ideas.add_idea", has_verified_identity)
rules.add_perm("ideas.change_idea", has_verified_identity & is_idea_author)
rules.add_perm("ideas.support_idea", has_verified_identity)
rules.add_perm("ideas.comment_idea", has_verified_identity)
rules.add_perm("ideas.moderate_idea", is_platform_admin | is_municipality_moderator)
rules.add_perm("ideas.decide_idea", is_platform_admin | is_commission_member)
rules.add_perm(
    "ideas.report_implementation",
    is_platform_admin | is_commission_member | is_municipality_official,
)
rules.add_perm("ideas.change_campaign", is_platform_admin | is_municipality_admin)
