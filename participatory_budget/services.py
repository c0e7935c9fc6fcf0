"""Every write and state change of the participatory budget.

The cycle (see ``models``): staff create a cycle with its units and voting
rules and set the phase dates; verified, eligible residents submit projects
while submission is open; the commission reviews them (feasibility per
criterion, cost corrections, admit or reject with a public reason; authors
are told and may answer); residents vote while voting is open, one ballot per
person and unit; the count (``counting.tally``) is stored with the figures
that explain every decision and published; winners are implemented and
staff report the progress. Every staff step is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from shapely.geometry import Point

from edem.accounts.eligibility import (
    EffectivePolicy,
    age_on,
    effective_policy,
    eligibility_check,
    evaluate,
)
from edem.accounts.models import EligibilityPolicy, Identity
from edem.core.errors import Conflict, DomainError, PermissionRefused
from edem.core.geo import area_to_geojson, parse_area
from edem.core.transitions import check_transition
from edem.core.uploads import clean_image
from edem.municipalities.models import Municipality
from edem.notifications.services import Text, notify
from edem.participation.audit import audit_record
from edem.participation.models import Comment, Feature, Phase, Process
from edem.participation.permissions import require
from edem.participation.selectors import follower_list
from edem.participation.services import comment_create, follow_set

from . import counting, pabulib
from .models import (
    MODULE,
    PHASE_FEATURES,
    PHASE_ORDER,
    TRANSITIONS,
    VOTABLE_STATUSES,
    Adjustment,
    Assessment,
    Ballot,
    BallotChoice,
    BallotType,
    Coauthor,
    CommissionMember,
    CostItem,
    CountingRule,
    Cycle,
    PhaseKind,
    ProgressReport,
    Project,
    ProjectImage,
    ProjectResult,
    ProjectSupport,
    ReviewMessage,
    Unit,
    UnitResult,
)

Status = Project.Status
logger = logging.getLogger(__name__)

MAX_IMAGES = 5
MAX_COST_ITEMS = 50
TITLE_MAX = 200
DESCRIPTION_MIN = 50
DESCRIPTION_MAX = 10000
CENT = Decimal("0.01")
# The shown text is never rewritten: markup is refused instead of escaped away.
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]|javascript\s*:", re.IGNORECASE)
MES_BALLOT_TYPES = (BallotType.APPROVAL, BallotType.KNAPSACK)
AGE_BANDS = ((0, 17, "<18"), (18, 29, "18-29"), (30, 44, "30-44"), (45, 59, "45-59"),
             (60, 200, "60+"))


# --- helpers ---------------------------------------------------------------------


def money(value: Any, *, field: str = "amount") -> Decimal:
    """A non-negative amount with at most two decimals, or a clear error."""
    try:
        amount = Decimal(str(value).strip().replace(" ", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter an amount, e.g. 125000 or 99.50.")}) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError({field: _("Enter an amount, e.g. 125000 or 99.50.")})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: _("An amount has at most two decimals (kopiykas).")})
    return amount.quantize(CENT)


def _plain(value: str, *, field: str, required: bool = True, limit: int | None = None,
           minimum: int = 0) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if limit and len(value) > limit:
        raise ValidationError(
            {field: _("At most %(n)d characters (now %(len)d).") % {"n": limit,
                                                                   "len": len(value)}}
        )
    if minimum and len(value) < minimum:
        raise ValidationError(
            {field: _("At least %(n)d characters (now %(len)d).") % {"n": minimum,
                                                                    "len": len(value)}}
        )
    if _MARKUP.search(value):
        raise ValidationError(
            {field: _("Use plain text only: HTML tags and scripts are not allowed.")}
        )
    return value


def fraction_text(value: Fraction | None) -> str:
    """An exact amount as stored: ``a`` or ``a/b``."""
    if value is None:
        return ""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def age_band(birth_date: dt.date | None, day: dt.date) -> str:
    """The age group of a voter on the day of voting (the only age data kept)."""
    if birth_date is None:
        return ""
    age = age_on(birth_date, day)
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


def _snapshot(obj, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def _authors(project: Project) -> list:
    people = [project.author] if project.author_id else []
    people.extend(c.user for c in project.coauthors.select_related("user"))
    return people


def _locked_project(project: Project) -> Project:
    return Project.objects.select_for_update().select_related(
        "cycle", "unit", "municipality"
    ).get(pk=project.pk)


# --- cycles ----------------------------------------------------------------------

RULE_FIELDS = ("ballot_type", "max_picks", "points_total", "counting_rule",
               "ballot_change_allowed")


def _check_rule_combination(ballot_type: str, counting_rule: str) -> None:
    if ballot_type not in BallotType.values:
        raise ValidationError({"ballot_type": _("Choose a ballot type from the list.")})
    if counting_rule not in CountingRule.values:
        raise ValidationError({"counting_rule": _("Choose a counting rule from the list.")})
    if counting_rule == CountingRule.MES and ballot_type not in MES_BALLOT_TYPES:
        raise ValidationError(
            {"counting_rule": _("The Method of Equal Shares counts approval and "
                                "knapsack ballots only.")}
        )


@transaction.atomic
def cycle_create(
    *, actor, municipality: Municipality, title: str, total_budget, description: str = "",
    ballot_type: str = BallotType.APPROVAL, max_picks: int = 5, points_total: int = 10,
    counting_rule: str = CountingRule.GREEDY, ballot_change_allowed: bool = True,
    min_age: int | None = None, residency_required: bool | None = None,
    review_criteria: list[str] | None = None, min_supports: int = 0,
) -> Cycle:
    """A municipality admin opens a cycle; it starts with one unit for the whole budget."""
    require(actor, "participatory_budget.manage_cycle", municipality)
    title = _plain(title, field="title", limit=TITLE_MAX)
    budget = money(total_budget, field="total_budget")
    if budget <= 0:
        raise ValidationError({"total_budget": _("The budget must be more than zero.")})
    _check_rule_combination(ballot_type, counting_rule)
    if int(max_picks) < 1 or int(points_total) < 1:
        raise ValidationError({"max_picks": _("Allow at least one project and one point.")})
    process = Process.objects.create(
        municipality=municipality, module=MODULE, title=title, description=description,
        min_age=min_age, residency_required=residency_required,
    )
    cycle = Cycle.objects.create(
        municipality=municipality, process=process, title=title, description=description,
        total_budget=budget, ballot_type=ballot_type, max_picks=int(max_picks),
        points_total=int(points_total), counting_rule=counting_rule,
        ballot_change_allowed=ballot_change_allowed, min_supports=_min_supports(min_supports),
        **({"review_criteria": review_criteria} if review_criteria is not None else {}),
    )
    Unit.objects.create(
        cycle=cycle, kind=Unit.Kind.CITY, name_uk="Уся громада",
        name_en="Whole municipality", budget=budget,
    )
    audit_record(actor=actor, municipality=municipality,
                 action="participatory_budget.cycle_created", target=cycle,
                 after={"budget": budget, **_snapshot(cycle, RULE_FIELDS)})
    return cycle


def _min_supports(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise ValidationError({"min_supports": _("The minimum support is a whole number, "
                                                 "0 or more.")})
    return number


def _require_rules_open(cycle: Cycle) -> None:
    if cycle.rules_frozen():
        raise Conflict(
            _("The voting rules are frozen: voting has opened, so the ballot type, "
              "its limits, the counting rule and the budgets can no longer change.")
        )


@transaction.atomic
def cycle_rules_update(*, actor, cycle: Cycle, changes: Mapping[str, Any]) -> Cycle:
    """An admin changes the voting rules or the total budget before voting opens."""
    require(actor, "participatory_budget.manage_cycle", cycle)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    _require_rules_open(cycle)
    allowed = {*RULE_FIELDS, "total_budget", "title", "description", "review_criteria",
               "min_age", "residency_required", "min_supports"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(_("Unknown setting: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    before = _snapshot(cycle, (*RULE_FIELDS, "total_budget"))
    process_fields = {k: changes[k] for k in ("min_age", "residency_required") if k in changes}
    for name, value in changes.items():
        if name in process_fields:
            continue
        if name == "total_budget":
            value = money(value, field="total_budget")
            if value <= 0:
                raise ValidationError({"total_budget": _("The budget must be more than zero.")})
        if name == "title":
            value = _plain(value, field="title", limit=TITLE_MAX)
        setattr(cycle, name, value)
    _check_rule_combination(cycle.ballot_type, cycle.counting_rule)
    if cycle.max_picks < 1 or cycle.points_total < 1:
        raise ValidationError({"max_picks": _("Allow at least one project and one point.")})
    cycle.min_supports = _min_supports(cycle.min_supports)
    if "min_supports" in changes and cycle.support_closed_at is not None:
        raise Conflict(_("Support collection has ended: its minimum can no longer change."))
    units_total = cycle.units.aggregate(total=Sum("budget"))["total"] or 0
    if units_total > cycle.total_budget:
        raise ValidationError(
            {"total_budget": _("The units' budgets add up to more than the total budget.")}
        )
    cycle.save()
    if process_fields:
        for name, value in process_fields.items():
            setattr(cycle.process, name, value)
        cycle.process.save(update_fields=[*process_fields, "updated_at"])
    audit_record(actor=actor, municipality=cycle.municipality,
                 action="participatory_budget.rules_changed", target=cycle, before=before,
                 after=_snapshot(cycle, (*RULE_FIELDS, "total_budget")))
    return cycle


@transaction.atomic
def unit_save(*, actor, cycle: Cycle, data: Mapping[str, Any], unit: Unit | None = None) -> Unit:
    """Add or change a category or district with its budget and cost limits.

    Refused once voting opened; the units' budgets may not exceed the total.
    """
    require(actor, "participatory_budget.manage_cycle", cycle)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    _require_rules_open(cycle)
    unit = unit or Unit(cycle=cycle)
    if unit.cycle_id != cycle.pk:
        raise DomainError(_("The unit belongs to another cycle."))
    before = _snapshot(unit, ("name_uk", "budget", "min_cost", "max_cost")) if unit.pk else {}
    unit.kind = data.get("kind", unit.kind or Unit.Kind.CATEGORY)
    if unit.kind not in Unit.Kind.values:
        raise ValidationError({"kind": _("Choose a kind from the list.")})
    unit.name_uk = _plain(data.get("name_uk", unit.name_uk), field="name_uk", limit=150)
    unit.name_en = _plain(data.get("name_en", unit.name_en) or "", field="name_en",
                          required=False, limit=150)
    unit.budget = money(data.get("budget", unit.budget), field="budget")
    unit.min_cost = money(data.get("min_cost", unit.min_cost) or 0, field="min_cost")
    max_cost = data.get("max_cost", unit.max_cost)
    unit.max_cost = money(max_cost, field="max_cost") if max_cost not in (None, "") else None
    unit.order = int(data.get("order", unit.order) or 0)
    area = data.get("area", unit.area) or {}
    if area:
        try:
            parse_area(area)
        except DomainError as exc:
            raise ValidationError({"area": exc.message}) from exc
    unit.area = area
    if unit.budget <= 0:
        raise ValidationError({"budget": _("The budget must be more than zero.")})
    if unit.max_cost is not None and unit.max_cost > unit.budget:
        raise ValidationError({"max_cost": _("The maximum cost cannot exceed the unit's budget.")})
    if unit.min_cost > unit.cost_limit:
        raise ValidationError({"min_cost": _("The minimum cost is above the maximum.")})
    others = cycle.units.exclude(pk=unit.pk).aggregate(total=Sum("budget"))["total"] or 0
    if others + unit.budget > cycle.total_budget:
        raise ValidationError(
            {"budget": _("The units' budgets would add up to %(sum)s, more than the "
                         "total budget of %(total)s.")
             % {"sum": others + unit.budget, "total": cycle.total_budget}}
        )
    if cycle.units.exclude(pk=unit.pk).filter(name_uk=unit.name_uk).exists():
        raise ValidationError({"name_uk": _("The cycle already has a unit of this name.")})
    unit.save()
    audit_record(actor=actor, municipality=cycle.municipality,
                 action="participatory_budget.unit_saved", target=unit, before=before,
                 after=_snapshot(unit, ("name_uk", "budget", "min_cost", "max_cost")))
    return unit


@transaction.atomic
def unit_delete(*, actor, unit: Unit) -> None:
    """Remove a unit without projects before voting opens."""
    require(actor, "participatory_budget.manage_cycle", unit.cycle)
    _require_rules_open(unit.cycle)
    if unit.projects.exists():
        raise Conflict(_("Projects compete in this unit; it cannot be removed."))
    audit_record(actor=actor, municipality=unit.cycle.municipality,
                 action="participatory_budget.unit_deleted", target=unit,
                 before={"name_uk": unit.name_uk, "budget": unit.budget})
    unit.delete()


@transaction.atomic
def cycle_schedule(
    *, actor, cycle: Cycle, dates: Mapping[str, tuple[dt.datetime, dt.datetime] | None]
) -> list[Phase]:
    """Staff set the phase dates; phases follow each other in the fixed order.

    Support collection is optional (``None`` removes it). Once voting has
    opened its start cannot move and its end cannot move into the past.
    """
    require(actor, "participatory_budget.manage_cycle", cycle)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.is_imported:
        raise Conflict(_("An imported cycle has no phases."))
    now = timezone.now()
    existing = {p.kind: p for p in cycle.process.phases.all()}
    unknown = set(dates) - set(PHASE_ORDER)
    if unknown:
        raise DomainError(_("Unknown phase: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    windows: dict[str, tuple[dt.datetime, dt.datetime]] = {
        k: (p.starts_at, p.ends_at) for k, p in existing.items()
    }
    for kind, window in dates.items():
        if window is None:
            windows.pop(kind, None)
        else:
            windows[kind] = window
    required = [k for k in PHASE_ORDER if k != PhaseKind.SUPPORT]
    missing = [k for k in required if k not in windows]
    if missing:
        raise ValidationError({missing[0]: _("Set the dates of every phase.")})
    previous_end = None
    for kind in PHASE_ORDER:
        if kind not in windows:
            continue
        start, end = windows[kind]
        if end <= start:
            raise ValidationError({kind: _("A phase must end after it starts.")})
        if previous_end is not None and start < previous_end:
            raise ValidationError({kind: _("A phase cannot start before the previous one ends.")})
        previous_end = end
    voting = existing.get(PhaseKind.VOTING)
    if voting is not None and voting.starts_at <= now:
        start, end = windows[PhaseKind.VOTING]
        if start != voting.starts_at:
            raise Conflict(_("Voting has opened: its start can no longer move."))
        if end != voting.ends_at and end <= now:
            raise Conflict(_("Voting cannot be closed in the past."))
    before = {k: [p.starts_at, p.ends_at] for k, p in existing.items()}
    cycle.process.phases.all().delete()
    labels = dict(PhaseKind.choices)
    phases = [
        Phase.objects.create(
            process=cycle.process, kind=kind, title=str(labels[kind]),
            starts_at=windows[kind][0], ends_at=windows[kind][1],
            features=list(PHASE_FEATURES[kind]),
        )
        for kind in PHASE_ORDER if kind in windows
    ]
    audit_record(actor=actor, municipality=cycle.municipality,
                 action="participatory_budget.phases_set", target=cycle, before=before,
                 after={k: list(v) for k, v in windows.items()})
    return phases


@transaction.atomic
def commission_member_add(*, actor, cycle: Cycle, user, position: str = "") -> CommissionMember:
    """An admin appoints a member of the cycle's review commission."""
    require(actor, "participatory_budget.manage_cycle", cycle)
    try:
        with transaction.atomic():
            member = CommissionMember.objects.create(cycle=cycle, user=user,
                                                     position=position[:200])
    except IntegrityError as exc:
        raise Conflict(_("This person is already on the commission.")) from exc
    audit_record(actor=actor, municipality=cycle.municipality,
                 action="participatory_budget.commission_member_added", target=member,
                 after={"user": user.pk, "position": position})
    return member


