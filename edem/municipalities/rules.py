"""Role predicates shared by every module, scoped per municipality.

A predicate takes the acting user and an object that knows its municipality:
the ``Municipality`` itself or anything with a ``municipality`` attribute.
"""

from __future__ import annotations

import rules

from .models import Municipality, MunicipalityRole, Organisation, OrganisationRole


def municipality_of(obj) -> Municipality | None:
    if obj is None:
        return None
    if isinstance(obj, Municipality):
        return obj
    if isinstance(obj, Organisation):
        return obj.municipality
    municipality = getattr(obj, "municipality", None)
    if municipality is not None:
        return municipality
    organisation = getattr(obj, "organisation", None)
    return organisation.municipality if organisation is not None else None


def _holds(user, obj, roles: tuple[str, ...]) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    municipality = municipality_of(obj)
    if municipality is None:
        return False
    return MunicipalityRole.objects.filter(
        user=user, municipality=municipality, role__in=roles
    ).exists()


@rules.predicate
def is_platform_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


@rules.predicate
def is_municipality_admin(user, obj) -> bool:
    return _holds(user, obj, (MunicipalityRole.Role.ADMIN,))


@rules.predicate
def is_municipality_moderator(user, obj) -> bool:
    return _holds(user, obj, (MunicipalityRole.Role.ADMIN, MunicipalityRole.Role.MODERATOR))


@rules.predicate
def is_municipality_official(user, obj) -> bool:
    return _holds(
        user, obj,
        (MunicipalityRole.Role.ADMIN, MunicipalityRole.Role.MODERATOR,
         MunicipalityRole.Role.OFFICIAL),
    )


@rules.predicate
def is_municipality_staff(user, obj) -> bool:
    return is_municipality_official(user, obj)


def _organisation_of(obj):
    if isinstance(obj, Organisation):
        return obj
    return getattr(obj, "organisation", None)


def holds_organisation_role(user, obj, roles: tuple[str, ...]) -> bool:
    organisation = _organisation_of(obj)
    if organisation is None or not getattr(user, "is_authenticated", False):
        return False
    return OrganisationRole.objects.filter(
        user=user, organisation=organisation, role__in=roles
    ).exists()


@rules.predicate
def is_organisation_head(user, obj) -> bool:
    return holds_organisation_role(user, obj, (OrganisationRole.Role.HEAD,))


@rules.predicate
def is_organisation_executor(user, obj) -> bool:
    return holds_organisation_role(
        user, obj, (OrganisationRole.Role.HEAD, OrganisationRole.Role.EXECUTOR)
    )


@rules.predicate
def is_organisation_operator(user, obj) -> bool:
    return holds_organisation_role(user, obj, (OrganisationRole.Role.OPERATOR,))


rules.add_perm("municipalities.change_municipality", is_platform_admin | is_municipality_admin)
rules.add_perm("municipalities.manage_roles", is_platform_admin | is_municipality_admin)
rules.add_perm("municipalities.change_calendar", is_platform_admin | is_municipality_admin)
rules.add_perm(
    "municipalities.change_organisation", is_platform_admin | is_municipality_admin
)
rules.add_perm("municipalities.view_audit", is_platform_admin | is_municipality_admin)
rules.add_perm("municipalities.add_municipality", is_platform_admin)
