"""Reads of the module: <entity>_list(*, municipality, ...), always scoped."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Avg, Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from edem.core.geo import BBox
from edem.municipalities.models import Municipality, Organisation, OrganisationRole

from .models import (
    DEADLINE_STATUSES,
    FINAL_STATUSES,
    Category,
    Report,
    ReportEvent,
)

MAP_PAGE_SIZE = 2000
STATISTICS_CACHE_SECONDS = 300


def report_list(*, municipality: Municipality, filters: dict | None = None) -> QuerySet[Report]:
    """Public reports of the municipality, newest first."""
    qs = Report.objects.filter(municipality=municipality, is_public=True).select_related(
        "category", "category__parent", "organisation", "municipality"
    )
    filters = filters or {}
    if filters.get("category"):
        category = filters["category"]
        qs = qs.filter(Q(category=category) | Q(category__parent=category))
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("organisation"):
        qs = qs.filter(organisation=filters["organisation"])
    if filters.get("since"):
        qs = qs.filter(created_at__date__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(created_at__date__lte=filters["until"])
    return qs.order_by("-created_at", "-pk")


def report_get(*, municipality: Municipality, pk: int, viewer=None) -> Report:
    """One report of the municipality; a hidden one only for those who may see it."""
    report = (
        Report.objects.filter(municipality=municipality, pk=pk)
        .select_related("category", "category__parent", "organisation", "municipality",
                        "executor", "duplicate_of", "author", "deadline_class")
        .first()
    )
    if report is None:
        raise Http404(_("There is no such report."))
    if not report.is_public and not (
        viewer is not None and viewer.has_perm("opencity.view_private_report", report)
    ):
        raise Http404(_("There is no such report."))
    return report


def report_timeline(*, report: Report) -> list[ReportEvent]:
    return list(report.events.select_related("organisation").order_by("created_at", "pk"))


@dataclass(frozen=True)
class Countdown:
    """What the SLA timer shows: due time, time left (negative when late)."""

    due_at: dt.datetime
    seconds_left: int

    @property
    def overdue(self) -> bool:
        return self.seconds_left < 0

    @property
    def label(self) -> str:
        seconds = abs(self.seconds_left)
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes = rest // 60
        if days:
            span = _("%(d)d d %(h)d h") % {"d": days, "h": hours}
        elif hours:
            span = _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
        else:
            span = _("%(m)d min") % {"m": minutes}
        if self.overdue:
            return _("Overdue by %(span)s") % {"span": span}
        return _("Due in %(span)s") % {"span": span}


def report_countdown(report: Report, now: dt.datetime | None = None) -> Countdown | None:
    """The running deadline of a report the organisation is working on."""
    if report.due_at is None or report.status not in DEADLINE_STATUSES:
        return None
    now = now or timezone.now()
    return Countdown(report.due_at, int((report.due_at - now).total_seconds()))


def category_list(*, municipality: Municipality) -> QuerySet[Category]:
    return Category.objects.filter(municipality=municipality, is_active=True).select_related(
        "parent", "deadline_class"
    )


def organisation_list(*, municipality: Municipality) -> QuerySet[Organisation]:
    return Organisation.objects.filter(municipality=municipality).order_by("name_uk")


def _category_names(municipality: Municipality) -> dict[int, str]:
    key = f"opencity:catnames:{municipality.pk}:{get_language()}"
    names = cache.get(key)
    if names is None:
        names = {c.pk: c.name for c in Category.objects.filter(municipality=municipality)}
        cache.set(key, names, 60)
    return names


def report_geojson(
    *, municipality: Municipality, bbox: BBox | None, filters: dict | None = None,
    after: int | None = None, limit: int = MAP_PAGE_SIZE,
) -> dict[str, Any]:
    """Public reports in a bounding box as a GeoJSON FeatureCollection.

    Pages of at most ``MAP_PAGE_SIZE`` features by report number (keyset), so
    every page is one indexed range query whatever the total; ``next_after``
    is the cursor of the next page, absent on the last one.
    """
    limit = max(1, min(limit, MAP_PAGE_SIZE))
    qs = Report.objects.filter(municipality=municipality, is_public=True)
    if bbox is not None:
        qs = qs.filter(
            lat__gte=bbox.south, lat__lte=bbox.north,
            lon__gte=bbox.west, lon__lte=bbox.east,
        )
    filters = filters or {}
    if filters.get("category"):
        category = filters["category"]
        qs = qs.filter(Q(category=category) | Q(category__parent=category))
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("organisation"):
        qs = qs.filter(organisation=filters["organisation"])
    if filters.get("since"):
        qs = qs.filter(created_at__date__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(created_at__date__lte=filters["until"])
    if after:
        qs = qs.filter(pk__gt=after)
    rows = list(
        qs.order_by("pk").values_list("pk", "lat", "lon", "status", "category_id")[
            : limit + 1
        ]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    names = _category_names(municipality)
    labels = dict(Report.Status.choices)
    prefix = f"/{municipality.slug}/city/" if (get_language() or "uk") == "uk" else (
        f"/{get_language()}/{municipality.slug}/city/"
    )
    features = [
        {
            "type": "Feature",
            "id": pk,
            "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
            "properties": {
                "status": status,
                "status_label": str(labels.get(status, status)),
                "category": names.get(category_id, ""),
                "url": f"{prefix}{pk}/",
            },
        }
        for pk, lat, lon, status, category_id in rows
    ]
    result: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if more and rows:
        result["next_after"] = rows[-1][0]
    return result


def organisation_queue(*, organisation: Organisation, include_closed: bool = False):
    """The organisation's reports by deadline: running ones first, overdue on top."""
    qs = Report.objects.filter(organisation=organisation).select_related(
        "category", "executor", "municipality"
    )
    if not include_closed:
        qs = qs.exclude(status__in=FINAL_STATUSES)
    return qs.order_by(F("due_at").asc(nulls_last=True), "created_at")