@transaction.atomic
def commission_member_remove(*, actor, member: CommissionMember) -> None:
    require(actor, "participatory_budget.manage_cycle", member.cycle)
    audit_record(actor=actor, municipality=member.cycle.municipality,
                 action="participatory_budget.commission_member_removed", target=member,
                 before={"user": member.user_id})
    member.delete()


# --- eligibility -----------------------------------------------------------------


def eligibility_for(actor, cycle: Cycle, action: str = "budget.vote"):
    """The eligibility answer shown above the ballot or the project form."""
    identity = getattr(actor, "identity", None) if getattr(actor, "is_authenticated", False) else None
    return eligibility_check(identity, cycle.municipality, action, process=cycle.process)


def _require_eligible(actor, cycle: Cycle, action: str) -> None:
    result = eligibility_for(actor, cycle, action)
    if not result.allowed:
        raise PermissionRefused(result.reason, code=result.code)


# --- projects --------------------------------------------------------------------


@dataclass(frozen=True)
class CostLine:
    description: str
    amount: Any


def _clean_cost_items(items: Sequence[CostLine]) -> list[tuple[str, Decimal]]:
    lines = []
    for index, item in enumerate(items):
        description = (item.description or "").strip()
        raw = str(item.amount or "").strip()
        if not description and not raw:
            continue
        field = f"cost_items.{index}"
        if not description:
            raise ValidationError({field: _("Say what the amount of line %(n)d pays for.")
                                   % {"n": index + 1}})
        description = _plain(description, field=field, limit=300)
        amount = money(raw, field=field)
        if amount <= 0:
            raise ValidationError({field: _("Each cost item must be more than zero.")})
        lines.append((description, amount))
    if not lines:
        raise ValidationError({"cost_items": _("Break the cost down into at least one item.")})
    if len(lines) > MAX_COST_ITEMS:
        raise ValidationError({"cost_items": _("At most %(n)d cost items.")
                               % {"n": MAX_COST_ITEMS}})
    return lines


