"""Reads of the participatory budget; every selector takes the municipality."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils.translation import gettext as _

from edem.municipalities.models import Municipality

from . import counting
from .models import (
    VOTABLE_STATUSES,
    Ballot,
    BallotChoice,
    BallotType,
    Cycle,
    PhaseKind,
    Project,
    ProjectResult,
    ProjectSupport,
    Unit,
)
from .services import AGE_BANDS, BallotTotals, ballot_totals


def cycle_list(*, municipality: Municipality) -> QuerySet[Cycle]:
    return (Cycle.objects.filter(municipality=municipality)
            .select_related("process").prefetch_related("process__phases", "units")
            .order_by("is_imported", "-created_at"))


def cycle_get(*, municipality: Municipality, pk: int) -> Cycle:
    cycle = cycle_list(municipality=municipality).filter(pk=pk).first()
    if cycle is None:
        raise Http404(_("There is no such budget cycle here."))
    return cycle


def unit_get(*, cycle: Cycle, pk: int) -> Unit:
    unit = cycle.units.filter(pk=pk).first()
    if unit is None:
        raise Http404(_("There is no such category or district in this cycle."))
    unit.cycle = cycle
    return unit


def project_list(*, municipality: Municipality, filters: dict | None = None) -> QuerySet[Project]:
    """Every project of the municipality (all statuses are public), filtered."""
    qs = Project.objects.filter(municipality=municipality).select_related("unit", "cycle")
    filters = filters or {}
    if filters.get("cycle"):
        qs = qs.filter(cycle=filters["cycle"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("unit"):
        qs = qs.filter(unit=filters["unit"])
    if filters.get("kind"):
        qs = qs.filter(unit__kind=filters["kind"])
    if filters.get("q"):
        qs = qs.filter(Q(title__icontains=filters["q"]) | Q(address__icontains=filters["q"]))
    return qs


def project_get(*, municipality: Municipality, pk: int) -> Project:
    project = (Project.objects.filter(municipality=municipality, pk=pk)
               .select_related("unit", "cycle", "cycle__process", "author_identity",
                               "municipality").first())
    if project is None:
        raise Http404(_("There is no such budget project here."))
    return project


def projects_in_implementation(*, municipality: Municipality) -> QuerySet[Project]:
    return project_list(municipality=municipality).filter(
        status__in=(Project.Status.IMPLEMENTATION, Project.Status.DONE)
    ).order_by("-updated_at")


def review_queue(*, cycle: Cycle) -> QuerySet[Project]:
    return cycle.projects.filter(
        status__in=(Project.Status.SUBMITTED, Project.Status.UNDER_REVIEW)
    ).select_related("unit").order_by("created_at")


def supported_ids(*, user, cycle: Cycle) -> set[int]:
    """The projects of the cycle the person supports (from any of their accounts)."""
    if not getattr(user, "is_authenticated", False) or not user.identity_id:
        return set()
    return set(ProjectSupport.objects.filter(project__cycle=cycle,
                                             identity_id=user.identity_id)
               .values_list("project_id", flat=True))


def votable_projects(*, unit: Unit) -> QuerySet[Project]:
    return Project.objects.filter(unit=unit, status__in=VOTABLE_STATUSES).order_by("title", "pk")


def ballot_of(*, unit: Unit, user) -> Ballot | None:
    if not getattr(user, "is_authenticated", False) or not user.identity_id:
        return None
    return (Ballot.objects.filter(unit=unit, identity_id=user.identity_id)
            .prefetch_related(Prefetch("choices", BallotChoice.objects.select_related("project")))
            .first())


def ballot_state(*, unit: Unit, ballot: Ballot | None) -> BallotTotals:
    """What the stored ballot uses and what is left (shown beside the ballot)."""
    choices = []
    if ballot is not None:
        for c in ballot.choices.all():
            choices.append((c.project, c.rank if c.rank is not None else c.points))
    return ballot_totals(unit, choices)


def my_projects(*, user) -> QuerySet[Project]:
    if not getattr(user, "is_authenticated", False):
        return Project.objects.none()
    condition = Q(author=user)
    if user.identity_id:
        condition |= Q(author_identity_id=user.identity_id) | Q(
            coauthors__identity_id=user.identity_id)
    return (Project.objects.filter(condition).distinct()
            .select_related("municipality", "cycle").order_by("-created_at"))


def my_ballots(*, user) -> QuerySet[Ballot]:
    """The person's ballots from any account, paper ones included."""
    if not getattr(user, "is_authenticated", False) or not user.identity_id:
        return Ballot.objects.none()
    return (Ballot.objects.filter(identity_id=user.identity_id)
            .select_related("cycle", "unit", "municipality")
            .prefetch_related(Prefetch("choices", BallotChoice.objects.select_related("project")))
            .order_by("-created_at"))


