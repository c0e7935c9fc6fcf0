"""Every write and state change of the module: <entity>_<verb>(*, actor, ...).

The lifecycle (see ``models.TRANSITIONS``): a resident reports a problem and
it is routed to the responsible organisation (category + point in its service
area, else the dispatcher). The organisation accepts it, naming an executor;
the deadline of the category's class is fixed then. The executor starts and
resolves it with an answer. The author confirms (closed) or denies with a
comment (reopened, a new deadline runs); a resolved report the author does not
answer closes itself after the municipality's number of days. Staff may
refuse a report with a reason, mark it a duplicate (its followers move to the
original) or forward it to another organisation with a reason.

Each step writes a public timeline row, tells the author, the followers and a
caller without an account (SMS), and staff steps go into the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import Point
from shapely.prepared import prep

from edem.core.errors import DomainError, PermissionRefused
from edem.core.geo import parse_area
from edem.core.transitions import check_transition
from edem.core.uploads import clean_image
from edem.municipalities.calendar import WorkingCalendar
from edem.municipalities.models import Municipality, Organisation, OrganisationRole
from edem.notifications.services import Text, in_language, notify
from edem.participation.audit import audit_record
from edem.participation.models import Follow
from edem.participation.permissions import require

from .models import (
    DEADLINE_STATUSES,
    MAX_PHOTOS,
    TRANSITIONS,
    CallerMessage,
    Category,
    DeadlineClass,
    Open311Key,
    OpenCitySettings,
    Report,
    ReportEscalation,
    ReportEvent,
    ReportPhoto,
    Work,
)

Status = Report.Status
Kind = ReportEvent.Kind

DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 5000
COMMENT_MAX = 2000
_PHONE = re.compile(r"^\+?\d{7,15}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Dnipro's contact-centre classes: every municipality starts with these.
DEFAULT_DEADLINE_CLASSES = [
    ("emergency", "Аварійний", "Emergency", 6),
    ("short", "Терміновий", "Short", 24),
    ("medium", "Середній", "Medium", 72),
    ("long", "Тривалий", "Long", 168),
]


# --- settings, deadlines, routing ---------------------------------------------


def settings_for(municipality: Municipality) -> OpenCitySettings:
    return OpenCitySettings.for_municipality(municipality)


def deadline_classes_ensure(*, municipality: Municipality) -> list[DeadlineClass]:
    """Give the municipality the default classes it lacks (emergency 6 h … long 1 week)."""
    classes = []
    for code, name_uk, name_en, hours in DEFAULT_DEADLINE_CLASSES:
        obj, _created = DeadlineClass.objects.get_or_create(
            municipality=municipality, code=code,
            defaults={"name_uk": name_uk, "name_en": name_en, "hours": hours},
        )
        classes.append(obj)
    return classes


def deadline_for(
    deadline_class: DeadlineClass, start: dt.datetime, *, municipality: Municipality
) -> dt.datetime:
    """When a report accepted at ``start`` is due.

    Calendar hours run day and night; working time runs only within the
    municipality's working hours on its working days (weekends and holidays
    skipped, weekends declared working counted).
    """
    if deadline_class.counting == DeadlineClass.Counting.CALENDAR:
        return start + dt.timedelta(hours=deadline_class.hours)
    rules = settings_for(municipality)
    return WorkingCalendar(municipality).add_working_hours(
        start, deadline_class.hours,
        day_start=rules.working_day_starts, day_end=rules.working_day_ends,
    )


_AREA_CACHE: dict[tuple[int, str], Any] = {}


def _prepared_area(organisation: Organisation):
    """The organisation's service area, parsed once per version of the row."""
    key = (organisation.pk, organisation.updated_at.isoformat())
    area = _AREA_CACHE.get(key)
    if area is None:
        geometry = parse_area(organisation.service_area)
        area = (prep(geometry), geometry.area)
        if len(_AREA_CACHE) > 2000:
            _AREA_CACHE.clear()
        _AREA_CACHE[key] = area
    return area


def route(
    *, municipality: Municipality, category: Category, lat: Decimal, lon: Decimal
) -> Organisation | None:
    """The organisation responsible for a problem of ``category`` at the point.

    Among the organisations handling the category (or, if none is set, its
    nearest ancestor's), the one with the smallest service area that covers the
    point wins; an organisation without an area serves the whole municipality.
    No match: the municipality's dispatcher.
    """
    point = Point(float(lon), float(lat))
    node, seen = category, set()
    while node is not None and node.pk not in seen:
        candidates = list(
            node.organisations.filter(municipality=municipality).order_by("pk")
        )
        if candidates:
            break
        seen.add(node.pk)
        node = node.parent
    else:
        candidates = []
    covering = []
    citywide = []
    for organisation in candidates:
        if not organisation.service_area:
            citywide.append(organisation)
            continue
        try:
            area, size = _prepared_area(organisation)
        except DomainError:
            continue
        if area.covers(point):
            covering.append((size, organisation.pk, organisation))
    if covering:
        return min(covering)[2]
    if citywide:
        return citywide[0]
    return dispatcher_of(municipality)


def dispatcher_of(municipality: Municipality) -> Organisation | None:
    return (
        Organisation.objects.filter(municipality=municipality, is_dispatcher=True)
        .order_by("pk")
        .first()
    )


# --- input checks --------------------------------------------------------------


def _point(municipality: Municipality, lat, lon) -> tuple[Decimal, Decimal]:
    try:
        lat_d = Decimal(str(lat).strip()).quantize(Decimal("0.000001"))
        lon_d = Decimal(str(lon).strip()).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError(
            {"location": _("Mark the place on the map or give its latitude and longitude.")}
        ) from exc
    if not (-90 <= lat_d <= 90 and -180 <= lon_d <= 180):
        raise ValidationError({"location": _("These coordinates are not on the map.")})
    if municipality.boundary:
        inside = parse_area(municipality.boundary).covers(Point(float(lon_d), float(lat_d)))
        if not inside:
            raise ValidationError(
                {"location": _("The place must lie inside %(name)s.")
                 % {"name": municipality.name}}
            )
    return lat_d, lon_d