def _check_cost(unit: Unit, cost: Decimal, *, field: str = "cost_items") -> None:
    if cost < unit.min_cost or cost > unit.cost_limit:
        raise ValidationError(
            {field: _("A project of “%(unit)s” must cost from %(min)s to %(max)s; this "
                      "one costs %(cost)s.")
             % {"unit": unit.name, "min": unit.min_cost, "max": unit.cost_limit,
                "cost": cost}}
        )


def _clean_place(cycle: Cycle, unit: Unit, lat, lon, area) -> dict[str, Any]:
    place: dict[str, Any] = {"lat": None, "lon": None, "area": {}}
    if area:
        try:
            geometry = parse_area(area)
        except DomainError as exc:
            raise ValidationError({"area": exc.message}) from exc
        place["area"] = area_to_geojson(geometry)
        if lat in (None, "") or lon in (None, ""):
            centre = geometry.representative_point()
            lat, lon = centre.y, centre.x
    if lat in (None, "") or lon in (None, ""):
        raise ValidationError({"lat": _("Put the project on the map: click its place or "
                                        "type the coordinates.")})
    try:
        lat_d = Decimal(str(lat)).quantize(Decimal("0.000001"))
        lon_d = Decimal(str(lon)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"lat": _("The coordinates must be numbers.")}) from None
    if not (-90 <= lat_d <= 90 and -180 <= lon_d <= 180):
        raise ValidationError({"lat": _("The coordinates are outside the map.")})
    point = Point(float(lon_d), float(lat_d))
    boundary = cycle.municipality.boundary
    if boundary and not parse_area(boundary).covers(point):
        raise ValidationError({"lat": _("The place must be inside the municipality.")})
    if unit.kind == Unit.Kind.DISTRICT and unit.area and not parse_area(unit.area).covers(point):
        raise ValidationError({"lat": _("The place must be inside the district “%(unit)s”.")
                               % {"unit": unit.name}})
    place["lat"], place["lon"] = lat_d, lon_d
    return place


def _store_images(project: Project, uploads: Sequence) -> None:
    if project.images.count() + len(uploads) > MAX_IMAGES:
        raise ValidationError({"images": _("At most %(n)d images.") % {"n": MAX_IMAGES}})
    for upload in uploads:
        content = clean_image(upload)
        image = ProjectImage(project=project, caption=str(getattr(upload, "name", ""))[:200])
        image.image.save(content.name, content, save=False)
        image.save()


def _recompute_cost(project: Project) -> Decimal:
    total = sum((i.effective_amount for i in project.cost_items.all()), Decimal(0))
    project.cost = total
    project.save(update_fields=["cost", "updated_at"])
    return total


@transaction.atomic
def project_submit(
    *, actor, cycle: Cycle, unit: Unit, title: str, description: str,
    cost_items: Sequence[CostLine], lat=None, lon=None, area=None, address: str = "",
    images: Sequence = (),
) -> Project:
    """A verified, eligible resident submits a project while submission is open.

    The cost is the sum of the items and must fit the unit's limits; the
    place must lie in the municipality (and in the district, for a district
    unit). Images are re-encoded without metadata.
    """
    require(actor, "participatory_budget.add_project", cycle)
    if unit.cycle_id != cycle.pk:
        raise DomainError(_("Choose a category or district of this cycle."))
    if not cycle.is_open_for(Feature.SUBMIT):
        raise DomainError(_("Submission of projects is closed in this cycle."))
    _require_eligible(actor, cycle, "budget.submit")
    errors: dict[str, list] = {}
    fields: dict[str, Any] = {}
    for name, call in (
        ("title", lambda: _plain(title, field="title", limit=TITLE_MAX)),
        ("description", lambda: _plain(description, field="description",
                                       limit=DESCRIPTION_MAX, minimum=DESCRIPTION_MIN)),
        ("address", lambda: _plain(address, field="address", required=False, limit=300)),
        ("place", lambda: _clean_place(cycle, unit, lat, lon, area)),
        ("lines", lambda: _clean_cost_items(cost_items)),
    ):
        try:
            fields[name] = call()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if "lines" in fields:
        try:
            _check_cost(unit, sum((a for _d, a in fields["lines"]), Decimal(0)))
        except ValidationError as exc:
            errors.setdefault("cost_items", []).extend(exc.message_dict["cost_items"])
    if errors:
        raise ValidationError(errors)
    project = Project.objects.create(
        municipality=cycle.municipality, cycle=cycle, unit=unit, author=actor,
        author_identity=actor.identity, title=fields["title"],
        description=fields["description"], address=fields["address"],
        **fields["place"],
    )
    CostItem.objects.bulk_create(
        [CostItem(project=project, description=d, amount=a, order=n)
         for n, (d, a) in enumerate(fields["lines"])]
    )
    _recompute_cost(project)
    _store_images(project, images)
    return project


@transaction.atomic
def project_join(*, actor, project: Project, code: str) -> Coauthor:
    """A resident with the author's invitation link joins the project as a co-author."""
    require(actor, "participatory_budget.join_project", project)
    if code != project.coauthor_code:
        raise PermissionRefused(_("This invitation link is not valid."))
    if project.status not in (Status.SUBMITTED, Status.UNDER_REVIEW):
        raise DomainError(_("Co-authors can join only before the commission decides."))
    _require_eligible(actor, project.cycle, "budget.submit")
    if project.author_identity_id == actor.identity_id:
        raise Conflict(_("You are the author of this project."))
    try:
        with transaction.atomic():
            return Coauthor.objects.create(project=project, identity=actor.identity,
                                           user=actor)
    except IntegrityError as exc:
        raise Conflict(_("You are already a co-author of this project.")) from exc


# --- support collection ------------------------------------------------------------

SUPPORTABLE_STATUSES = frozenset({Status.SUBMITTED, Status.UNDER_REVIEW})


def _when(cycle: Cycle, moment: dt.datetime) -> str:
    """A moment as the residents of the cycle's municipality read it."""
    return date_format(timezone.localtime(moment, cycle.municipality.tz),
                       "SHORT_DATETIME_FORMAT")


def _require_support_open(cycle: Cycle) -> None:
    """Support is given only while the cycle's support collection phase runs."""
    phase = cycle.phase(PhaseKind.SUPPORT)
    if phase is None:
        raise DomainError(_("This cycle does not collect support for projects."),
                          code="support_closed")
    if not cycle.is_open_for(Feature.SUPPORT):
        raise DomainError(
            _("Support is collected from %(start)s to %(end)s; it is not open now.")
            % {"start": _when(cycle, phase.starts_at), "end": _when(cycle, phase.ends_at)},
            code="support_closed",
        )


def _is_author_identity(project: Project, identity_id: int | None) -> bool:
    if identity_id is None:
        return False
    return project.author_identity_id == identity_id or project.coauthors.filter(
        identity_id=identity_id).exists()


@transaction.atomic
def support_create(*, actor, project: Project) -> ProjectSupport:
    """A verified, eligible resident supports a project once, while support is collected.

    The support belongs to the person (their identity), not the account: a
    second support from any of their accounts, even at the same moment, is
    refused by the unique constraint. Authors and co-authors do not support
    their own project. The project's count moves in the same transaction.
    """
    require(actor, "participatory_budget.support_project", project)
    project = _locked_project(project)
    _require_support_open(project.cycle)
    if project.status not in SUPPORTABLE_STATUSES:
        raise DomainError(_("This project no longer collects support."),
                          code="transition_refused")
    if _is_author_identity(project, actor.identity_id):
        raise DomainError(_("Authors do not support their own project."), code="own_project")
    _require_eligible(actor, project.cycle, "budget.support")
    try:
        with transaction.atomic():
            support = ProjectSupport.objects.create(project=project,
                                                    identity_id=actor.identity_id,
                                                    user=actor)
    except IntegrityError as exc:
        raise Conflict(_("You have already supported this project."),
                       code="already_supported") from exc
    Project.objects.filter(pk=project.pk).update(support_count=F("support_count") + 1)
    follow_set(actor=actor, target=project, following=True)
    return support