def phase_timeline(cycle: Cycle, at=None) -> list[dict[str, Any]]:
    """The phases in order with their dates and whether each is past, now or ahead."""
    from django.utils import timezone

    at = at or timezone.now()
    labels = dict(PhaseKind.choices)
    rows = []
    for phase in sorted(cycle.process.phases.all(), key=lambda p: p.starts_at):
        state = "past" if phase.ends_at <= at else ("now" if phase.starts_at <= at else "ahead")
        rows.append({"kind": phase.kind, "label": labels.get(phase.kind, phase.title),
                     "starts_at": phase.starts_at, "ends_at": phase.ends_at, "state": state})
    return rows


# --- results ---------------------------------------------------------------------


def _fraction(text: str) -> Fraction | None:
    return Fraction(text) if text else None


def results_of(*, cycle: Cycle) -> list[dict[str, Any]]:
    """Per unit: the count with each project's decision, explanation and bars."""
    units = []
    for unit in cycle.units.select_related("result").order_by("order", "pk"):
        result = getattr(unit, "result", None)
        if result is None:
            continue
        rows = list(ProjectResult.objects.filter(result=result)
                    .select_related("project", "project__adjustment")
                    .order_by("-selected", "position"))
        outcome = counting.Outcome(
            rule=result.rule, budget=Fraction(result.budget), selected=[],
            voter_budget=_fraction(result.voter_budget), voters=result.voters,
        )
        top = max((Fraction(r.support) for r in rows), default=Fraction(0)) or Fraction(1)
        budget = Fraction(result.budget)
        entries = []
        for row in rows:
            project = row.project
            decision = counting.Decision(
                project_id=project.ref, cost=Fraction(project.cost),
                support=Fraction(row.support), selected=row.selected, reason=row.reason,
                position=row.position, money_left_before=_fraction(row.money_left_before),
                payment=_fraction(row.payment), supporters_money=_fraction(row.supporters_money),
            )
            adjustment = getattr(project, "adjustment", None)
            entries.append({
                "project": project, "row": row,
                "support": counting.money(decision.support),
                "explanation": counting.explain(decision, outcome),
                "support_percent": float(Fraction(row.support) * 100 / top),
                "cost_percent": float(Fraction(project.cost) * 100 / budget),
                "official": project.official_selected,
                "adjustment": adjustment,
                "final": adjustment.selected if adjustment else row.selected,
            })
        spent = Fraction(result.spent)
        units.append({
            "unit": unit, "result": result, "entries": entries,
            "spent": counting.money(spent), "budget": counting.money(budget),
            "voter_share": counting.money(_fraction(result.voter_budget))
            if result.voter_budget else "",
            "spent_percent": float(spent * 100 / budget),
            "left": counting.money(budget - spent),
            "has_official": any(e["official"] is not None for e in entries),
            "official_differs": any(e["official"] is not None and e["official"] != e["row"].selected
                                    for e in entries),
        })
    return units


# --- map and statistics ----------------------------------------------------------

MAP_LIMIT = 5000
WINNING_STATUSES = (Project.Status.SELECTED, Project.Status.IMPLEMENTATION,
                    Project.Status.DONE)


def project_geojson(*, municipality: Municipality, filters: dict | None = None) -> dict[str, Any]:
    """Every project with a place as a GeoJSON FeatureCollection, for "budget on the map".

    Each feature carries its cycle, status, unit, progress, cost and money
    spent; areas are drawn as polygons, points as markers.
    """
    qs = project_list(municipality=municipality, filters=filters).filter(lat__isnull=False)
    labels = dict(Project.Status.choices)
    features = []
    for p in qs.order_by("pk")[:MAP_LIMIT]:
        geometry = p.area if p.area else {"type": "Point",
                                         "coordinates": [float(p.lon), float(p.lat)]}
        features.append({
            "type": "Feature", "id": p.pk, "geometry": geometry,
            "properties": {
                "title": p.title, "url": p.get_absolute_url(), "cycle": p.cycle.title,
                "cycle_id": p.cycle_id, "status": p.status,
                "status_label": str(labels[p.status]), "unit": p.unit.name,
                # Winners carry their progress (0 until works start); others none.
                "progress": p.progress if p.status in WINNING_STATUSES else None,
                "cost": str(p.cost), "money_spent": str(p.money_spent),
                "contractor": p.contractor, "lat": float(p.lat), "lon": float(p.lon),
            },
        })
    return {"type": "FeatureCollection", "features": features}