def category_choices(municipality: Municipality):
    """Active categories residents report under: those without active subcategories."""
    active_children = Category.objects.filter(parent=OuterRef("pk"), is_active=True)
    return (
        Category.objects.filter(municipality=municipality, is_active=True)
        .exclude(Exists(active_children))
        .select_related("parent", "deadline_class", "parent__deadline_class")
        .order_by("parent__order", "parent__name_uk", "order", "name_uk")
    )


def _category(municipality: Municipality, category) -> Category:
    """A reportable category of the municipality, by object, number or code."""
    value = category.pk if isinstance(category, Category) else category
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        lookup = Q(pk=int(value))
    else:
        lookup = Q(code=str(value or ""))
    found = category_choices(municipality).filter(lookup).first()
    if found is None:
        raise ValidationError({"category": _("Choose a category from the list.")})
    return found


def _text(value: str, *, field: str, minimum: int, maximum: int, message: str) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationError({field: message})
    if len(value) > maximum:
        raise ValidationError(
            {field: _("At most %(n)d characters (now %(len)d).")
             % {"n": maximum, "len": len(value)}}
        )
    if _CONTROL.search(value):
        raise ValidationError({field: _("The text contains control characters.")})
    return value


def clean_extra(category: Category, extra: dict[str, Any] | None) -> dict[str, str]:
    """The category's extra details: required ones present, choices from the list."""
    extra = extra or {}
    cleaned: dict[str, str] = {}
    errors: list[str] = []
    for spec in category.fields or []:
        code = spec.get("code")
        if not code:
            continue
        value = str(extra.get(code, "") or "").strip()[:300]
        label = category.field_label(spec)
        if not value:
            if spec.get("required"):
                errors.append(_("Fill in “%(field)s”.") % {"field": label})
            continue
        choices = [str(c.get("key", c)) if isinstance(c, dict) else str(c)
                   for c in spec.get("choices") or []]
        if choices and value not in choices:
            errors.append(_("Choose “%(field)s” from the list.") % {"field": label})
            continue
        cleaned[code] = value
    if errors:
        raise ValidationError({"extra": errors})
    return cleaned


def _clean_photos(photos: Sequence) -> list:
    photos = [p for p in photos or () if p]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(
            {"photos": _("At most %(n)d photos may be added.") % {"n": MAX_PHOTOS}}
        )
    cleaned = []
    for upload in photos:
        try:
            cleaned.append(clean_image(upload))
        except DomainError as exc:
            raise ValidationError({"photos": str(exc.message)}) from exc
    return cleaned


def _store_photos(report: Report, contents: list, *, is_answer: bool) -> None:
    for content in contents:
        photo = ReportPhoto(report=report, is_answer=is_answer)
        photo.image.save(content.name, content, save=False)
        photo.save()


def _comment(value: str, *, required: bool, message: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(message or _("Write a comment."))
    if len(value) > COMMENT_MAX:
        raise DomainError(
            _("At most %(n)d characters (now %(len)d).")
            % {"n": COMMENT_MAX, "len": len(value)}
        )
    return value


# --- telling people -------------------------------------------------------------


def _followers(report: Report):
    from edem.participation.selectors import follower_list

    return follower_list(target=report)


def _staff_of(organisation: Organisation | None, roles: Iterable[str]):
    if organisation is None:
        return get_user_model().objects.none()
    return get_user_model().objects.filter(
        organisation_roles__organisation=organisation,
        organisation_roles__role__in=list(roles),
        is_active=True,
    ).distinct()


def _send_caller_sms(message_ids: list[int]) -> None:
    from .tasks import send_caller_sms

    for pk in message_ids:
        send_caller_sms.delay(pk)


def _tell(report: Report, *, title: Text, body: Text = "", actor=None) -> None:
    """Tell the author and followers (their channels) and a caller by SMS, on commit.

    Each follower reads the message in their own language; a caller, who has no
    account, in the municipality's default language.
    """
    recipients = []
    if report.author_id:
        recipients.append(report.author)
    recipients.extend(_followers(report))
    recipients = [u for u in recipients if actor is None or u.pk != getattr(actor, "pk", None)]
    notify(
        kind="opencity.report_changed",
        recipients=recipients,
        municipality=report.municipality,
        title=title,
        body=body,
        url=report.get_absolute_url,
    )
    if report.caller_phone:
        text = f"{in_language(title, settings.LANGUAGE_CODE)} №{report.pk}"
        message = CallerMessage.objects.create(
            report=report, phone=report.caller_phone, text=text[:480]
        )
        transaction.on_commit(partial(_send_caller_sms, [message.pk]))


def _record(
    report: Report, kind: str, *, actor=None, before: str = "", text: str = "",
    organisation: Organisation | None = None, at: dt.datetime | None = None,
) -> ReportEvent:
    return ReportEvent.objects.create(
        report=report, kind=kind, status_before=before, status_after=report.status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        organisation=organisation, text=text, created_at=at or timezone.now(),
    )


def _audit(report: Report, action: str, *, actor, before: dict, after: dict, reason=""):
    audit_record(
        actor=actor, municipality=report.municipality, action=f"opencity.{action}",
        target=report, before=before, after=after, reason=reason,
    )


def _locked(report: Report) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("municipality", "organisation", "category", "author")
        .get(pk=report.pk)
    )


def _status_title(report: Report) -> str:
    return _("Report №%(n)d: %(status)s") % {
        "n": report.pk, "status": report.get_status_display()
    }


# --- reporting ------------------------------------------------------------------