@transaction.atomic
def support_withdraw(*, actor, project: Project) -> None:
    """A resident takes their support back while support is still collected."""
    require(actor, "participatory_budget.support_project", project)
    project = _locked_project(project)
    _require_support_open(project.cycle)
    deleted, _rows = ProjectSupport.objects.filter(
        project=project, identity_id=actor.identity_id).delete()
    if not deleted:
        raise DomainError(_("You have not supported this project."), code="not_supported")
    Project.objects.filter(pk=project.pk).update(support_count=F("support_count") - deleted)


def support_counts_reconcile(*, fix: bool = True) -> list[dict[str, int]]:
    """Compare every project's support count with its support rows; log and repair drift.

    Drift means a bug or a manual edit of the database; with ``fix`` the count
    is set from the rows under the project's lock.
    """
    rows = ProjectSupport.objects.filter(project=OuterRef("pk")).values("project").annotate(
        n=Count("pk")).values("n")
    drifted = (Project.objects.annotate(rows=Coalesce(Subquery(rows), 0))
               .filter(~Q(support_count=F("rows"))).values_list("pk", "support_count", "rows"))
    drift = []
    for pk, counted, actual in drifted:
        drift.append({"project": pk, "supports": actual, "counted": counted})
        logger.error("budget project %s support drift: rows=%s counted=%s", pk, actual,
                     counted)
        if fix:
            with transaction.atomic():
                Project.objects.select_for_update().filter(pk=pk).first()
                Project.objects.filter(pk=pk).update(
                    support_count=ProjectSupport.objects.filter(project_id=pk).count())
    return drift


def _require_enough_support(project: Project) -> None:
    """Where the cycle sets a minimum support, the commission reviews only projects
    that reached it, once support collection is over."""
    cycle = project.cycle
    if not cycle.uses_support_threshold:
        return
    if not cycle.support_ended():
        raise DomainError(_("The commission reviews projects after support collection ends."),
                          code="support_running")
    if project.support_count < cycle.min_supports:
        raise DomainError(
            _("The project gathered %(n)d of the %(min)d supports needed for review.")
            % {"n": project.support_count, "min": cycle.min_supports},
            code="not_enough_support",
        )


def _short_of_support_title(title: str) -> str:
    return _("Your project did not gather enough support: %(t)s") % {"t": title}


@transaction.atomic
def support_threshold_apply(*, cycle: Cycle, at: dt.datetime | None = None) -> list[Project]:
    """When support collection ends, projects short of the minimum are rejected.

    The public reason says how many supports the project gathered and how many
    were needed; the authors are told. Runs once per cycle (stamped), so the
    periodic task may call it any number of times.
    """
    at = at or timezone.now()
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if (cycle.support_closed_at is not None or not cycle.uses_support_threshold
            or not cycle.support_ended(at)):
        return []
    rejected = []
    short = (Project.objects.select_for_update()
             .filter(cycle=cycle, status=Status.SUBMITTED,
                     support_count__lt=cycle.min_supports)
             .select_related("municipality", "cycle", "unit"))
    for project in short:
        reason = _("The project gathered %(n)d of the %(min)d supports needed for review.") % {
            "n": project.support_count, "min": cycle.min_supports}
        _decide(None, project, Status.REJECTED, reason,
                "participatory_budget.project_short_of_support",
                partial(_short_of_support_title, project.title))
        rejected.append(project)
    cycle.support_closed_at = at
    cycle.save(update_fields=["support_closed_at", "updated_at"])
    audit_record(actor=None, municipality=cycle.municipality,
                 action="participatory_budget.support_closed", target=cycle,
                 after={"min_supports": cycle.min_supports, "rejected": len(rejected)})
    return rejected


def _require_review_open(project: Project) -> None:
    if project.status not in (Status.SUBMITTED, Status.UNDER_REVIEW):
        raise DomainError(_("The commission has already decided on this project."),
                          code="transition_refused")


def _start_review(actor, project: Project) -> None:
    if project.status == Status.SUBMITTED:
        check_transition(TRANSITIONS, project.status, Status.UNDER_REVIEW)
        project.status = Status.UNDER_REVIEW
        project.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, municipality=project.municipality,
                     action="participatory_budget.review_started", target=project,
                     before={"status": Status.SUBMITTED}, after={"status": project.status})


@transaction.atomic
def project_review_start(*, actor, project: Project) -> Project:
    """A commission member takes a submitted project into review."""
    require(actor, "participatory_budget.review_project", project)
    project = _locked_project(project)
    check_transition(TRANSITIONS, project.status, Status.UNDER_REVIEW)
    _require_enough_support(project)
    _start_review(actor, project)
    return project


@transaction.atomic
def project_assess(*, actor, project: Project, criterion: str, feasible: bool,
                   comment: str = "") -> Assessment:
    """A commission member judges one criterion of the cycle, with a comment."""
    require(actor, "participatory_budget.review_project", project)
    project = _locked_project(project)
    _require_review_open(project)
    _require_enough_support(project)
    if criterion not in (project.cycle.review_criteria or []):
        raise DomainError(_("Choose a criterion of this cycle."))
    comment = _plain(comment, field="comment", required=not feasible, limit=3000)
    _start_review(actor, project)
    existing = Assessment.objects.filter(project=project, criterion=criterion).first()
    before = _snapshot(existing, ("feasible", "comment")) if existing else {}
    assessment, _created = Assessment.objects.update_or_create(
        project=project, criterion=criterion,
        defaults={"feasible": feasible, "comment": comment, "member": actor},
    )
    audit_record(actor=actor, municipality=project.municipality,
                 action="participatory_budget.project_assessed", target=project,
                 before=before, after={"criterion": criterion, "feasible": feasible,
                                       "comment": comment})
    return assessment


@transaction.atomic
def cost_item_correct(*, actor, item: CostItem, amount, note: str) -> Project:
    """The commission corrects one cost item with a reason; the total follows."""
    project = item.project
    require(actor, "participatory_budget.review_project", project)
    project = _locked_project(project)
    _require_review_open(project)
    _require_enough_support(project)
    item = CostItem.objects.get(pk=item.pk, project=project)
    note = _plain(note, field="note", limit=500)
    value = money(amount, field="amount")
    before = {"item": item.description, "amount": item.effective_amount,
              "project_cost": project.cost}
    item.corrected_amount = value
    item.correction_note = note
    item.save(update_fields=["corrected_amount", "correction_note"])
    _start_review(actor, project)
    _recompute_cost(project)
    audit_record(actor=actor, municipality=project.municipality,
                 action="participatory_budget.cost_corrected", target=project,
                 before=before, after={"item": item.description, "amount": value,
                                       "project_cost": project.cost}, reason=note)
    return project


@transaction.atomic
def review_message_post(*, actor, project: Project, body: str) -> ReviewMessage:
    """The commission asks or explains; an author answers. The other side is told."""
    from_commission = actor.has_perm("participatory_budget.review_project", project)
    if not from_commission:
        require(actor, "participatory_budget.answer_review", project)
    body = _plain(body, field="body", limit=3000)
    if project.status not in (Status.SUBMITTED, Status.UNDER_REVIEW, Status.ADMITTED,
                              Status.REJECTED):
        raise DomainError(_("The review of this project is over."))
    message = ReviewMessage.objects.create(project=project, author=actor,
                                           from_commission=from_commission, body=body)
    if from_commission:
        recipients = _authors(project)
    else:
        recipients = [m.user for m in project.cycle.commission.select_related("user")]
    notify(kind="participatory_budget.review_message",
           recipients=[r for r in recipients if r.pk != actor.pk],
           municipality=project.municipality,
           title=lambda: _("New message in the review of “%(title)s”") % {"title": project.title},
           body=body[:300], url=project.get_absolute_url)
    return message


def _decide(actor, project: Project, target: str, reason: str, action: str, title: Text):
    check_transition(TRANSITIONS, project.status, target)
    before = {"status": project.status}
    project.status = target
    project.decision_reason = reason
    project.decided_at = timezone.now()
    project.save(update_fields=["status", "decision_reason", "decided_at", "updated_at"])
    audit_record(actor=actor, municipality=project.municipality, action=action,
                 target=project, before=before,
                 after={"status": target, "cost": project.cost}, reason=reason)
    notify(kind="participatory_budget.project_decided", recipients=_authors(project),
           municipality=project.municipality, title=title, body=reason,
           url=project.get_absolute_url)
    return project


