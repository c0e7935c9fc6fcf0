"""Reads of notifications."""

from django.db.models import QuerySet

from edem.participation.registry import registry

from .models import Channel, Notification
from .services import wanted_channels


def notification_list(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at")


def unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def _is_staff(user) -> bool:
    return bool(
        user.is_superuser
        or user.municipality_roles.exists()
        or user.organisation_roles.exists()
    )


def preference_table(*, user) -> list[dict]:
    """Event kinds grouped by module, each with the channels the person receives it on.

    Staff-only events are offered to people who hold a staff role.
    """
    staff = _is_staff(user)
    groups = []
    for manifest in registry.all():
        rows = []
        for kind, (label, _defaults) in manifest.event_kinds.items():
            if kind in manifest.staff_event_kinds and not staff:
                continue
            channels = wanted_channels(user, kind)
            rows.append(
                {
                    "kind": kind,
                    "label": label,
                    "channels": [
                        {"channel": c.value, "label": c.label, "enabled": c.value in channels}
                        for c in Channel
                    ],
                }
            )
        if rows:
            groups.append({"module": manifest.verbose_name, "rows": rows})
    return groups