def _create(
    *, municipality: Municipality, category, description: str, lat, lon,
    address: str, extra: dict | None, photos: Sequence, source: str,
    author=None, filed_by=None, caller_name: str = "", caller_phone: str = "",
    open311_key: Open311Key | None = None, route_to: Organisation | None = None,
) -> Report:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, check in (
        ("category", lambda: _category(municipality, category)),
        ("description", lambda: _text(
            description, field="description", minimum=DESCRIPTION_MIN,
            maximum=DESCRIPTION_MAX,
            message=_("Describe the problem in at least %(n)d characters.")
            % {"n": DESCRIPTION_MIN},
        )),
        ("point", lambda: _point(municipality, lat, lon)),
        ("address", lambda: (address or "").strip()[:300]),
    ):
        try:
            values[name] = check()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if "category" in values:
        try:
            values["extra"] = clean_extra(values["category"], extra)
        except ValidationError as exc:
            errors.setdefault("extra", []).extend(exc.message_dict["extra"])
    if errors:
        raise ValidationError(errors)
    contents = _clean_photos(photos)
    lat_d, lon_d = values["point"]
    category_obj = values["category"]
    organisation = route_to or route(
        municipality=municipality, category=category_obj, lat=lat_d, lon=lon_d
    )
    with transaction.atomic():
        report = Report.objects.create(
            municipality=municipality, category=category_obj, organisation=organisation,
            source=source, author=author, filed_by=filed_by, caller_name=caller_name,
            caller_phone=caller_phone, description=values["description"],
            address=values["address"], lat=lat_d, lon=lon_d, extra=values["extra"],
            open311_key=open311_key,
        )
        _store_photos(report, contents, is_answer=False)
        _record(report, Kind.CREATED, actor=author or filed_by)
        _record(report, Kind.ROUTED, organisation=organisation)
        if author is not None:
            Follow.objects.get_or_create(
                user=author, content_type=ContentType.objects.get_for_model(Report),
                object_id=report.pk, defaults={"municipality": municipality},
            )
        notify(
            kind="opencity.report_received",
            recipients=_staff_of(organisation, (OrganisationRole.Role.HEAD,
                                                OrganisationRole.Role.EXECUTOR)),
            municipality=municipality,
            title=lambda: (_("New report №%(n)d: %(category)s")
            % {"n": report.pk, "category": category_obj.name}),
            body=report.description[:300],
            url=report.get_absolute_url,
        )
        if caller_phone:
            _tell(report, title=lambda: _("Your report is registered"))
    return report


def report_create(
    *, actor, municipality: Municipality, category, description: str, lat, lon,
    address: str = "", extra: dict | None = None, photos: Sequence = (),
    route_to: Organisation | None = None,
) -> Report:
    """A logged-in resident reports a problem at a point inside the municipality.

    Up to five photos are re-encoded without metadata; a photo that cannot be
    processed rejects the whole report, so nothing is stored. The report is
    routed at once and the author follows it. ``route_to`` names the
    organisation when the caller already knows it (a building's fault request
    goes to the building's management); it must be of the same municipality.
    """
    require(actor, "opencity.add_report", municipality)
    if route_to is not None and route_to.municipality_id != municipality.pk:
        raise DomainError(_("The organisation belongs to another municipality."))
    return _create(
        municipality=municipality, category=category, description=description,
        lat=lat, lon=lon, address=address, extra=extra, photos=photos,
        source=Report.Source.WEB, author=actor, route_to=route_to,
    )


def _phone(value: str) -> str:
    phone = re.sub(r"[\s()\-]", "", value or "")
    if not _PHONE.match(phone):
        raise ValidationError(
            {"caller_phone": _("Give the caller's phone number, e.g. +380671234567.")}
        )
    return phone


def report_file_for_caller(
    *, actor, municipality: Municipality, caller_name: str, caller_phone: str,
    category, description: str, lat, lon, address: str = "",
    extra: dict | None = None, photos: Sequence = (),
) -> Report:
    """A contact-centre operator files a caller's report; the caller gets SMS updates.

    The caller's name and phone are kept on the report (never shown publicly).
    """
    require(actor, "opencity.file_report_for_caller", municipality)
    name = (caller_name or "").strip()
    if not name:
        raise ValidationError({"caller_name": _("Give the caller's name.")})
    phone = _phone(caller_phone)
    report = _create(
        municipality=municipality, category=category, description=description,
        lat=lat, lon=lon, address=address, extra=extra, photos=photos,
        source=Report.Source.OPERATOR, filed_by=actor, caller_name=name[:150],
        caller_phone=phone,
    )
    with transaction.atomic():
        _audit(report, "report_filed_for_caller", actor=actor, before={},
               after={"status": report.status, "organisation": report.organisation_id})
    return report


def report_submit_open311(
    *, api_key: Open311Key, category, description: str, lat, lon,
    address: str = "", extra: dict | None = None, requester: dict | None = None,
) -> Report:
    """An Open311 application files a report with a live key of the municipality."""
    if api_key is None or not api_key.is_active:
        raise PermissionRefused(_("The API key is unknown or revoked."))
    requester = requester or {}
    phone = ""
    if requester.get("phone"):
        try:
            phone = _phone(requester["phone"])
        except ValidationError:
            phone = ""
    name = " ".join(
        part for part in (requester.get("first_name"), requester.get("last_name")) if part
    )
    return _create(
        municipality=api_key.municipality, category=category, description=description,
        lat=lat, lon=lon, address=address, extra=extra, photos=(),
        source=Report.Source.OPEN311, caller_name=name[:150], caller_phone=phone,
        open311_key=api_key,
    )


# --- the organisation -------------------------------------------------------------


def _check_executor(report: Report, executor) -> None:
    ok = executor is not None and OrganisationRole.objects.filter(
        user=executor, organisation=report.organisation,
        role__in=(OrganisationRole.Role.HEAD, OrganisationRole.Role.EXECUTOR),
    ).exists()
    if not ok:
        raise DomainError(
            _("The executor must be a head or an executor of the responsible organisation.")
        )