@transaction.atomic
def project_admit(*, actor, project: Project, reason: str = "") -> Project:
    """The commission admits a project to the vote.

    Every criterion of the cycle must be judged and met, and the (corrected)
    cost must still fit the unit's limits.
    """
    require(actor, "participatory_budget.review_project", project)
    project = _locked_project(project)
    _require_review_open(project)
    _require_enough_support(project)
    _start_review(actor, project)
    judged = {a.criterion: a.feasible for a in project.assessments.all()}
    missing = [c for c in project.cycle.review_criteria or [] if c not in judged]
    if missing:
        raise DomainError(_("Judge every criterion first; missing: %(c)s.")
                          % {"c": "; ".join(missing)})
    failed = [c for c, ok in judged.items() if not ok]
    if failed:
        raise DomainError(_("A project that fails a criterion cannot be admitted: %(c)s.")
                          % {"c": "; ".join(failed)})
    try:
        _check_cost(project.unit, project.cost)
    except ValidationError as exc:
        raise DomainError(exc.message_dict["cost_items"][0]) from exc
    reason = _plain(reason, field="reason", required=False, limit=3000)
    return _decide(actor, project, Status.ADMITTED, reason,
                   "participatory_budget.project_admitted",
                   lambda: _("Your project is admitted to the vote: %(t)s") % {"t": project.title})


@transaction.atomic
def project_reject(*, actor, project: Project, reason: str) -> Project:
    """The commission rejects a project with a public reason; the authors are told."""
    require(actor, "participatory_budget.review_project", project)
    project = _locked_project(project)
    _require_review_open(project)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the public reason for rejecting the project."))
    reason = _plain(reason, field="reason", limit=3000)
    _start_review(actor, project)
    return _decide(actor, project, Status.REJECTED, reason,
                   "participatory_budget.project_rejected",
                   lambda: _("Your project is rejected: %(t)s") % {"t": project.title})


# --- voting ----------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One project on a ballot; ``value`` is points (cumulative) or rank (ordinal)."""

    project_id: int
    value: int | None = None


@dataclass(frozen=True)
class BallotTotals:
    """What a ballot uses and what is left of the cycle's limit."""

    picks: int
    cost: Decimal
    points: int
    limit_picks: int | None
    limit_cost: Decimal | None
    limit_points: int | None

    @property
    def picks_left(self) -> int | None:
        return None if self.limit_picks is None else self.limit_picks - self.picks

    @property
    def cost_left(self) -> Decimal | None:
        return None if self.limit_cost is None else self.limit_cost - self.cost

    @property
    def points_left(self) -> int | None:
        return None if self.limit_points is None else self.limit_points - self.points


def ballot_totals(unit: Unit, choices: Sequence[tuple[Project, int | None]]) -> BallotTotals:
    """Totals of a selection under the cycle's ballot type."""
    cycle = unit.cycle
    kind = cycle.ballot_type
    return BallotTotals(
        picks=len(choices),
        cost=sum((p.cost for p, _v in choices), Decimal(0)),
        points=sum((v or 0) for _p, v in choices) if kind == BallotType.CUMULATIVE else 0,
        limit_picks=cycle.max_picks if kind in (BallotType.APPROVAL, BallotType.ORDINAL) else None,
        limit_cost=unit.budget if kind == BallotType.KNAPSACK else None,
        limit_points=cycle.points_total if kind == BallotType.CUMULATIVE else None,
    )


def _validate_selection(unit: Unit, selection: Sequence[Choice]) -> list[tuple[Project, int | None]]:
    """Check a whole selection against the ballot type's limit; ranks are renumbered 1..m."""
    cycle = unit.cycle
    kind = cycle.ballot_type
    ids = [c.project_id for c in selection]
    if len(set(ids)) != len(ids):
        raise DomainError(_("A project can be chosen only once."))
    projects = {
        p.pk: p for p in Project.objects.filter(
            pk__in=ids, unit=unit, status__in=VOTABLE_STATUSES
        )
    }
    if len(projects) != len(ids):
        raise DomainError(_("Choose only projects admitted to the vote in “%(unit)s”.")
                          % {"unit": unit.name})
    if not selection:
        raise DomainError(_("Choose at least one project."))
    chosen = [(projects[c.project_id], c.value) for c in selection]
    if kind == BallotType.CUMULATIVE:
        if any(v is None or int(v) < 1 for _p, v in chosen):
            raise DomainError(_("Give each chosen project at least one point."))
        chosen = [(p, int(v)) for p, v in chosen]
    elif kind == BallotType.ORDINAL:
        if any(v is None or int(v) < 1 for _p, v in chosen):
            raise DomainError(_("Give each chosen project its place: 1 for your first choice."))
        ranks = [int(v) for _p, v in chosen]
        if len(set(ranks)) != len(ranks):
            raise DomainError(_("Two projects cannot share a place in your ranking."))
        chosen = sorted(chosen, key=lambda pv: int(pv[1]))
        chosen = [(p, n) for n, (p, _v) in enumerate(chosen, start=1)]
    else:
        chosen = [(p, None) for p, _v in chosen]
    totals = ballot_totals(unit, chosen)
    if totals.limit_picks is not None and totals.picks > totals.limit_picks:
        raise DomainError(
            _("You can choose at most %(k)d projects; you chose %(n)d. Remove one first.")
            % {"k": totals.limit_picks, "n": totals.picks}, code="over_limit",
        )
    if totals.limit_cost is not None and totals.cost > totals.limit_cost:
        raise DomainError(
            _("These projects cost %(cost)s together, more than the budget of %(limit)s. "
              "Remove a project first.")
            % {"cost": totals.cost, "limit": totals.limit_cost}, code="over_limit",
        )
    if totals.limit_points is not None and totals.points > totals.limit_points:
        raise DomainError(
            _("You gave %(n)d points; you have %(limit)d to distribute.")
            % {"n": totals.points, "limit": totals.limit_points}, code="over_limit",
        )
    return chosen


def _ballot_for_update(unit: Unit, identity: Identity, defaults: dict) -> tuple[Ballot, bool]:
    """The voter's ballot in the unit, created once and locked for this transaction.

    The unique constraint makes concurrent first ballots one row: the loser of
    the insert takes the winner's row. The row lock then orders concurrent
    changes, so each checks its limit against the ballot as the others left it.
    """
    created = False
    ballot = Ballot.objects.filter(unit=unit, identity=identity).first()
    if ballot is None:
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(unit=unit, identity=identity, **defaults)
                created = True
        except IntegrityError:
            ballot = Ballot.objects.get(unit=unit, identity=identity)
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    return ballot, created


def _current_selection(ballot: Ballot) -> list[Choice]:
    return [
        Choice(c.project_id, c.rank if c.rank is not None else c.points)
        for c in ballot.choices.order_by("rank", "pk")
    ]


def _write_choices(ballot: Ballot, chosen: Sequence[tuple[Project, int | None]]) -> None:
    kind = ballot.cycle.ballot_type
    ballot.choices.all().delete()
    BallotChoice.objects.bulk_create([
        BallotChoice(
            ballot=ballot, project=p,
            points=v if kind == BallotType.CUMULATIVE else None,
            rank=v if kind == BallotType.ORDINAL else None,
        )
        for p, v in chosen
    ])


def _require_voting_open(unit: Unit) -> None:
    if not unit.cycle.is_open_for(Feature.VOTE):
        raise DomainError(_("Voting is not open in this cycle."), code="voting_closed")


def _change_ballot(*, actor, unit: Unit, change) -> Ballot | None:
    """Apply ``change`` (current selection → new selection) to the voter's locked ballot."""
    require(actor, "participatory_budget.vote", unit.cycle)
    _require_voting_open(unit)
    identity = actor.identity
    if Ballot.objects.filter(unit=unit, identity=identity, source=Ballot.Source.PAPER).exists():
        raise Conflict(_("Your paper ballot in this unit is already counted."))
    _require_eligible(actor, unit.cycle, "budget.vote")
    now = timezone.now()
    ballot, created = _ballot_for_update(unit, identity, {
        "municipality": unit.cycle.municipality, "cycle": unit.cycle, "user": actor,
        "source": Ballot.Source.ONLINE, "created_at": now, "updated_at": now,
        "age_band": age_band(identity.birth_date, unit.cycle.municipality.local_today()),
    })
    current = _current_selection(ballot)
    if ballot.source == Ballot.Source.PAPER:
        raise Conflict(_("Your paper ballot in this unit is already counted."))
    if current and not unit.cycle.ballot_change_allowed:
        raise Conflict(_("You have already voted in “%(unit)s”; this cycle does not "
                         "allow changing a ballot.") % {"unit": unit.name})
    selection = change(current)
    if not selection:
        ballot.delete()
        return None
    chosen = _validate_selection(unit, selection)
    _write_choices(ballot, chosen)
    if not created:
        ballot.updated_at = now
        ballot.user = actor
        ballot.save(update_fields=["updated_at", "user"])
    return ballot


@transaction.atomic
def ballot_submit(*, actor, unit: Unit, selection: Sequence[Choice]) -> Ballot:
    """The voter casts (or, where allowed, replaces) their whole ballot in a unit."""
    if not selection:
        raise DomainError(_("Choose at least one project."))
    return _change_ballot(actor=actor, unit=unit, change=lambda _current: list(selection))