# Groups with fewer voters than this are published as "fewer than N".
SMALL_GROUP = 5


def suppress_small(rows: list[dict[str, Any]], *, total: int,
                   threshold: int = SMALL_GROUP) -> list[dict[str, Any]]:
    """Hide counts of groups smaller than ``threshold`` so no voter can be singled out.

    A hidden count becomes ``None`` with ``fewer_than``. When exactly one group
    of a breakdown is hidden, the next smallest group is hidden as well, so its
    count cannot be recovered by subtracting the others from the published
    total. Empty groups (0) reveal nobody and stay shown.
    """
    hidden = {n for n, r in enumerate(rows) if 0 < r["count"] < threshold}
    if len(hidden) == 1 and total >= threshold:
        others = sorted((r["count"], n) for n, r in enumerate(rows)
                        if n not in hidden and r["count"] > 0)
        if others:
            hidden.add(others[0][1])
    out = []
    for n, row in enumerate(rows):
        if n in hidden:
            out.append({**row, "count": None, "fewer_than": threshold
                        if row["count"] < threshold else None, "hidden": True})
        else:
            out.append({**row, "hidden": False})
    return out


def turnout(*, cycle: Cycle) -> dict[str, Any]:
    """Ballots by day, by unit and by age group — counts only, no individual data.

    Small groups are suppressed (see ``suppress_small``); so are the totals
    while fewer than ``SMALL_GROUP`` people have voted.
    """
    tz = cycle.municipality.tz
    base = Ballot.objects.filter(cycle=cycle)
    by_day = list(base.annotate(day=TruncDate("created_at", tzinfo=tz))
                  .values("day").annotate(count=Count("pk")).order_by("day"))
    by_unit = {row["unit"]: row["count"]
               for row in base.values("unit").annotate(count=Count("pk"))}
    by_source = Counter(dict(base.values_list("source").annotate(count=Count("pk"))))
    by_age = dict(base.values_list("age_band").annotate(count=Count("pk")))
    voters = base.exclude(identity=None).values("identity").distinct().count() + base.filter(
        identity=None).count()
    ballots = sum(by_unit.values())

    def rows(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return suppress_small(raw, total=ballots)

    return {
        "ballots": ballots if ballots == 0 or ballots >= SMALL_GROUP else None,
        "voters": voters if voters == 0 or voters >= SMALL_GROUP else None,
        "small_group": SMALL_GROUP,
        "by_day": rows([
            {"day": r["day"].isoformat() if isinstance(r["day"], dt.date) else str(r["day"]),
             "count": r["count"]} for r in by_day]),
        "by_unit": rows([{"unit": u.name, "unit_id": u.pk, "count": by_unit.get(u.pk, 0)}
                         for u in cycle.units.all()]),
        "by_age": rows([{"age_group": label, "count": by_age.get(label, 0)}
                        for _low, _high, label in AGE_BANDS]
                       + ([{"age_group": "unknown", "count": by_age[""]}]
                          if by_age.get("") else [])),
        "by_source": rows([{"source": key, "count": by_source.get(key, 0)}
                           for key in Ballot.Source.values]),
    }


def cycle_money(cycle: Cycle) -> dict[str, Decimal]:
    """Money of the winners: what they cost and what has been spent building them."""
    winners = cycle.projects.filter(status__in=(Project.Status.SELECTED,
                                                Project.Status.IMPLEMENTATION,
                                                Project.Status.DONE))
    cost = sum((p.cost for p in winners), Decimal(0))
    spent = sum((p.money_spent for p in winners), Decimal(0))
    return {"cost": cost, "spent": spent,
            "percent": float(spent * 100 / cost) if cost else 0.0}


def ballot_type_help(cycle: Cycle) -> str:
    kind = cycle.ballot_type
    if kind == BallotType.APPROVAL:
        return _("Choose up to %(k)d projects you support.") % {"k": cycle.max_picks}
    if kind == BallotType.KNAPSACK:
        return _("Choose any projects whose total cost stays within the budget.")
    if kind == BallotType.CUMULATIVE:
        return _("Distribute up to %(n)d points among the projects you support.") % {
            "n": cycle.points_total}
    return _("Rank up to %(k)d projects: 1 is your first choice.") % {"k": cycle.max_picks}