@transaction.atomic
def report_accept(*, actor, report: Report, executor, comment: str = "") -> Report:
    """The responsible organisation takes the report, names the executor and the
    deadline of the category's class starts."""
    report = _locked(report)
    require(actor, "opencity.accept_report", report)
    check_transition(TRANSITIONS, report.status, Status.ACCEPTED)
    _check_executor(report, executor)
    comment = _comment(comment, required=False)
    deadline_class = report.category.effective_deadline_class()
    if deadline_class is None:
        raise DomainError(_("The category has no deadline class; ask the administrator."))
    now = timezone.now()
    before = report.status
    report.status = Status.ACCEPTED
    report.executor = executor
    report.deadline_class = deadline_class
    report.accepted_at = now
    report.due_at = deadline_for(deadline_class, now, municipality=report.municipality)
    report.overdue_at = None
    report.save(update_fields=["status", "executor", "deadline_class", "accepted_at",
                               "due_at", "overdue_at", "updated_at"])
    _record(report, Kind.ACCEPTED, actor=actor, before=before, text=comment,
            organisation=report.organisation, at=now)
    _audit(report, "report_accepted", actor=actor, before={"status": before},
           after={"status": report.status, "executor": executor.pk,
                  "due_at": report.due_at})
    due = timezone.localtime(report.due_at, report.municipality.tz)
    _tell(report, actor=actor,
          title=lambda: (_("Report №%(n)d accepted; due %(due)s")
          % {"n": report.pk, "due": due.strftime("%d.%m.%Y %H:%M")}),
          body=comment)
    return report


@transaction.atomic
def report_start(*, actor, report: Report, comment: str = "") -> Report:
    """The executor starts the work."""
    report = _locked(report)
    require(actor, "opencity.work_report", report)
    check_transition(TRANSITIONS, report.status, Status.IN_PROGRESS)
    comment = _comment(comment, required=False)
    before = report.status
    report.status = Status.IN_PROGRESS
    report.save(update_fields=["status", "updated_at"])
    _record(report, Kind.IN_PROGRESS, actor=actor, before=before, text=comment,
            organisation=report.organisation)
    _audit(report, "report_started", actor=actor, before={"status": before},
           after={"status": report.status})
    _tell(report, actor=actor, title=lambda: _status_title(report), body=comment)
    return report


def report_resolve(
    *, actor, report: Report, answer: str, photos: Sequence = ()
) -> Report:
    """The executor resolves the report with an answer (and an optional photo).

    Whether it was on time is kept for the statistics.
    """
    # Checked before the (slow) photo processing on a fresh copy, and again under lock.
    require(actor, "opencity.work_report", Report.objects.select_related(
        "organisation").get(pk=report.pk))
    answer = _comment(answer, required=True, message=_("Write the answer to the resident."))
    try:
        contents = _clean_photos(photos)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    with transaction.atomic():
        report = _locked(report)
        require(actor, "opencity.work_report", report)
        check_transition(TRANSITIONS, report.status, Status.RESOLVED)
        now = timezone.now()
        before = report.status
        report.status = Status.RESOLVED
        report.answer = answer
        report.resolved_at = now
        report.resolved_on_time = report.due_at is None or now <= report.due_at
        report.save(update_fields=["status", "answer", "resolved_at", "resolved_on_time",
                                   "updated_at"])
        _store_photos(report, contents, is_answer=True)
        _record(report, Kind.RESOLVED, actor=actor, before=before, text=answer,
                organisation=report.organisation, at=now)
        _audit(report, "report_resolved", actor=actor, before={"status": before},
               after={"status": report.status, "on_time": report.resolved_on_time})
        _tell(report, actor=actor,
              title=lambda: _("Report №%(n)d resolved: please confirm or deny") % {"n": report.pk},
              body=answer)
    return report


@transaction.atomic
def report_refuse(*, actor, report: Report, reason: str) -> Report:
    """Staff refuse a report with a public reason (e.g. not the municipality's matter)."""
    report = _locked(report)
    require(actor, "opencity.refuse_report", report)
    check_transition(TRANSITIONS, report.status, Status.REFUSED)
    reason = _comment(reason, required=True, message=_("Give the reason for the refusal."))
    before = report.status
    report.status = Status.REFUSED
    report.refusal_reason = reason
    report.closed_at = timezone.now()
    report.save(update_fields=["status", "refusal_reason", "closed_at", "updated_at"])
    _record(report, Kind.REFUSED, actor=actor, before=before, text=reason,
            organisation=report.organisation)
    _audit(report, "report_refused", actor=actor, before={"status": before},
           after={"status": report.status}, reason=reason)
    _tell(report, actor=actor, title=lambda: _status_title(report), body=reason)
    return report


@transaction.atomic
def report_mark_duplicate(*, actor, report: Report, original: Report) -> Report:
    """Staff link a report to an earlier one about the same problem.

    The duplicate's author and followers follow the original from now on.
    """
    report = _locked(report)
    require(actor, "opencity.mark_duplicate", report)
    check_transition(TRANSITIONS, report.status, Status.DUPLICATE)
    if original.municipality_id != report.municipality_id or original.pk == report.pk:
        raise DomainError(_("Choose another report of the same municipality."))
    original = Report.objects.select_for_update().get(pk=original.pk)
    if original.status == Status.DUPLICATE:
        raise DomainError(_("The original is itself a duplicate; link to its original."))
    before = report.status
    report.status = Status.DUPLICATE
    report.duplicate_of = original
    report.closed_at = timezone.now()
    report.save(update_fields=["status", "duplicate_of", "closed_at", "updated_at"])
    content_type = ContentType.objects.get_for_model(Report)
    user_ids = set(
        Follow.objects.filter(content_type=content_type, object_id=report.pk)
        .values_list("user_id", flat=True)
    )
    if report.author_id:
        user_ids.add(report.author_id)
    Follow.objects.bulk_create(
        [Follow(user_id=uid, content_type=content_type, object_id=original.pk,
                municipality=report.municipality) for uid in user_ids],
        ignore_conflicts=True,
    )
    Follow.objects.filter(content_type=content_type, object_id=report.pk).delete()
    def text() -> str:
        return _("Duplicate of report №%(n)d") % {"n": original.pk}

    _record(report, Kind.DUPLICATE, actor=actor, before=before, text=text(),
            organisation=report.organisation)
    _audit(report, "report_marked_duplicate", actor=actor, before={"status": before},
           after={"status": report.status, "duplicate_of": original.pk})
    if report.author_id:
        notify(kind="opencity.report_changed", recipients=[report.author],
               municipality=report.municipality, title=text,
               url=original.get_absolute_url)
    if report.caller_phone:
        _tell(report, actor=actor, title=text)
    return report


