"""Reads about municipalities."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet

from .models import Municipality, MunicipalityRole


def municipality_list(*, search: str = "") -> QuerySet[Municipality]:
    """Active municipalities, optionally matching a search over both names."""
    qs = Municipality.objects.filter(is_active=True).order_by("name_uk")
    search = search.strip()
    if not search:
        return qs
    if connection.vendor == "sqlite":
        # SQLite folds the case of Latin letters only; the embedded default
        # compares in Python instead (a platform has at most ~1,500 rows).
        needle = search.casefold()
        ids = [
            pk for pk, *names in qs.values_list("pk", "name_uk", "name_en", "slug")
            if any(needle in name.casefold() for name in names)
        ]
        return qs.filter(pk__in=ids)
    return qs.filter(
        Q(name_uk__icontains=search) | Q(name_en__icontains=search)
        | Q(slug__icontains=search)
    )


def staff_municipalities(user) -> QuerySet[Municipality]:
    """Municipalities where the user holds any staff role (all for a platform admin)."""
    if not getattr(user, "is_authenticated", False):
        return Municipality.objects.none()
    if user.is_superuser:
        return Municipality.objects.all()
    ids = MunicipalityRole.objects.filter(user=user).values("municipality_id")
    return Municipality.objects.filter(pk__in=ids)
