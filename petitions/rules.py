"""Permissions of the module, declared with django-rules predicates.

Citizens (verified natural persons) create, submit and withdraw their own
petitions and sign; whether they are eligible in the municipality (age,
residency, login method) is checked by the services against the statute.
Moderators of the petition's municipality approve, reject and police
signatures; officials take petitions into consideration and answer;
municipality admins edit the statute.
"""

import rules

from edem.municipalities.rules import (
    is_municipality_admin,
    is_municipality_moderator,
    is_municipality_official,
    is_platform_admin,
)
from edem.participation.rules import has_verified_identity


@rules.predicate
def is_petition_author(user, petition) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and petition is not None
        and petition.author_id == user.pk
    )


rules.add_perm("petitions.add_petition", has_verified_identity)
rules.add_perm("petitions.submit_petition", has_verified_identity & is_petition_author)
rules.add_perm("petitions.change_petition", has_verified_identity & is_petition_author)
rules.add_perm("petitions.withdraw_petition", is_petition_author)
rules.add_perm("petitions.sign_petition", has_verified_identity)
rules.add_perm(
    "petitions.moderate_petition", is_platform_admin | is_municipality_moderator
)
rules.add_perm(
    "petitions.answer_petition", is_platform_admin | is_municipality_official
)
rules.add_perm(
    "petitions.invalidate_signatures", is_platform_admin | is_municipality_moderator
)
rules.add_perm(
    "petitions.view_fraud", is_platform_admin | is_municipality_moderator
)
rules.add_perm(
    "petitions.change_petitionsettings", is_platform_admin | is_municipality_admin
)