@transaction.atomic
def report_forward(*, actor, report: Report, organisation: Organisation, reason: str) -> Report:
    """Staff pass the report to another organisation with a reason the citizen sees.

    The new organisation accepts it anew; any running deadline stops.
    """
    report = _locked(report)
    require(actor, "opencity.forward_report", report)
    check_transition(TRANSITIONS, report.status, Status.FORWARDED)
    reason = _comment(reason, required=True, message=_("Give the reason for forwarding."))
    if organisation is None or organisation.municipality_id != report.municipality_id:
        raise DomainError(_("Choose an organisation of the same municipality."))
    if organisation.pk == report.organisation_id:
        raise DomainError(_("The report is already with this organisation."))
    before = report.status
    previous = report.organisation
    report.status = Status.FORWARDED
    report.organisation = organisation
    report.executor = None
    report.due_at = None
    report.overdue_at = None
    report.save(update_fields=["status", "organisation", "executor", "due_at",
                               "overdue_at", "updated_at"])
    text = _("To %(org)s: %(reason)s") % {"org": organisation.name, "reason": reason}
    _record(report, Kind.FORWARDED, actor=actor, before=before, text=text,
            organisation=previous)
    _audit(report, "report_forwarded", actor=actor,
           before={"status": before, "organisation": getattr(previous, "pk", None)},
           after={"status": report.status, "organisation": organisation.pk},
           reason=reason)
    notify(
        kind="opencity.report_received",
        recipients=_staff_of(organisation, (OrganisationRole.Role.HEAD,
                                            OrganisationRole.Role.EXECUTOR)),
        municipality=report.municipality,
        title=lambda: _("Report №%(n)d forwarded to you") % {"n": report.pk},
        body=reason, url=report.get_absolute_url,
    )
    _tell(report, actor=actor,
          title=lambda: (_("Report №%(n)d forwarded to %(org)s")
          % {"n": report.pk, "org": organisation.name}),
          body=reason)
    return report


@transaction.atomic
def report_assign(*, actor, report: Report, executor, comment: str = "") -> Report:
    """The organisation's head hands an accepted report to another executor;
    the deadline does not change."""
    report = _locked(report)
    require(actor, "opencity.assign_report", report)
    if report.status not in DEADLINE_STATUSES:
        raise DomainError(_("Only a report the organisation is working on can be reassigned."))
    _check_executor(report, executor)
    if executor.pk == report.executor_id:
        raise DomainError(_("This person is already the executor."))
    comment = _comment(comment, required=False)
    previous = report.executor_id
    report.executor = executor
    report.save(update_fields=["executor", "updated_at"])
    _record(report, Kind.ASSIGNED, actor=actor, before=report.status, text=comment,
            organisation=report.organisation)
    _audit(report, "report_assigned", actor=actor, before={"executor": previous},
           after={"executor": executor.pk})
    notify(
        kind="opencity.report_received", recipients=[executor],
        municipality=report.municipality,
        title=lambda: _("Report №%(n)d is assigned to you") % {"n": report.pk},
        body=comment or report.description[:300], url=report.get_absolute_url,
    )
    return report


BULK_ACTIONS = ("accept", "assign", "start", "forward", "refuse")


def reports_bulk(
    *, actor, reports: Iterable[Report], action: str, executor=None,
    organisation: Organisation | None = None, text: str = "",
) -> tuple[list[Report], list[tuple[Report, str]]]:
    """Staff take one step on many reports of the queue at once.

    Each report goes through the same service as on its own page, in its own
    transaction: a report the step does not fit (wrong status, no permission)
    is left unchanged and listed with the reason; the others are done.
    """
    if action not in BULK_ACTIONS:
        raise DomainError(_("Choose an action."))
    steps = {
        "accept": lambda r: report_accept(actor=actor, report=r,
                                          executor=executor or actor, comment=text),
        "assign": lambda r: report_assign(actor=actor, report=r, executor=executor,
                                          comment=text),
        "start": lambda r: report_start(actor=actor, report=r, comment=text),
        "forward": lambda r: report_forward(actor=actor, report=r,
                                            organisation=organisation, reason=text),
        "refuse": lambda r: report_refuse(actor=actor, report=r, reason=text),
    }
    if action == "assign" and executor is None:
        raise DomainError(_("Choose the executor."))
    if action in ("forward", "refuse") and not (text or "").strip():
        raise DomainError(_("Give the reason; the residents will see it."))
    done: list[Report] = []
    failed: list[tuple[Report, str]] = []
    for report in reports:
        try:
            done.append(steps[action](report))
        except PermissionRefused as exc:
            failed.append((report, str(exc.message)))
        except DomainError as exc:
            failed.append((report, str(exc.message)))
    return done, failed


# --- works -----------------------------------------------------------------------------

WORK_TITLE_MAX = 200
WORK_LONGEST_DAYS = 730


def _work_geometry(municipality: Municipality, geometry) -> tuple[dict, tuple]:
    """A GeoJSON point or area inside (or crossing into) the municipality, and its box."""
    import json

    from shapely.geometry import shape

    if isinstance(geometry, str):
        try:
            geometry = json.loads(geometry) if geometry.strip() else None
        except json.JSONDecodeError as exc:
            raise ValidationError({"geometry": _("The place is not valid GeoJSON.")}) from exc
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if not isinstance(geometry, dict) or not geometry.get("type"):
        raise ValidationError({"geometry": _("Mark the place on the map: a point or an area.")})
    if geometry["type"] == "Point":
        try:
            shape_ = shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError) as exc:
            raise ValidationError({"geometry": _("The place is not valid GeoJSON.")}) from exc
        lon, lat = shape_.x, shape_.y
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError({"geometry": _("These coordinates are not on the map.")})
    else:
        try:
            shape_ = parse_area(geometry)
        except DomainError as exc:
            raise ValidationError({"geometry": str(exc.message)}) from exc
    if municipality.boundary:
        boundary = parse_area(municipality.boundary)
        if not (boundary.covers(shape_) if geometry["type"] == "Point"
                else boundary.intersects(shape_)):
            raise ValidationError(
                {"geometry": _("The place must lie inside %(name)s.")
                 % {"name": municipality.name}}
            )
    west, south, east, north = shape_.bounds
    quantum = Decimal("0.000001")
    box = tuple(Decimal(repr(v)).quantize(quantum) for v in (south, west, north, east))
    # Plain lists, as the GeoJSON reads back from the database.
    return json.loads(json.dumps(shape_.__geo_interface__)), box


