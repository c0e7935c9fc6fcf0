"""Writes about municipalities: creating one, roles, calendar, module switches."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from edem.core.errors import DomainError
from edem.participation.audit import audit_record
from edem.participation.permissions import require

from .models import FeatureFlag, Holiday, Municipality, MunicipalityRole, Organisation


@transaction.atomic
def municipality_create(
    *,
    actor,
    slug: str,
    name_uk: str,
    name_en: str,
    kind: str = Municipality.Kind.CITY,
    centre: tuple[Decimal | float, Decimal | float],
    boundary: dict[str, Any] | None = None,
    timezone: str = "Europe/Kyiv",
    locality_codes: list[str] | None = None,
) -> Municipality:
    """A platform admin adds a municipality; its pages, staff groups and workflow follow."""
    from cms.services import municipality_site_setup

    require(actor, "municipalities.add_municipality")
    municipality = Municipality(
        slug=slug, name_uk=name_uk, name_en=name_en, kind=kind,
        centre_lat=Decimal(str(centre[0])), centre_lon=Decimal(str(centre[1])),
        boundary=boundary or {}, timezone=timezone, locality_codes=locality_codes or [],
    )
    municipality.full_clean()
    municipality.save()
    municipality_site_setup(municipality)
    audit_record(
        actor=actor, municipality=municipality, action="municipalities.municipality_created",
        target=municipality, after={"slug": slug, "name_uk": name_uk},
    )
    return municipality


@transaction.atomic
def role_grant(*, actor, municipality: Municipality, user, role: str) -> MunicipalityRole:
    """A municipality admin gives someone a staff role there (and its admin access)."""
    from cms.services import staff_groups_sync

    require(actor, "municipalities.manage_roles", municipality)
    if role not in MunicipalityRole.Role.values:
        raise DomainError(_("Unknown role."))
    grant, created = MunicipalityRole.objects.get_or_create(
        municipality=municipality, user=user, role=role
    )
    staff_groups_sync(user)
    if created:
        audit_record(
            actor=actor, municipality=municipality, action="municipalities.role_granted",
            target=grant, after={"user": user.username, "role": role},
        )
    return grant


@transaction.atomic
def role_revoke(*, actor, municipality: Municipality, user, role: str) -> None:
    """A municipality admin takes a staff role away."""
    from cms.services import staff_groups_sync

    require(actor, "municipalities.manage_roles", municipality)
    deleted, _rows = MunicipalityRole.objects.filter(
        municipality=municipality, user=user, role=role
    ).delete()
    staff_groups_sync(user)
    if deleted:
        audit_record(
            actor=actor, municipality=municipality, action="municipalities.role_revoked",
            before={"user": user.username, "role": role},
        )


@transaction.atomic
def holiday_set(
    *, actor, municipality: Municipality, date: dt.date, name: str, is_working_day: bool = False
) -> Holiday:
    """Mark a day off (or a working weekend) in the municipality's calendar."""
    require(actor, "municipalities.change_calendar", municipality)
    holiday, _created = Holiday.objects.update_or_create(
        municipality=municipality, date=date,
        defaults={"name": name, "is_working_day": is_working_day},
    )
    audit_record(
        actor=actor, municipality=municipality, action="municipalities.calendar_changed",
        target=holiday, after={"date": date, "name": name, "working": is_working_day},
    )
    return holiday


@transaction.atomic
def module_switch(*, actor, municipality: Municipality | None, module: str, enabled: bool) -> FeatureFlag:
    """Turn a module on or off for a municipality (``None``: the platform default)."""
    if municipality is None:
        require(actor, "municipalities.add_municipality")
    else:
        require(actor, "municipalities.change_municipality", municipality)
    flag, _created = FeatureFlag.objects.update_or_create(
        module=module, municipality=municipality, defaults={"enabled": enabled}
    )
    audit_record(
        actor=actor, municipality=municipality, action="municipalities.module_switched",
        target=flag, after={"module": module, "enabled": enabled},
    )
    return flag


# Fields of a municipality its own admin may change; the address (slug) and
# whether it is on the platform stay with the platform admin.
MUNICIPALITY_EDITABLE_FIELDS = (
    "name_uk", "name_en", "kind", "coat_of_arms", "boundary", "centre_lat",
    "centre_lon", "timezone", "weekend_days", "locality_codes",
)