@transaction.atomic
def ballot_add(*, actor, unit: Unit, project_id: int, value: int | None = None) -> Ballot:
    """Add one project to the voter's ballot; refused when it would break the limit."""

    def change(current: list[Choice]) -> list[Choice]:
        if any(c.project_id == project_id for c in current):
            raise Conflict(_("This project is already on your ballot."))
        if unit.cycle.ballot_type == BallotType.ORDINAL and value is None:
            return [*current, Choice(project_id, len(current) + 1)]
        return [*current, Choice(project_id, value)]

    return _change_ballot(actor=actor, unit=unit, change=change)


@transaction.atomic
def ballot_remove(*, actor, unit: Unit, project_id: int) -> Ballot | None:
    """Take one project off the voter's ballot (the ballot goes when it is empty)."""

    def change(current: list[Choice]) -> list[Choice]:
        return [c for c in current if c.project_id != project_id]

    return _change_ballot(actor=actor, unit=unit, change=change)


@transaction.atomic
def paper_ballot_enter(
    *, actor, unit: Unit, tax_number: str, birth_date: dt.date, given_name: str,
    family_name: str, identity_document: str, residency_confirmed: bool,
    selection: Sequence[Choice],
) -> Ballot:
    """Staff enter a paper ballot after checking the voter's identity document.

    The voter is found (or recorded) by the hash of their tax number, exactly
    as at login, so the ballot is theirs in the cabinet once they log in and
    they cannot vote again online. Their age and residency are checked as for
    an online ballot, residency from the document staff saw.
    """
    from edem.accounts.claims import KEY_PREFIX_TAX, identity_key, normalize_tax_number

    cycle = unit.cycle
    require(actor, "participatory_budget.enter_paper_ballot", cycle)
    _require_voting_open(unit)
    tax = normalize_tax_number(tax_number)
    if not tax:
        raise ValidationError({"tax_number": _("Enter the voter's 10-digit tax number.")})
    document = _plain(identity_document, field="identity_document", limit=200)
    key = identity_key(settings.IDENTITY_PEPPER, KEY_PREFIX_TAX, tax)
    identity, _created = Identity.objects.get_or_create(
        key=key, defaults={
            "key_kind": Identity.KeyKind.TAX_NUMBER, "given_name": given_name[:150],
            "family_name": family_name[:150], "birth_date": birth_date,
            "auth_method": Identity.AuthMethod.OTHER,
        },
    )
    policy = effective_policy(EligibilityPolicy.for_municipality(cycle.municipality),
                              cycle.process)
    answer = evaluate(
        identity, cycle.municipality, "budget.vote",
        policy=EffectivePolicy(policy.residency_required, policy.min_age, None),
        day=cycle.municipality.local_today(),
        residency_confirmed=True if residency_confirmed else None,
    )
    if not answer.allowed:
        raise PermissionRefused(answer.reason, code=answer.code)
    chosen = _validate_selection(unit, selection)
    now = timezone.now()
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(
                municipality=cycle.municipality, cycle=cycle, unit=unit, identity=identity,
                source=Ballot.Source.PAPER, entered_by=actor, identity_document=document,
                created_at=now, updated_at=now,
                age_band=age_band(identity.birth_date, cycle.municipality.local_today()),
            )
    except IntegrityError as exc:
        raise Conflict(_("This person has already voted in “%(unit)s”.")
                       % {"unit": unit.name}) from exc
    _write_choices(ballot, chosen)
    audit_record(actor=actor, municipality=cycle.municipality,
                 action="participatory_budget.paper_ballot_entered", target=ballot,
                 after={"unit": unit.pk, "identity": identity.pk, "choices": len(chosen),
                        "document": document})
    return ballot


# --- counting --------------------------------------------------------------------

PABULIB_TYPES = {BallotType.APPROVAL: "approval", BallotType.KNAPSACK: "approval",
                 BallotType.CUMULATIVE: "cumulative", BallotType.ORDINAL: "ordinal"}


def unit_election(unit: Unit, *, anonymise: bool = False) -> pabulib.Election:
    """The unit's projects and ballots as the counting (and Pabulib) sees them."""
    cycle = unit.cycle
    projects = {}
    for p in Project.objects.filter(unit=unit, status__in=VOTABLE_STATUSES).order_by("pk"):
        extra = {}
        if p.official_selected is not None:
            extra["selected"] = "1" if p.official_selected else "0"
        if p.lat is not None:
            extra["latitude"], extra["longitude"] = str(p.lat), str(p.lon)
        projects[p.ref] = pabulib.PBProject(project_id=p.ref, cost=Fraction(p.cost),
                                            name=p.title, extra=extra)
    refs = dict(Project.objects.filter(unit=unit).values_list("pk", "external_id"))
    choices: dict[int, list[tuple[str, int | None]]] = {}
    rows = BallotChoice.objects.filter(ballot__unit=unit).order_by(
        "ballot_id", "rank", "pk").values_list("ballot_id", "project_id", "points")
    for ballot_id, project_id, points in rows.iterator(chunk_size=5000):
        choices.setdefault(ballot_id, []).append((refs[project_id] or str(project_id), points))
    ballots = []
    with_points = cycle.ballot_type == BallotType.CUMULATIVE
    voter_refs = dict(Ballot.objects.filter(unit=unit).values_list("pk", "voter_ref"))
    for number, (ballot_id, named) in enumerate(sorted(choices.items()), start=1):
        named = [(ref, pts) for ref, pts in named if ref in projects]
        voter = str(number) if anonymise else (voter_refs.get(ballot_id) or str(ballot_id))
        ballots.append(pabulib.PBBallot(
            voter_id=voter, projects=tuple(ref for ref, _p in named),
            points=tuple(Fraction(p or 0) for _r, p in named) if with_points else None,
        ))
    meta = {"description": cycle.title, "country": "Ukraine",
            "unit": cycle.municipality.name_en or cycle.municipality.name_uk,
            "subunit": unit.name_en or unit.name_uk, "instance": cycle.title,
            "currency": cycle.currency, "rule": cycle.counting_rule,
            "ballot_type": cycle.ballot_type}
    if cycle.ballot_type in (BallotType.APPROVAL, BallotType.ORDINAL):
        meta["max_length"] = str(cycle.max_picks)
    if cycle.ballot_type == BallotType.CUMULATIVE:
        meta["max_sum_points"] = str(cycle.points_total)
    return pabulib.Election(budget=Fraction(unit.budget), vote_type=PABULIB_TYPES[cycle.ballot_type],
                            projects=projects, ballots=ballots, meta=meta)


def unit_tally(unit: Unit, rule: str | None = None) -> counting.Outcome:
    """Count the unit's ballots by the cycle's rule (or ``rule``)."""
    return counting.tally(unit_election(unit), rule or unit.cycle.counting_rule)


@transaction.atomic
def cycle_tally(*, actor, cycle: Cycle) -> list[UnitResult]:
    """Count every unit once voting has closed; the figures are stored for the page."""
    require(actor, "participatory_budget.manage_cycle", cycle)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not cycle.voting_closed():
        raise DomainError(_("Votes are counted after voting closes."))
    if cycle.results_published_at:
        raise Conflict(_("The results are already published."))
    results = []
    for unit in cycle.units.all():
        outcome = unit_tally(unit)
        UnitResult.objects.filter(unit=unit).delete()
        result = UnitResult.objects.create(
            unit=unit, rule=outcome.rule, voters=outcome.voters, budget=unit.budget,
            spent=fraction_text(outcome.total_cost),
            voter_budget=fraction_text(outcome.voter_budget),
        )
        by_ref = {p.ref: p for p in Project.objects.filter(unit=unit,
                                                            status__in=VOTABLE_STATUSES)}
        ProjectResult.objects.bulk_create([
            ProjectResult(
                result=result, project=by_ref[d.project_id], support=fraction_text(d.support),
                selected=d.selected, reason=d.reason, position=d.position,
                money_left_before=fraction_text(d.money_left_before),
                payment=fraction_text(d.payment),
                supporters_money=fraction_text(d.supporters_money),
            )
            for d in outcome.decisions.values()
        ])
        results.append(result)
        audit_record(actor=actor, municipality=cycle.municipality,
                     action="participatory_budget.unit_counted", target=unit,
                     after={"rule": outcome.rule, "voters": outcome.voters,
                            "selected": outcome.selected,
                            "spent": fraction_text(outcome.total_cost)})
    return results


def final_selection(project: Project) -> bool | None:
    """The final decision: a staff adjustment where recorded, else the rule's."""
    adjustment = getattr(project, "adjustment", None)
    if adjustment is not None:
        return adjustment.selected
    result = getattr(project, "result", None)
    return None if result is None else result.selected