def _work_values(municipality: Municipality, data: dict[str, Any], *, now) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    kind = data.get("kind")
    if kind not in Work.Kind.values:
        errors["kind"] = [_("Choose planned or emergency works.")]
    else:
        values["kind"] = kind
    for name, check in (
        ("title", lambda: _text(data.get("title", ""), field="title", minimum=3,
                                maximum=WORK_TITLE_MAX,
                                message=_("Give the works a title."))),
        ("description", lambda: _text(data.get("description", ""), field="description",
                                      minimum=0, maximum=DESCRIPTION_MAX, message="")),
        ("affected_addresses", lambda: _text(
            data.get("affected_addresses", ""), field="affected_addresses", minimum=0,
            maximum=DESCRIPTION_MAX, message="")),
        ("geometry", lambda: _work_geometry(municipality, data.get("geometry"))),
    ):
        try:
            values[name] = check()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if not isinstance(starts, dt.datetime) or not isinstance(ends, dt.datetime):
        errors.setdefault("ends_at", []).append(_("Give when the works start and end."))
    elif ends <= starts:
        errors.setdefault("ends_at", []).append(_("The works must end after they start."))
    elif ends - starts > dt.timedelta(days=WORK_LONGEST_DAYS):
        errors.setdefault("ends_at", []).append(
            _("Works longer than two years: publish them in stages."))
    elif ends <= now:
        errors.setdefault("ends_at", []).append(_("These works are already over."))
    if errors:
        raise ValidationError(errors)
    geometry, (south, west, north, east) = values.pop("geometry")
    values.update(geometry=geometry, south=south, west=west, north=north, east=east,
                  starts_at=starts, ends_at=ends)
    return values


WORK_AUDITED = ("kind", "title", "starts_at", "ends_at", "geometry")


@transaction.atomic
def work_publish(*, actor, organisation: Organisation, data: dict[str, Any]) -> Work:
    """An organisation publishes planned or emergency works on the public map:
    a point or an area inside the municipality, the period, the affected addresses."""
    require(actor, "opencity.publish_work", organisation)
    values = _work_values(organisation.municipality, data, now=timezone.now())
    work = Work.objects.create(
        municipality=organisation.municipality, organisation=organisation,
        published_by=actor, **values,
    )
    audit_record(actor=actor, municipality=work.municipality,
                 action="opencity.work_published", target=work,
                 after={f: str(getattr(work, f)) for f in WORK_AUDITED})
    return work


@transaction.atomic
def work_update(*, actor, work: Work, data: dict[str, Any]) -> Work:
    """The organisation corrects its works (e.g. the end moves); cancelled ones stay as they are."""
    work = Work.objects.select_for_update().select_related(
        "organisation", "municipality").get(pk=work.pk)
    require(actor, "opencity.publish_work", work)
    if work.cancelled_at:
        raise DomainError(_("Cancelled works cannot be changed."))
    before = {f: str(getattr(work, f)) for f in WORK_AUDITED}
    values = _work_values(work.municipality, data, now=timezone.now())
    for name, value in values.items():
        setattr(work, name, value)
    work.save()
    audit_record(actor=actor, municipality=work.municipality,
                 action="opencity.work_changed", target=work, before=before,
                 after={f: str(getattr(work, f)) for f in WORK_AUDITED})
    return work


@transaction.atomic
def work_cancel(*, actor, work: Work, reason: str) -> Work:
    """The organisation cancels works with a public reason; they leave the map."""
    work = Work.objects.select_for_update().select_related(
        "organisation", "municipality").get(pk=work.pk)
    require(actor, "opencity.publish_work", work)
    if work.cancelled_at:
        raise DomainError(_("These works are already cancelled."))
    reason = _comment(reason, required=True, message=_("Give the reason for cancelling."))
    work.cancelled_at = timezone.now()
    work.cancel_reason = reason
    work.save(update_fields=["cancelled_at", "cancel_reason", "updated_at"])
    audit_record(actor=actor, municipality=work.municipality,
                 action="opencity.work_cancelled", target=work,
                 after={"cancelled_at": work.cancelled_at}, reason=reason)
    return work


# --- the author ---------------------------------------------------------------------


@transaction.atomic
def report_confirm(*, actor, report: Report, comment: str = "") -> Report:
    """The author confirms the fix; the report is closed."""
    report = _locked(report)
    require(actor, "opencity.confirm_report", report)
    _require_author_side(actor, report)
    check_transition(TRANSITIONS, report.status, Status.CLOSED)
    comment = _comment(comment, required=False)
    before = report.status
    report.status = Status.CLOSED
    report.closed_at = timezone.now()
    report.save(update_fields=["status", "closed_at", "updated_at"])
    _record(report, Kind.CONFIRMED, actor=actor, before=before, text=comment)
    if report.author_id is None:
        _audit(report, "report_confirmed_for_caller", actor=actor,
               before={"status": before}, after={"status": report.status})
    notify(
        kind="opencity.report_changed",
        recipients=[*_staff_of(report.organisation, (OrganisationRole.Role.HEAD,)),
                    *_staff_of_user(report.executor_id)],
        municipality=report.municipality,
        title=lambda: _("Report №%(n)d confirmed by the author") % {"n": report.pk},
        body=comment, url=report.get_absolute_url,
    )
    return report


def _require_author_side(actor, report: Report) -> None:
    """Confirming, denying and rating are the author's alone (or, for a caller
    without an account, an operator's); a platform admin holds every permission
    but does not speak for residents."""
    from .rules import answers_for_caller, is_report_author

    if not (is_report_author(actor, report) or answers_for_caller(actor, report)):
        raise PermissionRefused(_("Only the author of the report can do this."))