@transaction.atomic
def municipality_update(*, actor, municipality: Municipality, changes: dict[str, Any]) -> Municipality:
    """A municipality admin edits its names, coat of arms, map, time zone, calendar and codes."""
    require(actor, "municipalities.change_municipality", municipality)
    unknown = set(changes) - set(MUNICIPALITY_EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("These settings cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))})
    municipality = Municipality.objects.select_for_update().get(pk=municipality.pk)
    before = {f: getattr(municipality, f) for f in changes}
    for name, value in changes.items():
        setattr(municipality, name, value)
    municipality.full_clean()
    municipality.save()
    changed = {f: getattr(municipality, f) for f in changes if before[f] != getattr(municipality, f)}
    if changed:
        audit_record(
            actor=actor, municipality=municipality, action="municipalities.municipality_changed",
            target=municipality,
            before={f: _plain(before[f]) for f in changed},
            after={f: _plain(v) for f, v in changed.items()},
        )
    return municipality


def _plain(value):
    return getattr(value, "pk", value)


@transaction.atomic
def holiday_remove(*, actor, holiday: Holiday) -> None:
    """Take a day off (or a working weekend) out of the municipality's calendar."""
    require(actor, "municipalities.change_calendar", holiday.municipality)
    audit_record(
        actor=actor, municipality=holiday.municipality, action="municipalities.calendar_changed",
        target=holiday, before={"date": holiday.date, "name": holiday.name,
                                "working": holiday.is_working_day},
    )
    holiday.delete()


ORGANISATION_FIELDS = ("name_uk", "name_en", "phone", "email", "service_area", "is_dispatcher")


@transaction.atomic
def organisation_save(
    *, actor, municipality: Municipality, organisation: Organisation | None = None,
    data: dict[str, Any],
) -> Organisation:
    """A municipality admin adds or edits an organisation that answers residents."""
    require(actor, "municipalities.change_organisation", municipality)
    if organisation is not None and organisation.municipality_id != municipality.pk:
        raise DomainError(_("This organisation belongs to another municipality."))
    creating = organisation is None
    organisation = organisation or Organisation(municipality=municipality)
    before = {} if creating else {f: getattr(organisation, f) for f in ORGANISATION_FIELDS}
    for name in ORGANISATION_FIELDS:
        if name in data:
            setattr(organisation, name, data[name])
    organisation.full_clean()
    organisation.save()
    after = {f: getattr(organisation, f) for f in ORGANISATION_FIELDS}
    audit_record(
        actor=actor, municipality=municipality,
        action="municipalities.organisation_created" if creating
        else "municipalities.organisation_changed",
        target=organisation,
        before={f: v for f, v in before.items() if v != after[f]},
        after={f: v for f, v in after.items() if creating or before.get(f) != v},
    )
    return organisation


def statute_settings_models() -> list[type]:
    """Every module's typed statute settings (concrete ``MunicipalitySettings``)."""
    from django.apps import apps

    from .models import MunicipalitySettings

    return [
        model for model in apps.get_models()
        if issubclass(model, MunicipalitySettings) and not model._meta.abstract
    ]


def statute_settings_ensure(*, municipality: Municipality) -> None:
    """Give the municipality a settings row (with the statute defaults) of every module."""
    for model in statute_settings_models():
        model.for_municipality(municipality)


@transaction.atomic
def statute_settings_update(*, actor, settings_row, changes: dict[str, Any]):
    """A municipality admin changes its statute settings; running items keep theirs.

    Modules copy the values they depend on onto each item when it starts, so a
    change applies to what starts afterwards.
    """
    municipality = settings_row.municipality
    require(actor, "municipalities.change_municipality", municipality)
    if "municipality" in changes:
        raise DomainError(_("The municipality of the settings cannot be changed."))
    row = type(settings_row).objects.select_for_update().get(pk=settings_row.pk)
    before = {name: getattr(row, name) for name in changes}
    for name, value in changes.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    changed = {n: getattr(row, n) for n in changes if before[n] != getattr(row, n)}
    if changed:
        audit_record(
            actor=actor, municipality=municipality,
            action=f"{row._meta.app_label}.statute_settings_changed", target=row,
            before={n: _plain(before[n]) for n in changed},
            after={n: _plain(v) for n, v in changed.items()},
        )
    return row
