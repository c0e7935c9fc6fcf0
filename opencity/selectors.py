"""Reads of the module: <entity>_list(*, municipality, ...), always scoped."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    TextField,
)
from django.db.models.functions import Cast, Extract
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
    Work,
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


def _map_queryset(
    *, municipality: Municipality, bbox: BBox | None, filters: dict | None, after: int | None,
) -> QuerySet[Report]:
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
    return qs.order_by("pk")


def map_legend(*, municipality: Municipality) -> dict[str, Any]:
    """What the map's compact features refer to: status and category names and
    the address of a report (``url_prefix`` + number + ``/``)."""
    language = get_language() or "uk"
    prefix = f"/{municipality.slug}/city/" if language == "uk" else (
        f"/{language}/{municipality.slug}/city/"
    )
    return {
        "statuses": {value: str(label) for value, label in Report.Status.choices},
        "categories": {str(pk): name for pk, name in _category_names(municipality).items()},
        "url_prefix": prefix,
    }


# One feature of the map. The status is one of the known codes (a check
# constraint on the table), numbers and decimal texts are JSON as they are, so
# nothing needs escaping and one %-format per row writes the page.
_FEATURE = (
    '{"type":"Feature","id":%d,"geometry":{"type":"Point","coordinates":[%s,%s]},'
    '"properties":{"status":"%s","category":%d}}'
)


def report_geojson_text(
    *, municipality: Municipality, bbox: BBox | None, filters: dict | None = None,
    after: int | None = None, limit: int = MAP_PAGE_SIZE,
) -> str:
    """Public reports in a bounding box as a GeoJSON FeatureCollection (text).

    Pages of at most ``MAP_PAGE_SIZE`` features by report number (keyset), so
    every page is one indexed range query whatever the total; ``next_after``
    is the cursor of the next page, absent on the last one. A feature carries
    the report's number, point, status and category number; ``legend`` names
    them and gives the address of a report page. The page is written straight
    from the rows (numbers, coordinates and known status codes need no
    escaping), so the cost beyond the query is a string join.
    """
    limit = max(1, min(limit, MAP_PAGE_SIZE))
    qs = _map_queryset(municipality=municipality, bbox=bbox, filters=filters, after=after)
    # The limit + 1st row only tells that another page follows. Coordinates
    # come as text: the exact decimal digits, with no number objects to build;
    # the rows are read straight from the cursor, in the order the format wants.
    page = (
        qs.annotate(lat_text=Cast("lat", TextField()), lon_text=Cast("lon", TextField()))
        .values_list("pk", "lon_text", "lat_text", "status", "category_id")[: limit + 1]
    )
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    more = len(rows) > limit
    del rows[limit:]
    features = ",".join([_FEATURE % row for row in rows])
    head = json.dumps({"type": "FeatureCollection",
                       "legend": map_legend(municipality=municipality)},
                      ensure_ascii=False, separators=(",", ":"))[:-1]
    tail = f',"next_after":{rows[-1][0]}' if more and rows else ""
    return f'{head},"features":[{features}]{tail}}}'


def report_geojson(**kwargs) -> dict[str, Any]:
    """``report_geojson_text`` read back as data (for callers inside Python)."""
    return json.loads(report_geojson_text(**kwargs))


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


class _Median(Aggregate):
    """PostgreSQL's exact median of a number."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _medians(qs: QuerySet, group: str, start: str, end: str) -> dict[Any, float | None]:
    """Median hours from ``start`` to ``end`` per value of ``group``.

    PostgreSQL computes it in the database; elsewhere (SQLite, the embedded
    default) the durations are read in chunks.
    """
    qs = qs.filter(**{f"{end}__isnull": False}).order_by()
    if connection.vendor == "postgresql":
        seconds = Extract(
            ExpressionWrapper(F(end) - F(start), output_field=DurationField()), "epoch"
        )
        return {
            row[group]: round(row["median"] / 3600, 1)
            for row in qs.values(group).annotate(median=_Median(seconds))
        }
    spans: dict[Any, list[float]] = defaultdict(list)
    for key, started, ended in qs.values_list(group, start, end).iterator(chunk_size=5000):
        spans[key].append((ended - started).total_seconds())
    return {key: _median_hours(values) for key, values in spans.items()}