@transaction.atomic
def results_publish(*, actor, cycle: Cycle) -> Cycle:
    """Publish the count: admitted projects become selected or not; authors are told."""
    require(actor, "participatory_budget.manage_cycle", cycle)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.results_published_at:
        raise Conflict(_("The results are already published."))
    if not UnitResult.objects.filter(unit__cycle=cycle).exists():
        raise DomainError(_("Count the votes first."))
    projects = Project.objects.filter(cycle=cycle, status=Status.ADMITTED).select_related(
        "result", "adjustment")
    for project in projects:
        selected = bool(final_selection(project))
        target = Status.SELECTED if selected else Status.NOT_SELECTED
        check_transition(TRANSITIONS, project.status, target)
        project.status = target
        project.save(update_fields=["status", "updated_at"])
        notify(kind="participatory_budget.results_published", recipients=_authors(project),
               municipality=cycle.municipality,
               title=lambda project=project, selected=selected: ((_("Your project won: %(t)s") if selected
                      else _("Your project was not selected: %(t)s")) % {"t": project.title}),
               url=project.get_absolute_url)
    cycle.results_published_at = timezone.now()
    cycle.save(update_fields=["results_published_at", "updated_at"])
    audit_record(actor=actor, municipality=cycle.municipality,
                 action="participatory_budget.results_published", target=cycle,
                 after={"published_at": cycle.results_published_at})
    from .tasks import announce_results

    transaction.on_commit(partial(announce_results.delay, cycle.pk))
    return cycle