def organisations_of(user, municipality: Municipality | None = None) -> QuerySet[Organisation]:
    """Organisations where the user holds a role (in one municipality if given)."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    qs = Organisation.objects.filter(roles__user=user).distinct()
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    return qs.select_related("municipality").order_by("name_uk")


def executors_of(organisation: Organisation):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        organisation_roles__organisation=organisation,
        organisation_roles__role__in=(OrganisationRole.Role.HEAD,
                                      OrganisationRole.Role.EXECUTOR),
        is_active=True,
    ).distinct().order_by("username")


def my_reports(*, user) -> QuerySet[Report]:
    return Report.objects.filter(author=user).select_related(
        "category", "municipality", "organisation"
    ).order_by("-created_at")


def _median_hours(values: list[float]) -> float | None:
    return round(statistics.median(values) / 3600, 1) if values else None


def report_statistics(*, municipality: Municipality) -> dict[str, Any]:
    """Figures of the municipality: reports by status and category, and per
    organisation the share resolved on time, median reaction (report to
    acceptance) and resolution (report to resolution) times and average rating.
    Cached for a few minutes."""
    key = f"opencity:stats:{municipality.pk}:{get_language()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    public = Report.objects.filter(municipality=municipality, is_public=True)
    labels = dict(Report.Status.choices)
    by_status = [
        {"status": row["status"], "label": str(labels.get(row["status"], row["status"])),
         "count": row["n"]}
        for row in public.values("status").annotate(n=Count("pk")).order_by("-n")
    ]
    names = _category_names(municipality)
    by_category = [
        {"category": names.get(row["category_id"], ""), "count": row["n"]}
        for row in public.values("category_id").annotate(n=Count("pk")).order_by("-n")
    ]
    reaction: dict[int, list[float]] = defaultdict(list)
    resolution: dict[int, list[float]] = defaultdict(list)
    rows = public.exclude(organisation=None).values_list(
        "organisation_id", "created_at", "accepted_at", "resolved_at"
    )
    for org_id, created, accepted, resolved in rows.iterator(chunk_size=5000):
        if accepted:
            reaction[org_id].append((accepted - created).total_seconds())
        if resolved:
            resolution[org_id].append((resolved - created).total_seconds())
    per_org = public.exclude(organisation=None).values("organisation_id").annotate(
        total=Count("pk"),
        resolved=Count("pk", filter=Q(resolved_on_time__isnull=False)),
        on_time=Count("pk", filter=Q(resolved_on_time=True)),
        rating=Avg("rating"),
    )
    org_names = {o.pk: o.name for o in organisation_list(municipality=municipality)}
    organisations = []
    for row in per_org:
        resolved = row["resolved"]
        organisations.append({
            "id": row["organisation_id"],
            "name": org_names.get(row["organisation_id"], ""),
            "total": row["total"],
            "resolved": resolved,
            "on_time_share": round(100 * row["on_time"] / resolved) if resolved else None,
            "median_reaction_hours": _median_hours(reaction[row["organisation_id"]]),
            "median_resolution_hours": _median_hours(resolution[row["organisation_id"]]),
            "average_rating": round(row["rating"], 2) if row["rating"] else None,
        })
    organisations.sort(key=lambda o: (-o["total"], o["name"]))
    result = {
        "total": sum(s["count"] for s in by_status),
        "by_status": by_status,
        "by_category": by_category,
        "organisations": organisations,
        "average_rating": public.aggregate(a=Avg("rating"))["a"],
    }
    cache.set(key, result, STATISTICS_CACHE_SECONDS)
    return result


def statistics_forget(municipality: Municipality) -> None:
    for language in ("uk", "en"):
        cache.delete(f"opencity:stats:{municipality.pk}:{language}")


EXPORT_FIELDS = [
    "id", "category", "status", "organisation", "lat", "lon", "address", "created_at",
    "accepted_at", "due_at", "resolved_at", "closed_at", "resolved_on_time", "rating",
]


def report_export_rows(*, municipality: Municipality):
    """Every public report as open data: no names, phones or texts of people."""
    names = _category_names(municipality)
    org_names = {o.pk: o.name for o in organisation_list(municipality=municipality)}
    qs = Report.objects.filter(municipality=municipality, is_public=True).order_by("pk")
    for row in qs.values_list(
        "pk", "category_id", "status", "organisation_id", "lat", "lon", "address",
        "created_at", "accepted_at", "due_at", "resolved_at", "closed_at",
        "resolved_on_time", "rating",
    ).iterator(chunk_size=2000):
        (pk, category_id, status, org_id, lat, lon, address, created, accepted, due,
         resolved, closed, on_time, rating) = row
        yield {
            "id": pk, "category": names.get(category_id, ""), "status": status,
            "organisation": org_names.get(org_id, ""), "lat": float(lat),
            "lon": float(lon), "address": address,
            "created_at": created.isoformat(),
            "accepted_at": accepted.isoformat() if accepted else None,
            "due_at": due.isoformat() if due else None,
            "resolved_at": resolved.isoformat() if resolved else None,
            "closed_at": closed.isoformat() if closed else None,
            "resolved_on_time": on_time, "rating": rating,
        }
