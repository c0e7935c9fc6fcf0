"""Reads about municipalities."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet

from edem.core.worker_cache import WorkerCache

from .models import Municipality, MunicipalityRole

# slug -> Municipality, per process; see municipality_by_slug.
_BY_SLUG = WorkerCache()


def municipality_by_slug(slug: str) -> Municipality | None:
    """The active municipality of a URL slug, or None.

    Every municipality page asks for it, so each process keeps it for
    ``MUNICIPALITY_CACHE_SECONDS``: a change saved in this process is seen at
    once, one saved in another process within that time. Each caller gets its
    own copy, so nothing a request does to it reaches another request.
    """
    kept = _BY_SLUG.get(slug)
    if kept is not None:
        return kept
    municipality = Municipality.objects.filter(slug=slug, is_active=True).first()
    if municipality is not None:
        _BY_SLUG.put(slug, municipality, settings.MUNICIPALITY_CACHE_SECONDS)
    return municipality


def municipality_cache_clear(**_kwargs) -> None:
    """Forget the kept municipalities (connected to every save and delete of one)."""
    _BY_SLUG.forget()


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