@transaction.atomic
def adjustment_record(*, actor, project: Project, selected: bool, reason: str) -> Adjustment:
    """Staff record that the city's final list differs from the rule, with a public reason.

    The count stays as the rule gave it; the page shows both side by side.
    """
    require(actor, "participatory_budget.manage_cycle", project.cycle)
    project = _locked_project(project)
    if not ProjectResult.objects.filter(project=project).exists():
        raise DomainError(_("Count the votes before recording an adjustment."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the public reason of the adjustment."))
    reason = _plain(reason, field="reason", limit=3000)
    before = {"selected": final_selection(project)}
    adjustment, _created = Adjustment.objects.update_or_create(
        project=project, defaults={"selected": selected, "reason": reason, "actor": actor})
    if project.status in (Status.SELECTED, Status.NOT_SELECTED):
        target = Status.SELECTED if selected else Status.NOT_SELECTED
        if target != project.status:
            check_transition(TRANSITIONS, project.status, target)
            project.status = target
            project.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, municipality=project.municipality,
                 action="participatory_budget.result_adjusted", target=project,
                 before=before, after={"selected": selected}, reason=reason)
    return adjustment


# --- discussion --------------------------------------------------------------------


@transaction.atomic
def project_comment(*, actor, project: Project, body: str,
                    parent: Comment | None = None) -> Comment:
    """A verified, eligible resident discusses a project (or replies) in any phase.

    Comments are the public discussion of residents; the exchange with the
    commission during review stays in the review messages. The authors hear
    about a comment they did not write; the parent's author hears about a reply.
    """
    require(actor, "participatory_budget.comment_project", project)
    if not project.cycle.is_open_for(Feature.COMMENT):
        raise DomainError(_("The discussion of this cycle's projects is closed now."),
                          code="comment_closed")
    _require_eligible(actor, project.cycle, "budget.comment")
    body = (body or "").strip()
    if body and _MARKUP.search(body):
        raise DomainError(_("Use plain text only: HTML tags and scripts are not allowed."))
    comment = comment_create(actor=actor, target=project, body=body, parent=parent)
    already = {parent.author_id} if parent is not None else set()
    notify(kind="participatory_budget.project_commented",
           recipients=[u for u in _authors(project)
                       if u.pk != actor.pk and u.pk not in already],
           municipality=project.municipality,
           title=lambda: _("New comment on your project: %(t)s") % {"t": project.title},
           body=comment.body[:300], url=project.get_absolute_url)
    return comment


# --- announcements -------------------------------------------------------------------


def _cycle_audience(cycle: Cycle, *, voters_of: Iterable[Cycle] = ()):
    """Who hears about a cycle's milestones: its authors and co-authors, supporters,
    followers of its projects, and the voters of ``voters_of`` — accounts, each once."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    from edem.participation.models import Follow

    projects = Project.objects.filter(cycle=cycle)
    condition = (
        Q(pk__in=projects.exclude(author=None).values("author"))
        | Q(pk__in=Coauthor.objects.filter(project__cycle=cycle).values("user"))
        | Q(pk__in=ProjectSupport.objects.filter(project__cycle=cycle)
            .exclude(user=None).values("user"))
        | Q(pk__in=Follow.objects.filter(
            content_type=ContentType.objects.get_for_model(Project),
            object_id__in=projects.values("pk")).values("user"))
    )
    voters_of = [c.pk for c in voters_of]
    if voters_of:
        condition |= Q(pk__in=Ballot.objects.filter(cycle_id__in=voters_of)
                       .exclude(user=None).values("user"))
    return get_user_model().objects.filter(condition, is_active=True).order_by("pk")


@transaction.atomic
def cycle_announce_voting(*, cycle: Cycle, at: dt.datetime | None = None) -> int:
    """Once voting has opened, the cycle's participants and the residents who voted
    in the municipality's earlier cycles are told where to vote and until when.

    Runs once per cycle (stamped under the cycle's lock); calling it again, or
    before voting opens, sends nothing. Returns how many people were told.
    """
    at = at or timezone.now()
    cycle = Cycle.objects.select_for_update().select_related("municipality").get(pk=cycle.pk)
    voting = cycle.phase(PhaseKind.VOTING)
    if (cycle.is_imported or cycle.voting_announced_at is not None or voting is None
            or voting.starts_at > at):
        return 0
    cycle.voting_announced_at = at
    cycle.save(update_fields=["voting_announced_at", "updated_at"])
    if voting.ends_at <= at:
        return 0
    earlier = Cycle.objects.filter(municipality=cycle.municipality, is_imported=False,
                                   created_at__lt=cycle.created_at)
    people = list(_cycle_audience(cycle, voters_of=earlier))
    notify(kind="participatory_budget.voting_opened", recipients=people,
           municipality=cycle.municipality,
           title=lambda: _("Voting has opened: %(cycle)s") % {"cycle": cycle.title},
           body=lambda: _("Choose the projects you want for your community until %(end)s.")
           % {"end": _when(cycle, voting.ends_at)},
           url=cycle.get_absolute_url)
    return len(people)


@transaction.atomic
def cycle_announce_results(*, cycle: Cycle) -> int:
    """Once results are published, the cycle's participants and voters are told.

    Authors and co-authors are left out: they already heard about their own
    project's result. Runs once per cycle (stamped under the cycle's lock), so
    a repeated task sends nothing. Returns how many people were told.
    """
    cycle = Cycle.objects.select_for_update().select_related("municipality").get(pk=cycle.pk)
    if cycle.results_published_at is None or cycle.results_announced_at is not None:
        return 0
    cycle.results_announced_at = timezone.now()
    cycle.save(update_fields=["results_announced_at", "updated_at"])
    authors = set(Project.objects.filter(cycle=cycle).exclude(author=None)
                  .values_list("author", flat=True))
    authors |= set(Coauthor.objects.filter(project__cycle=cycle).values_list("user",
                                                                            flat=True))
    people = [u for u in _cycle_audience(cycle, voters_of=[cycle]) if u.pk not in authors]
    from django.urls import reverse

    notify(kind="participatory_budget.cycle_results", recipients=people,
           municipality=cycle.municipality,
           title=lambda: _("The results are published: %(cycle)s") % {"cycle": cycle.title},
           body=lambda: _("See which projects won and how every decision was made."),
           url=lambda: reverse("participatory_budget:results",
                               kwargs={"municipality": cycle.municipality.slug,
                                       "pk": cycle.pk}))
    return len(people)


def cycle_milestones_run(*, at: dt.datetime | None = None) -> dict[str, int]:
    """The periodic pass: close support collection where it ended and announce
    voting where it opened. Idempotent; each cycle is handled once."""
    at = at or timezone.now()
    done = {"support_closed": 0, "voting_announced": 0}
    support_due = Cycle.objects.filter(
        is_imported=False, support_closed_at=None, min_supports__gt=0,
        process__phases__kind=PhaseKind.SUPPORT, process__phases__ends_at__lte=at,
    ).distinct()
    for cycle in support_due:
        support_threshold_apply(cycle=cycle, at=at)
        done["support_closed"] += 1
    voting_due = Cycle.objects.filter(
        is_imported=False, voting_announced_at=None,
        process__phases__kind=PhaseKind.VOTING, process__phases__starts_at__lte=at,
    ).distinct()
    for cycle in voting_due:
        cycle_announce_voting(cycle=cycle, at=at)
        done["voting_announced"] += 1
    return done


# --- implementation ----------------------------------------------------------------


@transaction.atomic
def implementation_start(*, actor, project: Project, contractor: str) -> Project:
    """Staff start building a winning project and name the contractor."""
    require(actor, "participatory_budget.report_progress", project)
    project = _locked_project(project)
    check_transition(TRANSITIONS, project.status, Status.IMPLEMENTATION)
    contractor = _plain(contractor, field="contractor", limit=300)
    before = {"status": project.status}
    project.status = Status.IMPLEMENTATION
    project.contractor = contractor
    project.save(update_fields=["status", "contractor", "updated_at"])
    audit_record(actor=actor, municipality=project.municipality,
                 action="participatory_budget.implementation_started", target=project,
                 before=before, after={"status": project.status, "contractor": contractor})
    return project


@transaction.atomic
def progress_report(
    *, actor, project: Project, date: dt.date, progress: int, money_spent, note: str,
    photo=None, done: bool = False,
) -> ProgressReport:
    """A dated report: percentage done, money spent, what was done, a photo.

    Progress never goes back and the money spent never exceeds the project's
    cost by accident: more than the cost needs the note to say so (it is
    public). ``done`` (at 100 %) closes the implementation.
    """
    require(actor, "participatory_budget.report_progress", project)
    project = _locked_project(project)
    if project.status != Status.IMPLEMENTATION:
        raise DomainError(_("Progress is reported for projects being implemented."))
    try:
        progress = int(progress)
    except (TypeError, ValueError):
        raise ValidationError({"progress": _("Progress is a whole number from 0 to 100.")}) from None
    if not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Progress is a whole number from 0 to 100.")})
    if progress < project.progress:
        raise ValidationError({"progress": _("Progress cannot go back (it is %(n)d%% now).")
                               % {"n": project.progress}})
    spent = money(money_spent, field="money_spent")
    note = _plain(note, field="note", limit=3000)
    if date > project.municipality.local_today():
        raise ValidationError({"date": _("A report cannot be dated in the future.")})
    if done and progress != 100:
        raise ValidationError({"progress": _("A finished project has 100 percent progress.")})
    report = ProgressReport(project=project, date=date, progress=progress,
                            money_spent=spent, note=note, actor=actor)
    if photo:
        content = clean_image(photo)
        report.photo.save(content.name, content, save=False)
    report.save()
    before = _snapshot(project, ("progress", "money_spent", "status"))
    project.progress, project.money_spent = progress, spent
    fields = ["progress", "money_spent", "updated_at"]
    if done:
        project.status = Status.DONE
        project.completed_at = timezone.now()
        fields += ["status", "completed_at"]
    project.save(update_fields=fields)
    audit_record(actor=actor, municipality=project.municipality,
                 action="participatory_budget.progress_reported", target=project,
                 before=before, after=_snapshot(project, ("progress", "money_spent", "status")),
                 reason=note)
    notify(kind="participatory_budget.progress_reported",
           recipients=[*_authors(project), *follower_list(target=project)],
           municipality=project.municipality,
           title=lambda: _("“%(t)s”: %(n)d%% done") % {"t": project.title, "n": progress},
           body=note[:300], url=project.get_absolute_url)
    return report


# --- Pabulib ---------------------------------------------------------------------

IMPORT_TYPES = {"approval": BallotType.APPROVAL, "choose-1": BallotType.APPROVAL,
                "cumulative": BallotType.CUMULATIVE, "scoring": BallotType.CUMULATIVE,
                "ordinal": BallotType.ORDINAL}


def _whole(value: Fraction, what: str) -> int:
    if value.denominator != 1:
        raise DomainError(_("%(what)s must be whole numbers.") % {"what": what})
    return int(value)


def _cents(value: Fraction, what: str) -> Decimal:
    scaled = value * 100
    if scaled.denominator != 1:
        raise DomainError(_("%(what)s must have at most two decimals.") % {"what": what})
    return Decimal(int(scaled)) / 100


def _float_or_none(text: str):
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value.quantize(Decimal("0.000001")) if value.is_finite() else None


@transaction.atomic
def cycle_import_pabulib(*, actor, municipality: Municipality, text: str,
                         source_name: str = "", title: str = "") -> Cycle:
    """A Pabulib file becomes a closed cycle with its projects and ballots.

    The file's ``selected`` column is kept as the city's official list, shown
    beside the count; its ballots become anonymous imported ballots.
    """
    require(actor, "participatory_budget.manage_cycle", municipality)
    election = pabulib.parse(text)
    meta = election.meta
    if election.budget <= 0:
        raise DomainError(_("The file's budget must be more than zero."))
    ballot_type = IMPORT_TYPES[election.vote_type]
    rule_text = meta.get("rule", "").lower()
    counting_rule = (CountingRule.MES if "equalshares" in rule_text
                     and ballot_type in MES_BALLOT_TYPES else CountingRule.GREEDY)
    longest = max((len(b.projects) for b in election.ballots), default=1)
    max_picks = int(meta.get("max_length") or 0) or longest
    if election.vote_type == "choose-1":
        max_picks = 1
    declared = [int(Fraction(meta["max_sum_points"]))] if meta.get("max_sum_points") else []
    points_total = max([
        *declared, 1,
        *(sum(_whole(p, _("Points")) for p in b.points or ()) for b in election.ballots),
    ])
    budget = _cents(election.budget, _("The budget"))
    title = (title or " ".join(filter(None, (meta.get("unit", ""), meta.get("subunit", ""),
                                             meta.get("instance", "")))) or source_name
             or "Pabulib")[:TITLE_MAX]
    process = Process.objects.create(municipality=municipality, module=MODULE, title=title,
                                     description=meta.get("description", ""))
    cycle = Cycle.objects.create(
        municipality=municipality, process=process, title=title,
        description=meta.get("description", ""), total_budget=budget,
        ballot_type=ballot_type, max_picks=max(1, max_picks), points_total=points_total,
        counting_rule=counting_rule, ballot_change_allowed=False, is_imported=True,
        source_name=source_name[:200], source_meta=meta,
        currency=meta.get("currency", "PLN" if meta.get("country") == "Poland" else "UAH")[:8],
    )
    unit = Unit.objects.create(cycle=cycle, kind=Unit.Kind.CITY,
                               name_uk=(meta.get("subunit") or meta.get("unit") or title)[:150],
                               budget=budget)
    selected = election.project_column("selected")
    projects = Project.objects.bulk_create([
        Project(
            municipality=municipality, cycle=cycle, unit=unit, external_id=p.project_id,
            title=(p.name or _("Project %(id)s") % {"id": p.project_id})[:300],
            description=p.extra.get("description", ""), status=Status.ADMITTED,
            cost=_cents(p.cost, _("Costs")),
            official_selected=(selected[p.project_id].strip() == "1") if selected else None,
            lat=_float_or_none(p.extra.get("latitude", "")),
            lon=_float_or_none(p.extra.get("longitude", "")),
        )
        for p in election.projects.values()
    ])
    by_ref = {p.external_id: p for p in projects}
    now = timezone.now()
    ballot_rows = Ballot.objects.bulk_create([
        Ballot(municipality=municipality, cycle=cycle, unit=unit, voter_ref=b.voter_id[:64],
               source=Ballot.Source.IMPORTED, created_at=now, updated_at=now,
               age_band=_import_age_band(b.extra.get("age", "")))
        for b in election.ballots
    ], batch_size=2000)
    choices = []
    for row, ballot in zip(ballot_rows, election.ballots, strict=True):
        for position, ref in enumerate(ballot.projects):
            choices.append(BallotChoice(
                ballot_id=row.pk, project_id=by_ref[ref].pk,
                points=_whole(ballot.points[position], _("Points"))
                if ballot_type == BallotType.CUMULATIVE and ballot.points else None,
                rank=position + 1 if ballot_type == BallotType.ORDINAL else None,
            ))
    BallotChoice.objects.bulk_create(choices, batch_size=5000)
    audit_record(actor=actor, municipality=municipality,
                 action="participatory_budget.pabulib_imported", target=cycle,
                 after={"file": source_name, "projects": len(projects),
                        "ballots": len(ballot_rows)})
    return cycle


def _import_age_band(text: str) -> str:
    text = (text or "").strip()
    if not text.isdigit():
        return ""
    age = int(text)
    return next((label for low, high, label in AGE_BANDS if low <= age <= high), "")


def cycle_export_pabulib(*, cycle: Cycle, unit: Unit) -> str:
    """A unit's anonymised ballots as a Pabulib file others can recount.

    Voter ids are replaced by running numbers; nothing about the voter is
    written. Exported only once voting has closed.
    """
    if not cycle.voting_closed():
        raise DomainError(_("Ballots are published after voting closes."))
    return pabulib.dump(unit_election(unit, anonymise=True))