def _staff_of_user(user_id):
    return get_user_model().objects.filter(pk=user_id) if user_id else (
        get_user_model().objects.none()
    )


@transaction.atomic
def report_reopen(*, actor, report: Report, comment: str) -> Report:
    """The author denies the fix with a comment; the organisation works again
    under a new deadline of the same class."""
    report = _locked(report)
    require(actor, "opencity.confirm_report", report)
    _require_author_side(actor, report)
    check_transition(TRANSITIONS, report.status, Status.REOPENED)
    comment = _comment(comment, required=True,
                       message=_("Say what is still wrong, so the executor can fix it."))
    now = timezone.now()
    before = report.status
    report.status = Status.REOPENED
    report.reopen_count += 1
    report.resolved_at = None
    report.resolved_on_time = None
    report.overdue_at = None
    if report.deadline_class_id:
        report.due_at = deadline_for(report.deadline_class, now,
                                     municipality=report.municipality)
    report.save(update_fields=["status", "reopen_count", "resolved_at",
                               "resolved_on_time", "overdue_at", "due_at", "updated_at"])
    _record(report, Kind.REOPENED, actor=actor, before=before, text=comment, at=now)
    if report.author_id is None:
        _audit(report, "report_reopened_for_caller", actor=actor,
               before={"status": before}, after={"status": report.status})
    notify(
        kind="opencity.report_received",
        recipients=[*_staff_of(report.organisation, (OrganisationRole.Role.HEAD,)),
                    *_staff_of_user(report.executor_id)],
        municipality=report.municipality,
        title=lambda: _("Report №%(n)d reopened by the author") % {"n": report.pk},
        body=comment, url=report.get_absolute_url,
    )
    return report


@transaction.atomic
def report_rate(*, actor, report: Report, rating: int, comment: str = "") -> Report:
    """After resolution the author rates the work 1–5 once, with an optional comment."""
    report = _locked(report)
    require(actor, "opencity.rate_report", report)
    _require_author_side(actor, report)
    if report.status not in (Status.RESOLVED, Status.CLOSED) or not report.answer:
        raise DomainError(_("You can rate the work once the report is resolved."))
    if report.rating is not None:
        raise DomainError(_("You have already rated this work."))
    try:
        rating = int(rating)
    except (TypeError, ValueError) as exc:
        raise DomainError(_("Choose a rating from 1 to 5.")) from exc
    if not 1 <= rating <= 5:
        raise DomainError(_("Choose a rating from 1 to 5."))
    comment = _comment(comment, required=False)
    report.rating = rating
    report.rating_comment = comment
    report.rated_at = timezone.now()
    report.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
    _record(report, Kind.RATED, actor=actor, before=report.status,
            text=f"{rating}/5" + (f": {comment}" if comment else ""))
    return report


# --- the system: deadlines and auto-closing ---------------------------------------