def _share(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _figures(qs: QuerySet, group: str) -> dict[Any, dict[str, Any]]:
    """Per value of ``group``: reports, resolved, share resolved on time, median
    reaction (report to acceptance) and resolution (report to resolution)
    hours, average rating."""
    reaction = _medians(qs, group, "created_at", "accepted_at")
    resolution = _medians(qs, group, "created_at", "resolved_at")
    rows = qs.order_by().values(group).annotate(
        total=Count("pk"),
        resolved=Count("pk", filter=Q(resolved_on_time__isnull=False)),
        on_time=Count("pk", filter=Q(resolved_on_time=True)),
        avg_rating=Avg("rating"),
        ratings=Count("rating"),
    )
    return {
        row[group]: {
            "total": row["total"],
            "resolved": row["resolved"],
            "on_time_share": _share(row["on_time"], row["resolved"]),
            "median_reaction_hours": reaction.get(row[group]),
            "median_resolution_hours": resolution.get(row[group]),
            "average_rating": round(row["avg_rating"], 2) if row["avg_rating"] else None,
            "ratings": row["ratings"],
        }
        for row in rows
    }


def report_statistics(*, municipality: Municipality) -> dict[str, Any]:
    """Figures of the municipality: reports by status; per organisation and per
    category the share resolved on time, median reaction and resolution times
    and average rating. Cached for a few minutes."""
    key = f"opencity:stats:{municipality.pk}:{get_language()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    public = Report.objects.filter(municipality=municipality, is_public=True)
    labels = dict(Report.Status.choices)
    by_status = [
        {"status": row["status"], "label": str(labels.get(row["status"], row["status"])),
         "count": row["n"]}
        for row in public.order_by().values("status").annotate(n=Count("pk")).order_by("-n")
    ]
    names = _category_names(municipality)
    by_category = [
        {"id": category_id, "category": names.get(category_id, ""), "count": figures["total"],
         **figures}
        for category_id, figures in _figures(public, "category_id").items()
    ]
    by_category.sort(key=lambda c: (-c["total"], c["category"]))
    org_names = {o.pk: o.name for o in organisation_list(municipality=municipality)}
    organisations = [
        {"id": org_id, "name": org_names.get(org_id, ""), **figures}
        for org_id, figures in _figures(
            public.exclude(organisation=None), "organisation_id").items()
    ]
    organisations.sort(key=lambda o: (-o["total"], o["name"]))
    totals = public.aggregate(
        rating=Avg("rating"),
        resolved=Count("pk", filter=Q(resolved_on_time__isnull=False)),
        on_time=Count("pk", filter=Q(resolved_on_time=True)),
    )
    result = {
        "total": sum(s["count"] for s in by_status),
        "by_status": by_status,
        "by_category": by_category,
        "organisations": organisations,
        "on_time_share": _share(totals["on_time"], totals["resolved"]),
        "average_rating": round(totals["rating"], 2) if totals["rating"] else None,
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


# --- works ---------------------------------------------------------------------------

WORKS_AHEAD_DAYS = 30


def work_list(
    *, municipality: Municipality, kind: str | None = None, now: dt.datetime | None = None,
    include_finished: bool = False,
) -> QuerySet[Work]:
    """Works of the municipality not cancelled: going on now and starting within
    a month (and, if asked, the finished ones), soonest first."""
    now = now or timezone.now()
    qs = Work.objects.filter(municipality=municipality, cancelled_at__isnull=True)
    if not include_finished:
        qs = qs.filter(ends_at__gt=now,
                       starts_at__lte=now + dt.timedelta(days=WORKS_AHEAD_DAYS))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("organisation", "municipality").order_by("starts_at", "pk")


def work_get(*, municipality: Municipality, pk: int) -> Work:
    work = (
        Work.objects.filter(municipality=municipality, pk=pk)
        .select_related("organisation", "municipality").first()
    )
    if work is None:
        raise Http404(_("There are no such works."))
    return work


def work_geojson(
    *, municipality: Municipality, bbox: BBox | None, kind: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Current and coming works whose box meets the map's box, as GeoJSON
    (at most ``MAP_PAGE_SIZE``, emergency works first)."""
    now = now or timezone.now()
    qs = work_list(municipality=municipality, kind=kind, now=now)
    if bbox is not None:
        qs = qs.filter(south__lte=bbox.north, north__gte=bbox.south,
                       west__lte=bbox.east, east__gte=bbox.west)
    rows = qs.order_by("kind", "starts_at", "pk").values_list(
        "pk", "kind", "title", "geometry", "starts_at", "ends_at", "organisation__name_uk",
        "organisation__name_en",
    )[:MAP_PAGE_SIZE]
    labels = dict(Work.Kind.choices)
    english = (get_language() or "uk").startswith("en")
    prefix = f"/{municipality.slug}/city/works/" if (get_language() or "uk") == "uk" else (
        f"/{get_language()}/{municipality.slug}/city/works/"
    )
    features = []
    for pk, kind_, title, geometry, starts, ends, org_uk, org_en in rows:
        features.append({
            "type": "Feature", "id": pk, "geometry": geometry,
            "properties": {
                "kind": kind_, "kind_label": str(labels.get(kind_, kind_)), "title": title,
                "organisation": (org_en if english and org_en else org_uk),
                "starts_at": starts.isoformat(), "ends_at": ends.isoformat(),
                "ongoing": starts <= now < ends, "url": f"{prefix}{pk}/",
            },
        })
    return {"type": "FeatureCollection", "features": features}
