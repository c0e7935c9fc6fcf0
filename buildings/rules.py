"""Permissions of the module, declared with django-rules predicates.

The management's administrator keeps the register, calls meetings, enters
paper ballots, answers disputes, posts announcements and exports meter
readings of the management's buildings; the municipality's administrators
(and platform administrators) may do the same, e.g. when a management has
no administrator yet. Owners linked to a verified identity vote, read the
building cabinet and write on the neighbours' board; whether voting is open
is checked by the services.
"""

from __future__ import annotations

import rules

from edem.municipalities.rules import is_municipality_admin, is_platform_admin
from edem.participation.rules import has_verified_identity


def management_of(obj):
    """The management an object belongs to (a building, meeting, ballot, ...)."""
    from .models import (
        AgendaItem,
        Building,
        Management,
        Meeting,
        Owner,
        PaperBallot,
        Premises,
    )

    if isinstance(obj, Management):
        return obj
    if isinstance(obj, Building):
        return obj.management
    if isinstance(obj, Meeting | Owner | Premises):
        return obj.building.management
    if isinstance(obj, AgendaItem | PaperBallot):
        return obj.meeting.building.management
    return None


def building_of(obj):
    from .models import AgendaItem, Building, Meeting, Owner, PaperBallot, Premises

    if isinstance(obj, Building):
        return obj
    if isinstance(obj, Meeting | Owner | Premises):
        return obj.building
    if isinstance(obj, AgendaItem | PaperBallot):
        return obj.meeting.building
    return None


@rules.predicate
def is_building_administrator(user, obj) -> bool:
    """The user is an administrator of the management of the building (meeting, ...)."""
    from .models import ManagementRole

    management = management_of(obj)
    if management is None or not getattr(user, "is_authenticated", False):
        return False
    return ManagementRole.objects.filter(
        management=management, user=user, role=ManagementRole.Role.ADMINISTRATOR
    ).exists()


@rules.predicate
def is_building_owner(user, obj) -> bool:
    """The user's verified identity is linked to an owner in the building's register."""
    from .models import Owner

    building = building_of(obj)
    if building is None or not getattr(user, "is_authenticated", False):
        return False
    if not user.identity_id:
        return False
    return Owner.objects.filter(
        building=building, identity_id=user.identity_id
    ).exists()


runs_building = is_platform_admin | is_municipality_admin | is_building_administrator

rules.add_perm("buildings.change_building", runs_building)
rules.add_perm("buildings.change_meeting", runs_building)
rules.add_perm("buildings.enter_paper_ballot", runs_building)
rules.add_perm("buildings.add_announcement", runs_building)
rules.add_perm("buildings.export_readings", runs_building)
rules.add_perm("buildings.vote", has_verified_identity & is_building_owner)
rules.add_perm(
    "buildings.view_cabinet",
    (has_verified_identity & is_building_owner) | runs_building,
)
rules.add_perm("buildings.submit_reading", has_verified_identity & is_building_owner)
rules.add_perm("buildings.link_owner", has_verified_identity)
# An owner calls a meeting as (the first member of) an initiative group.
rules.add_perm(
    "buildings.call_meeting",
    runs_building | (has_verified_identity & is_building_owner),
)
rules.add_perm("buildings.change_management", is_platform_admin | is_municipality_admin)