def reports_escalate_overdue(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Mark reports past their deadline and escalate each once per level.

    Level 1 goes to the responsible organisation's head at the deadline; level 2
    to the municipality's dispatcher once the report is the municipality's
    number of hours overdue. A unique row per report, level and deadline makes
    a repeated or concurrent run change nothing.
    """
    now = now or timezone.now()
    counts = {"marked": 0, "level1": 0, "level2": 0}
    overdue = (
        Report.objects.filter(status__in=DEADLINE_STATUSES, due_at__lt=now)
        .select_related("municipality", "organisation")
        .order_by("due_at")
    )
    settings_cache: dict[int, OpenCitySettings] = {}
    for report in overdue.iterator(chunk_size=500):
        rules = settings_cache.get(report.municipality_id)
        if rules is None:
            rules = settings_cache[report.municipality_id] = settings_for(report.municipality)
        with transaction.atomic():
            locked = (
                Report.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=report.pk, status__in=DEADLINE_STATUSES, due_at__lt=now)
                .select_related("municipality", "organisation")
                .first()
            )
            if locked is None:
                continue
            if locked.overdue_at is None:
                locked.overdue_at = now
                locked.save(update_fields=["overdue_at", "updated_at"])
                _record(locked, Kind.OVERDUE, organisation=locked.organisation, at=now)
                audit_record(actor=None, municipality=locked.municipality,
                             action="opencity.report_overdue", target=locked,
                             after={"due_at": locked.due_at})
                counts["marked"] += 1
            levels = [(1, locked.due_at)]
            if now >= locked.due_at + dt.timedelta(hours=rules.dispatcher_escalation_hours):
                levels.append((2, locked.due_at))
            for level, due in levels:
                _row, created = ReportEscalation.objects.get_or_create(
                    report=locked, level=level, due_at=due, defaults={"created_at": now}
                )
                if not created:
                    continue
                counts[f"level{level}"] += 1
                if level == 1:
                    recipients = _staff_of(locked.organisation, (OrganisationRole.Role.HEAD,))
                    target = locked.organisation
                else:
                    target = dispatcher_of(locked.municipality)
                    recipients = _staff_of(target, (OrganisationRole.Role.HEAD,
                                                    OrganisationRole.Role.OPERATOR))
                _record(locked, Kind.ESCALATED, organisation=target, at=now,
                        text=_("To %(org)s") % {"org": target.name} if target else "")
                notify(
                    kind="opencity.report_overdue", recipients=recipients,
                    municipality=locked.municipality,
                    title=lambda locked=locked: _("Report №%(n)d is overdue") % {"n": locked.pk},
                    body=locked.description[:300], url=locked.get_absolute_url,
                )
    return counts


def reports_auto_close(*, now: dt.datetime | None = None) -> int:
    """Close resolved reports whose author gave no answer within the set days."""
    now = now or timezone.now()
    closed = 0
    by_municipality = (
        Report.objects.filter(status=Status.RESOLVED)
        .values_list("municipality_id", flat=True).distinct()
    )
    for municipality in Municipality.objects.filter(pk__in=list(by_municipality)):
        days = settings_for(municipality).auto_close_days
        cutoff = now - dt.timedelta(days=days)
        due = Report.objects.filter(
            municipality=municipality, status=Status.RESOLVED, resolved_at__lt=cutoff
        ).values_list("pk", flat=True)
        for pk in list(due):
            with transaction.atomic():
                report = (
                    Report.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(pk=pk, status=Status.RESOLVED, resolved_at__lt=cutoff)
                    .select_related("municipality", "organisation", "author", "category")
                    .first()
                )
                if report is None:
                    continue
                check_transition(TRANSITIONS, report.status, Status.CLOSED)
                report.status = Status.CLOSED
                report.closed_at = now
                report.save(update_fields=["status", "closed_at", "updated_at"])
                _record(report, Kind.AUTO_CLOSED, before=Status.RESOLVED, at=now)
                audit_record(actor=None, municipality=municipality,
                             action="opencity.report_auto_closed", target=report,
                             before={"status": Status.RESOLVED},
                             after={"status": report.status})
                _tell(report, title=lambda report=report: _status_title(report))
                closed += 1
    return closed


# --- set-up: categories, keys, roles ------------------------------------------------

CATEGORY_FIELDS = ("parent", "code", "name_uk", "name_en", "description", "deadline_class",
                   "fields", "is_active", "order")


def _clean_field_specs(specs) -> list[dict]:
    if not isinstance(specs, list):
        raise DomainError(_("Extra fields must be a list."))
    codes = set()
    for spec in specs:
        if not isinstance(spec, dict) or not re.match(r"^[a-z][a-z0-9_]{0,39}$",
                                                      str(spec.get("code", ""))):
            raise DomainError(
                _("Every extra field needs a code of Latin lowercase letters and digits.")
            )
        if spec["code"] in codes:
            raise DomainError(_("Two extra fields have the same code."))
        codes.add(spec["code"])
        if not spec.get("label_uk"):
            raise DomainError(_("Every extra field needs a Ukrainian label."))
    return specs


@transaction.atomic
def category_save(
    *, actor, municipality: Municipality, data: dict[str, Any],
    category: Category | None = None, organisations: Iterable[Organisation] | None = None,
) -> Category:
    """A municipality admin adds or edits a category, its class and its organisations."""
    require(actor, "opencity.change_category", municipality)
    if category is not None and category.municipality_id != municipality.pk:
        raise DomainError(_("This category belongs to another municipality."))
    creating = category is None
    category = (
        Category(municipality=municipality) if creating
        else Category.objects.select_for_update().get(pk=category.pk)
    )
    before = {} if creating else {f: str(getattr(category, f)) for f in CATEGORY_FIELDS}
    for name in CATEGORY_FIELDS:
        if name in data:
            setattr(category, name, data[name])
    category.fields = _clean_field_specs(category.fields or [])
    for related in (category.parent, category.deadline_class):
        if related is not None and related.municipality_id != municipality.pk:
            raise DomainError(_("Choose items of the same municipality."))
    node, seen = category.parent, {category.pk}
    while node is not None:
        if node.pk in seen:
            raise DomainError(_("A category cannot be its own ancestor."))
        seen.add(node.pk)
        node = node.parent
    try:
        category.full_clean(exclude=["organisations"])
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    category.save()
    if organisations is not None:
        organisations = list(organisations)
        if any(o.municipality_id != municipality.pk for o in organisations):
            raise DomainError(_("Choose organisations of the same municipality."))
        category.organisations.set(organisations)
    audit_record(
        actor=actor, municipality=municipality,
        action="opencity.category_created" if creating else "opencity.category_changed",
        target=category, before=before,
        after={f: str(getattr(category, f)) for f in CATEGORY_FIELDS},
    )
    return category


DEADLINE_CLASS_FIELDS = ("code", "name_uk", "name_en", "hours", "counting")


@transaction.atomic
def deadline_class_save(
    *, actor, municipality: Municipality, data: dict[str, Any],
    deadline_class: DeadlineClass | None = None,
) -> DeadlineClass:
    """A municipality admin sets a class's hours and whether they are calendar or
    working hours; reports already accepted keep the deadline they were given."""
    require(actor, "opencity.change_category", municipality)
    creating = deadline_class is None
    obj = (
        DeadlineClass(municipality=municipality) if creating
        else DeadlineClass.objects.select_for_update().get(pk=deadline_class.pk)
    )
    if obj.municipality_id != municipality.pk:
        raise DomainError(_("This class belongs to another municipality."))
    before = {} if creating else {f: getattr(obj, f) for f in DEADLINE_CLASS_FIELDS}
    for name in DEADLINE_CLASS_FIELDS:
        if name in data:
            setattr(obj, name, data[name])
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    obj.save()
    audit_record(
        actor=actor, municipality=municipality,
        action="opencity.deadline_class_created" if creating
        else "opencity.deadline_class_changed",
        target=obj, before=before, after={f: getattr(obj, f) for f in DEADLINE_CLASS_FIELDS},
    )
    return obj


def _hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def open311_key_issue(*, actor, municipality: Municipality, name: str) -> tuple[Open311Key, str]:
    """A municipality admin issues an Open311 key; it is shown once, stored hashed."""
    require(actor, "opencity.manage_open311_keys", municipality)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Name the application the key is for."))
    raw = secrets.token_urlsafe(32)
    key = Open311Key.objects.create(
        municipality=municipality, name=name[:150], prefix=raw[:8],
        key_hash=_hash_key(raw), issued_by=actor,
    )
    audit_record(actor=actor, municipality=municipality, action="opencity.open311_key_issued",
                 target=key, after={"name": key.name, "prefix": key.prefix})
    return key, raw


@transaction.atomic
def open311_key_revoke(*, actor, key: Open311Key) -> Open311Key:
    """A municipality admin revokes a key; applications using it are refused at once."""
    require(actor, "opencity.manage_open311_keys", key.municipality)
    key = Open311Key.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=actor, municipality=key.municipality,
                     action="opencity.open311_key_revoked", target=key,
                     after={"revoked_at": key.revoked_at})
    return key


def open311_key_find(raw: str) -> Open311Key | None:
    """The live key with this value (compared by hash), or None."""
    if not raw:
        return None
    return (
        Open311Key.objects.select_related("municipality")
        .filter(key_hash=_hash_key(raw), revoked_at__isnull=True).first()
    )
