"""Every write of the module: the register, meetings, votes, paper ballots, the cabinet.

Services check the permission with ``require()``, validate, write inside a
transaction, record staff actions in the audit log and publish notifications
on commit. Bad input raises ``DomainError`` / ``ValidationError`` with a
translatable message and changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from edem.core.errors import Conflict, DomainError, PermissionRefused
from edem.core.transitions import check_transition
from edem.notifications.services import notify
from edem.participation.audit import audit_record
from edem.participation.permissions import require

from . import signing
from .models import (
    INITIATIVE_MIN_MEMBERS,
    MAX_MONTHLY_USE,
    MEETING_TRANSITIONS,
    AgendaItem,
    Announcement,
    Building,
    Choice,
    InitiativeMember,
    Meeting,
    MeterKind,
    MeterReading,
    Owner,
    Ownership,
    PaperBallot,
    Premises,
    Protocol,
    Threshold,
    Vote,
)
from .scans import clean_scan

INVITATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
INVITATION_LENGTH = 12
INVITATION_VALID_DAYS = 60
IMPORT_MAX_ROWS = 5000
IMPORT_MAX_BYTES = 2 * 2**20
REGISTER_COLUMNS = (
    "premises",
    "kind",
    "area",
    "owner_reference",
    "owner_name",
    "share",
)
MAX_AGENDA_ITEMS = 30
MAX_VOTING_DAYS = 60


# --- owners and their weight -------------------------------------------------------


def owner_of(*, user, building: Building) -> Owner | None:
    """The register entry of the person (any of their accounts) in the building."""
    if not getattr(user, "is_authenticated", False) or not user.identity_id:
        return None
    return Owner.objects.filter(building=building, identity_id=user.identity_id).first()


def owner_weight(owner: Owner) -> Decimal:
    """An owner's voting weight: the sum over their premises of area x their share.

    A person owning several premises votes with the sum; joint owners of one
    premises each vote with their part of its area.
    """
    total = Fraction(0)
    for area, numerator, denominator in Ownership.objects.filter(
        owner=owner
    ).values_list("premises__area", "share_numerator", "share_denominator"):
        total += Fraction(area) * numerator / denominator
    return _to_decimal(total)


def building_total_area(building: Building) -> Decimal:
    """All co-owners' area: the area of every premises of the building's register."""
    total = sum(
        (
            area
            for area in Premises.objects.filter(building=building).values_list(
                "area", flat=True
            )
        ),
        Decimal(0),
    )
    return total.quantize(Decimal("0.000001"))


def _to_decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.000001")
    )


def _register_frozen(building: Building) -> bool:
    """The register must not change while a meeting is announced and not closed."""
    return Meeting.objects.filter(
        building=building, status=Meeting.Status.ANNOUNCED
    ).exists()


# --- the register: CSV import -------------------------------------------------------


@dataclass(frozen=True)
class RegisterRow:
    line: int
    premises: str
    kind: str
    area: Decimal
    owner_reference: str
    owner_name: str
    share: Fraction | None


@dataclass(frozen=True)
class ImportSummary:
    premises: int
    owners: int
    shares: int
    owners_removed: int


KIND_ALIASES = {
    "apartment": Premises.Kind.APARTMENT,
    "квартира": Premises.Kind.APARTMENT,
    "non_residential": Premises.Kind.NON_RESIDENTIAL,
    "нежитлове": Premises.Kind.NON_RESIDENTIAL,
    "нежитлове приміщення": Premises.Kind.NON_RESIDENTIAL,
}


def _parse_share(raw: str) -> Fraction:
    raw = raw.strip().replace(",", ".")
    if not raw:
        return Fraction(1)
    if "/" in raw:
        numerator, denominator = raw.split("/", 1)
        value = Fraction(int(numerator.strip()), int(denominator.strip()))
    else:
        value = Fraction(Decimal(raw))
    if not 0 < value <= 1:
        raise ValueError("share out of range")
    return value.limit_denominator(1_000_000)


def _read_register(data: bytes) -> tuple[list[RegisterRow], list[str]]:
    """Parse the CSV; every problem is reported with its line, nothing is kept half."""
    errors: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [_("The file must be a CSV in UTF-8.")]
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REGISTER_COLUMNS if c not in header]
    if missing:
        return [], [
            _("The file lacks the columns: %(columns)s. Expected: %(expected)s.")
            % {"columns": ", ".join(missing), "expected": ", ".join(REGISTER_COLUMNS)}
        ]
    reader.fieldnames = header
    rows: list[RegisterRow] = []
    for line, raw in enumerate(reader, start=2):
        if line - 1 > IMPORT_MAX_ROWS:
            errors.append(
                _("The file has more than %(n)d rows.") % {"n": IMPORT_MAX_ROWS}
            )
            break
        values = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(values.values()):
            continue
        row_errors = []
        number = values["premises"][:20]
        if not number:
            row_errors.append(_("the premises number is empty"))
        kind = KIND_ALIASES.get(values["kind"].lower() or "apartment")
        if kind is None:
            row_errors.append(
                _("unknown kind of premises “%(kind)s”") % {"kind": values["kind"]}
            )
        try:
            area = Decimal(values["area"].replace(",", "."))
            if not area.is_finite() or area <= 0 or area >= Decimal("100000000"):
                raise InvalidOperation
            area = area.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            area = Decimal(0)
            row_errors.append(
                _("the area “%(area)s” is not a positive number")
                % {"area": values["area"]}
            )
        reference = values["owner_reference"][:40]
        name = values["owner_name"][:200]
        share = None
        if reference or name:
            if not reference or not name:
                row_errors.append(_("an owner needs both a register number and a name"))
            try:
                share = _parse_share(values["share"])
            except (ValueError, ZeroDivisionError, InvalidOperation):
                row_errors.append(
                    _("the share “%(share)s” is not a fraction between 0 and 1")
                    % {"share": values["share"]}
                )
        if row_errors:
            errors.append(
                _("Line %(line)d: %(problems)s.")
                % {"line": line, "problems": "; ".join(row_errors)}
            )
            continue
        rows.append(RegisterRow(line, number, kind, area, reference, name, share))
    return rows, errors


def _check_register(rows: list[RegisterRow]) -> list[str]:
    """The register as a whole: one area per premises, shares of a premises add up to at most 1."""
    errors = []
    areas: dict[str, tuple[Decimal, str, int]] = {}
    shares: dict[str, Fraction] = {}
    seen: set[tuple[str, str]] = set()
    names: dict[str, str] = {}
    for row in rows:
        known = areas.setdefault(row.premises, (row.area, row.kind, row.line))
        if (known[0], known[1]) != (row.area, row.kind):
            errors.append(
                _(
                    "Line %(line)d: premises %(number)s has another area or kind than on line %(first)d."
                )
                % {"line": row.line, "number": row.premises, "first": known[2]}
            )
        if row.share is None:
            continue
        if (row.premises, row.owner_reference) in seen:
            errors.append(
                _(
                    "Line %(line)d: owner %(ref)s is listed twice for premises %(number)s."
                )
                % {"line": row.line, "ref": row.owner_reference, "number": row.premises}
            )
        seen.add((row.premises, row.owner_reference))
        if names.setdefault(row.owner_reference, row.owner_name) != row.owner_name:
            errors.append(
                _("Line %(line)d: register number %(ref)s has two different names.")
                % {"line": row.line, "ref": row.owner_reference}
            )
        shares[row.premises] = shares.get(row.premises, Fraction(0)) + row.share
    for number, total in shares.items():
        if total > 1:
            errors.append(
                _(
                    "Premises %(number)s: the owners' shares add up to more than the whole (%(total)s)."
                )
                % {"number": number, "total": f"{total.numerator}/{total.denominator}"}
            )
    if not rows:
        errors.append(_("The file has no premises."))
    return errors


def _check_kept_premises(building: Building, numbers: set[str]) -> list[str]:
    """A premises with meter readings stays in the register: its history is kept."""
    missing = (
        building.premises.exclude(number__in=numbers)
        .filter(meter_readings__isnull=False)
        .values_list("number", flat=True)
        .distinct()
    )
    return [
        _("Premises %(number)s has meter readings and must stay in the register.")
        % {"number": number}
        for number in sorted(missing)
    ]


@transaction.atomic
def register_import(*, actor, building: Building, upload) -> ImportSummary:
    """The administrator replaces the building's register from a CSV file.

    Columns: premises, kind, area, owner_reference, owner_name, share (a
    fraction such as 1/2, empty for the whole). The file is checked whole:
    any error refuses it and nothing changes. Owners are kept by their
    register number, so their links to verified identities survive an
    update; an owner no longer in the file is removed unless they have
    voted. The register cannot change while a meeting is announced.
    """
    require(actor, "buildings.change_building", building)
    building = Building.objects.select_for_update().get(pk=building.pk)
    if _register_frozen(building):
        raise Conflict(_("The register cannot change while a meeting is announced."))
    size = getattr(upload, "size", None)
    data = upload.read(IMPORT_MAX_BYTES + 1)
    if (size or len(data)) > IMPORT_MAX_BYTES:
        raise DomainError(
            _("The file is too large: at most %(mb)d MB.")
            % {"mb": IMPORT_MAX_BYTES // 2**20}
        )
    rows, errors = _read_register(data)
    if not errors:
        errors = _check_register(rows)
    if not errors:
        errors = _check_kept_premises(building, {row.premises for row in rows})
    if errors:
        raise ValidationError({"file": errors})

    before = {
        "premises": building.premises.count(),
        "owners": building.owners.count(),
        "total_area": str(building_total_area(building)),
    }
    premises_by_number = {p.number: p for p in building.premises.all()}
    wanted_numbers = {row.premises for row in rows}
    for row in rows:
        premises = premises_by_number.get(row.premises)
        if premises is None:
            premises_by_number[row.premises] = Premises.objects.create(
                building=building, number=row.premises, kind=row.kind, area=row.area
            )
        elif (premises.area, premises.kind) != (row.area, row.kind):
            premises.area, premises.kind = row.area, row.kind
            premises.save(update_fields=["area", "kind"])
    owners = {o.reference: o for o in building.owners.all()}
    for row in rows:
        if row.share is None:
            continue
        owner = owners.get(row.owner_reference)
        if owner is None:
            owners[row.owner_reference] = Owner.objects.create(
                building=building,
                reference=row.owner_reference,
                full_name=row.owner_name,
            )
        elif owner.full_name != row.owner_name:
            owner.full_name = row.owner_name
            owner.save(update_fields=["full_name", "updated_at"])
    Ownership.objects.filter(premises__building=building).delete()
    shares = [
        Ownership(
            premises=premises_by_number[row.premises],
            owner=owners[row.owner_reference],
            share_numerator=row.share.numerator,
            share_denominator=row.share.denominator,
        )
        for row in rows
        if row.share is not None
    ]
    Ownership.objects.bulk_create(shares)
    wanted_refs = {row.owner_reference for row in rows if row.share is not None}
    gone = building.owners.exclude(reference__in=wanted_refs)
    # Owners who voted or had ballots stay in the register (the protocol lists them).
    removable = gone.filter(
        votes__isnull=True, paper_ballots__isnull=True, meter_readings__isnull=True
    )
    owners_removed = removable.count()
    removable.delete()
    building.premises.exclude(number__in=wanted_numbers).delete()
    summary = ImportSummary(
        premises=len(wanted_numbers),
        owners=len(wanted_refs),
        shares=len(shares),
        owners_removed=owners_removed,
    )
    audit_record(
        actor=actor,
        municipality=building.municipality,
        action="buildings.register_imported",
        target=building,
        before=before,
        after={
            "premises": summary.premises,
            "owners": summary.owners,
            "shares": summary.shares,
            "total_area": str(building_total_area(building)),
            "file_sha256": hashlib.sha256(data).hexdigest(),
        },
    )
    return summary


# --- linking owners to verified identities -------------------------------------------


def _code_digest(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hmac.new(
        settings.SECRET_KEY.encode(), normalised.encode(), hashlib.sha256
    ).hexdigest()


@transaction.atomic
def owner_invite(*, actor, owner: Owner, now: dt.datetime | None = None) -> str:
    """The administrator issues an invitation code for an owner (shown once).

    Only a keyed digest of the code is stored; a new code replaces the old one.
    """
    require(actor, "buildings.change_building", owner.building)
    if owner.identity_id:
        raise Conflict(_("This owner is already linked to a verified person."))
    raw = "".join(
        secrets.choice(INVITATION_ALPHABET) for _n in range(INVITATION_LENGTH)
    )
    code = "-".join(raw[i : i + 4] for i in range(0, INVITATION_LENGTH, 4))
    owner.invitation_digest = _code_digest(code)
    owner.invitation_expires_at = (now or timezone.now()) + dt.timedelta(
        days=INVITATION_VALID_DAYS
    )
    owner.save(
        update_fields=["invitation_digest", "invitation_expires_at", "updated_at"]
    )
    audit_record(
        actor=actor,
        municipality=owner.building.municipality,
        action="buildings.owner_invited",
        target=owner,
    )
    return code


@transaction.atomic
def owner_link(*, actor, code: str, now: dt.datetime | None = None) -> Owner:
    """A verified person enters their invitation code and becomes the owner in the register.

    The code is good once and until it expires; one person is one owner per
    building.
    """
    require(actor, "buildings.link_owner")
    code = (code or "").strip()
    if not code:
        raise DomainError(_("Enter the invitation code."))
    owner = (
        Owner.objects.select_for_update()
        .select_related("building__municipality")
        .filter(invitation_digest=_code_digest(code))
        .first()
    )
    if owner is None or owner.identity_id:
        raise DomainError(_("This invitation code is not valid."))
    if owner.invitation_expires_at and owner.invitation_expires_at < (
        now or timezone.now()
    ):
        raise DomainError(
            _("This invitation code has expired; ask the administrator for a new one.")
        )
    if Owner.objects.filter(
        building=owner.building, identity_id=actor.identity_id
    ).exists():
        raise Conflict(_("You are already an owner in this building's register."))
    owner.identity_id = actor.identity_id
    owner.linked_at = now or timezone.now()
    owner.invitation_digest = ""
    owner.invitation_expires_at = None
    try:
        with transaction.atomic():
            owner.save(
                update_fields=[
                    "identity",
                    "linked_at",
                    "invitation_digest",
                    "invitation_expires_at",
                    "updated_at",
                ]
            )
    except IntegrityError as exc:
        raise Conflict(
            _("You are already an owner in this building's register.")
        ) from exc
    audit_record(
        actor=actor,
        municipality=owner.building.municipality,
        action="buildings.owner_linked",
        target=owner,
    )
    return owner


def _users_of_owners(owners: Iterable[Owner]):
    """Every active account of the owners' verified identities."""
    from edem.accounts.models import User

    identity_ids = [o.identity_id for o in owners if o.identity_id]
    return User.objects.filter(identity_id__in=identity_ids, is_active=True)


def _owner_users(building: Building):
    return _users_of_owners(building.owners.filter(identity__isnull=False))


def _administrators(building: Building):
    from edem.accounts.models import User

    from .models import ManagementRole

    return User.objects.filter(
        building_roles__management=building.management_id,
        building_roles__role=ManagementRole.Role.ADMINISTRATOR,
        is_active=True,
    ).distinct()


# --- meetings -------------------------------------------------------------------------


def _clean_items(items: Iterable[Mapping]) -> list[dict]:
    cleaned = []
    errors = []
    for number, item in enumerate(items, start=1):
        title = str(item.get("title") or "").strip()
        decision = str(item.get("proposed_decision") or "").strip()
        threshold = str(item.get("threshold") or Threshold.MAJORITY)
        if not title and not decision:
            continue
        if not title or not decision:
            errors.append(
                _("Item %(n)d needs both a question and a proposed decision.")
                % {"n": number}
            )
            continue
        if threshold not in Threshold.values:
            errors.append(
                _("Item %(n)d: choose a threshold from the list.") % {"n": number}
            )
            continue
        cleaned.append(
            {
                "title": title[:300],
                "proposed_decision": decision,
                "threshold": threshold,
            }
        )
    if not cleaned and not errors:
        errors.append(_("A meeting needs at least one agenda item."))
    if len(cleaned) > MAX_AGENDA_ITEMS:
        errors.append(
            _("A meeting may have at most %(n)d agenda items.")
            % {"n": MAX_AGENDA_ITEMS}
        )
    if errors:
        raise ValidationError({"items": errors})
    return cleaned


def _check_period(starts: dt.datetime, ends: dt.datetime) -> None:
    if ends <= starts:
        raise ValidationError(
            {"voting_ends_at": [_("Voting must end after it opens.")]}
        )
    if ends - starts > dt.timedelta(days=MAX_VOTING_DAYS):
        raise ValidationError(
            {
                "voting_ends_at": [
                    _("Voting may last at most %(n)d days.") % {"n": MAX_VOTING_DAYS}
                ]
            }
        )


def _earliest_start(building: Building, now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(days=building.notice_days)


def _check_notice(building: Building, starts: dt.datetime, now: dt.datetime) -> None:
    """Owners must be told at least the building's notice period before voting opens."""
    if starts < _earliest_start(building, now):
        raise ValidationError(
            {
                "voting_starts_at": [
                    ngettext(
                        "Owners must be notified at least %(n)d day before voting opens: "
                        "the earliest start is %(date)s.",
                        "Owners must be notified at least %(n)d days before voting opens: "
                        "the earliest start is %(date)s.",
                        building.notice_days,
                    )
                    % {
                        "n": building.notice_days,
                        "date": timezone.localtime(
                            _earliest_start(building, now)
                        ).strftime("%d.%m.%Y %H:%M"),
                    }
                ]
            }
        )


@transaction.atomic
def meeting_create(
    *,
    actor,
    building: Building,
    title: str,
    voting_starts_at: dt.datetime,
    voting_ends_at: dt.datetime,
    items: Iterable[Mapping],
    description: str = "",
    initiator: str = Meeting.Initiator.ADMINISTRATOR,
    initiative_group: str = "",
) -> Meeting:
    """The administrator, or an owner as the first of an initiative group, prepares a meeting.

    Nobody is told yet: the draft is announced separately. An owner's draft
    is always an initiative group's; other owners join the group, and at
    least three of them may announce it.
    """
    require(actor, "buildings.call_meeting", building)
    by_owner = not actor.has_perm("buildings.change_meeting", building)
    if by_owner:
        initiator = Meeting.Initiator.INITIATIVE_GROUP
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("Give the meeting a title.")]})
    if initiator not in Meeting.Initiator.values:
        raise ValidationError({"initiator": [_("Choose who calls the meeting.")]})
    if (
        initiator == Meeting.Initiator.INITIATIVE_GROUP
        and not by_owner
        and not initiative_group.strip()
    ):
        raise ValidationError(
            {"initiative_group": [_("Name the owners of the initiative group.")]}
        )
    _check_period(voting_starts_at, voting_ends_at)
    cleaned = _clean_items(items)
    meeting = Meeting.objects.create(
        municipality=building.municipality,
        building=building,
        title=title[:300],
        description=(description or "").strip(),
        initiator=initiator,
        initiative_group=initiative_group.strip(),
        created_by=actor,
        voting_starts_at=voting_starts_at,
        voting_ends_at=voting_ends_at,
        votes_changeable=building.votes_changeable,
        paper_rule=building.paper_rule,
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, position=n, **item)
        for n, item in enumerate(cleaned, start=1)
    )
    audit_record(
        actor=actor,
        municipality=building.municipality,
        action="buildings.meeting_created",
        target=meeting,
        after={"title": meeting.title, "items": len(cleaned)},
    )
    if by_owner:
        InitiativeMember.objects.create(
            meeting=meeting, owner=owner_of(user=actor, building=building)
        )
    return meeting


@transaction.atomic
def initiative_join(*, actor, meeting: Meeting) -> InitiativeMember:
    """An owner joins the initiative group of a meeting still being prepared."""
    require(actor, "buildings.vote", meeting)
    if (
        meeting.status != Meeting.Status.DRAFT
        or meeting.initiator != Meeting.Initiator.INITIATIVE_GROUP
    ):
        raise DomainError(
            _("Only an initiative group's meeting in preparation takes members.")
        )
    owner = owner_of(user=actor, building=meeting.building)
    try:
        with transaction.atomic():
            return InitiativeMember.objects.create(meeting=meeting, owner=owner)
    except IntegrityError as exc:
        raise Conflict(_("You are already in the initiative group.")) from exc


def may_announce(actor, meeting: Meeting) -> bool:
    """The administrator, or a member of an initiative group of at least three owners."""
    if actor.has_perm("buildings.change_meeting", meeting):
        return True
    if meeting.initiator != Meeting.Initiator.INITIATIVE_GROUP:
        return False
    owner = owner_of(user=actor, building=meeting.building)
    members = InitiativeMember.objects.filter(meeting=meeting)
    return (
        owner is not None
        and members.filter(owner=owner).exists()
        and members.count() >= INITIATIVE_MIN_MEMBERS
    )


@transaction.atomic
def meeting_announce(
    *, actor, meeting: Meeting, now: dt.datetime | None = None
) -> Meeting:
    """Announce the meeting: every owner is told now, by e-mail, SMS and in-app.

    Voting may open no earlier than the building's notice period (10 days by
    default) after the announcement; an earlier start is refused. The total
    area of all co-owners and the building's voting rules are frozen here.
    An initiative group announces once it has at least three owners.
    """
    if not may_announce(actor, meeting):
        raise PermissionRefused(
            ngettext(
                "The administrator or an initiative group of at least %(n)d owner "
                "announces a meeting.",
                "The administrator or an initiative group of at least %(n)d owners "
                "announces a meeting.",
                INITIATIVE_MIN_MEMBERS,
            )
            % {"n": INITIATIVE_MIN_MEMBERS}
        )
    meeting = (
        Meeting.objects.select_for_update()
        .select_related("building")
        .get(pk=meeting.pk)
    )
    check_transition(MEETING_TRANSITIONS, meeting.status, Meeting.Status.ANNOUNCED)
    now = now or timezone.now()
    building = meeting.building
    _check_notice(building, meeting.voting_starts_at, now)
    total = building_total_area(building)
    if total <= 0:
        raise DomainError(
            _("Import the register of premises before announcing a meeting.")
        )
    meeting.status = Meeting.Status.ANNOUNCED
    meeting.announced_at = now
    if (
        meeting.initiator == Meeting.Initiator.INITIATIVE_GROUP
        and not meeting.initiative_group
    ):
        meeting.initiative_group = ", ".join(
            InitiativeMember.objects.filter(meeting=meeting)
            .order_by("joined_at")
            .values_list("owner__full_name", flat=True)
        )
    meeting.total_area = total
    meeting.votes_changeable = building.votes_changeable
    meeting.paper_rule = building.paper_rule
    meeting.save(
        update_fields=[
            "status",
            "announced_at",
            "total_area",
            "votes_changeable",
            "paper_rule",
            "initiative_group",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        municipality=meeting.municipality,
        action="buildings.meeting_announced",
        target=meeting,
        before={"status": Meeting.Status.DRAFT},
        after={"status": meeting.status, "total_area": str(total)},
    )
    starts = meeting.voting_starts_at
    ends = meeting.voting_ends_at
    notify(
        kind="buildings.meeting_announced",
        recipients=_owner_users(building),
        municipality=meeting.municipality,
        title=lambda: (
            _("General meeting of the owners of %(address)s: %(title)s")
            % {"address": building.address, "title": meeting.title}
        ),
        body=lambda: (
            _(
                "Voting runs from %(start)s to %(end)s. The agenda and the proposed "
                "decisions are in your building cabinet."
            )
            % {
                "start": timezone.localtime(starts).strftime("%d.%m.%Y %H:%M"),
                "end": timezone.localtime(ends).strftime("%d.%m.%Y %H:%M"),
            }
        ),
        url=meeting.get_absolute_url,
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting, reason: str) -> Meeting:
    """The administrator cancels a meeting with a reason; owners who were told hear of it."""
    require(actor, "buildings.change_meeting", meeting)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for cancelling the meeting."))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    before = {"status": meeting.status}
    check_transition(MEETING_TRANSITIONS, meeting.status, Meeting.Status.CANCELLED)
    was_announced = meeting.status == Meeting.Status.ANNOUNCED
    meeting.status = Meeting.Status.CANCELLED
    meeting.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        municipality=meeting.municipality,
        action="buildings.meeting_cancelled",
        target=meeting,
        before=before,
        after={"status": meeting.status},
        reason=reason,
    )
    if was_announced:
        notify(
            kind="buildings.meeting_announced",
            recipients=_owner_users(meeting.building),
            municipality=meeting.municipality,
            title=lambda: (
                _("The general meeting “%(title)s” is cancelled")
                % {"title": meeting.title}
            ),
            body=reason,
            url=meeting.get_absolute_url,
        )
    return meeting


# --- voting ---------------------------------------------------------------------------


def _locked_owner(owner: Owner) -> Owner:
    """Lock the owner's row: one owner's votes and ballots are written one at a time."""
    return Owner.objects.select_for_update().get(pk=owner.pk)


def _active_ballot(meeting: Meeting, owner: Owner) -> PaperBallot | None:
    return PaperBallot.objects.filter(
        meeting=meeting,
        owner=owner,
        status__in=[PaperBallot.Status.COUNTED, PaperBallot.Status.DISPUTED],
    ).first()


def _clean_choices(meeting: Meeting, choices: Mapping) -> dict[int, str]:
    items = {item.pk for item in meeting.items.all()}
    cleaned: dict[int, str] = {}
    for key, choice in choices.items():
        try:
            item_id = int(key)
        except (TypeError, ValueError) as exc:
            raise DomainError(_("An agenda item of another meeting was sent.")) from exc
        if item_id not in items:
            raise DomainError(_("An agenda item of another meeting was sent."))
        if not choice:
            continue
        if choice not in Choice.values:
            raise DomainError(_("Choose for, against or abstain."))
        cleaned[item_id] = choice
    if not cleaned:
        raise DomainError(_("Choose for, against or abstain on at least one question."))
    return cleaned


@transaction.atomic
def ballot_cast(
    *, actor, meeting: Meeting, choices: Mapping, now: dt.datetime | None = None
) -> list[Vote]:
    """A verified owner votes online: for, against or abstain on agenda items.

    The vote weighs the owner's area (sum over their premises of area x
    share). One vote per owner per item, enforced by the database; a vote may
    be changed until voting ends if the meeting allows it. After the voting
    period nothing is accepted. A paper ballot in the owner's name and an
    online vote never both count: the meeting's rule says which prevails.
    """
    require(actor, "buildings.vote", meeting)
    now = now or timezone.now()
    if not meeting.voting_open(now):
        if meeting.voting_over(now):
            raise DomainError(_("Voting has ended; votes are no longer accepted."))
        raise DomainError(_("Voting has not opened yet."))
    cleaned = _clean_choices(meeting, choices)
    owner = owner_of(user=actor, building=meeting.building)
    if owner is None:
        raise PermissionRefused(_("You are not in this building's register of owners."))
    owner = _locked_owner(owner)
    ballot = _active_ballot(meeting, owner)
    if ballot is not None:
        if meeting.paper_rule == Building.PaperRule.PAPER_PREVAILS:
            raise Conflict(
                _(
                    "A paper ballot was entered in your name and it counts instead of online "
                    "votes. If it is not yours, dispute it in your cabinet."
                )
            )
        ballot.status = PaperBallot.Status.SUPERSEDED
        ballot.save(update_fields=["status", "updated_at"])
        ballot.votes.all().delete()
    weight = owner_weight(owner)
    existing = {
        v.item_id: v for v in Vote.objects.filter(item__meeting=meeting, owner=owner)
    }
    if (
        existing
        and not meeting.votes_changeable
        and any(i in existing for i in cleaned)
    ):
        raise Conflict(
            _("You have already voted on this question; votes cannot be changed.")
        )
    cast = []
    for item_id, choice in cleaned.items():
        vote = existing.get(item_id)
        if vote is not None:
            if vote.choice != choice:
                vote.choice = choice
                vote.cast_by = actor
                vote.save(update_fields=["choice", "cast_by", "updated_at"])
            cast.append(vote)
            continue
        try:
            with transaction.atomic():
                cast.append(
                    Vote.objects.create(
                        item_id=item_id,
                        owner=owner,
                        choice=choice,
                        weight=weight,
                        channel=Vote.Channel.ONLINE,
                        cast_by=actor,
                    )
                )
        except IntegrityError as exc:
            raise Conflict(_("You have already voted on this question.")) from exc
    return cast


@transaction.atomic
def paper_ballot_enter(
    *,
    actor,
    meeting: Meeting,
    owner: Owner,
    choices: Mapping,
    scan,
    now: dt.datetime | None = None,
) -> PaperBallot:
    """The administrator enters an owner's paper ballot with its scan (PDF or image).

    The scan is validated and re-encoded (an image without metadata, a PDF
    rewritten page by page). Under the rule "paper prevails" the owner's
    online votes are replaced; under "online prevails" a ballot for an owner
    who has voted online is refused. The owner is told at once and sees the
    ballot in their cabinet, where they may dispute it.
    """
    require(actor, "buildings.enter_paper_ballot", meeting)
    now = now or timezone.now()
    if owner.building_id != meeting.building_id:
        raise DomainError(_("This owner is not in the building's register."))
    if not meeting.voting_open(now):
        raise DomainError(_("Paper ballots are entered while voting runs."))
    cleaned = _clean_choices(meeting, choices)
    if scan is None:
        raise ValidationError({"scan": [_("Attach the scan of the signed ballot.")]})
    content, kind = clean_scan(scan)
    owner = _locked_owner(owner)
    if _active_ballot(meeting, owner) is not None:
        raise Conflict(_("A paper ballot of this owner is already entered."))
    online = Vote.objects.filter(item__meeting=meeting, owner=owner)
    replaced = list(online.values("item_id", "choice"))
    if replaced:
        if meeting.paper_rule == Building.PaperRule.ONLINE_PREVAILS:
            raise Conflict(
                _(
                    "This owner has voted online, and under this meeting's rule the online "
                    "vote prevails: the paper ballot cannot be counted."
                )
            )
        online.delete()
    ballot = PaperBallot(
        meeting=meeting,
        owner=owner,
        scan_kind=kind,
        entered_by=actor,
        choices={str(k): v for k, v in cleaned.items()},
    )
    ballot.scan.save(content.name, content, save=False)
    ballot.save()
    weight = owner_weight(owner)
    Vote.objects.bulk_create(
        Vote(
            item_id=item_id,
            owner=owner,
            choice=choice,
            weight=weight,
            channel=Vote.Channel.PAPER,
            cast_by=actor,
            paper_ballot=ballot,
        )
        for item_id, choice in cleaned.items()
    )
    audit_record(
        actor=actor,
        municipality=meeting.municipality,
        action="buildings.paper_ballot_entered",
        target=ballot,
        before={"online_votes": replaced},
        after={"choices": ballot.choices},
    )
    notify(
        kind="buildings.paper_ballot_entered",
        recipients=_users_of_owners([owner]),
        municipality=meeting.municipality,
        title=lambda: (
            _("A paper ballot was entered in your name: %(title)s")
            % {"title": meeting.title}
        ),
        body=lambda: _(
            "If you did not fill in this ballot, dispute it in your building cabinet."
        ),
        url=lambda: meeting.get_absolute_url() + "#my-ballot",
    )
    return ballot


@transaction.atomic
def paper_ballot_dispute(
    *, actor, ballot: PaperBallot, reason: str, now: dt.datetime | None = None
) -> PaperBallot:
    """The owner disputes a paper ballot entered in their name, until the meeting closes."""
    ballot = (
        PaperBallot.objects.select_for_update()
        .select_related("meeting__building", "owner")
        .get(pk=ballot.pk)
    )
    if not actor.identity_id or ballot.owner.identity_id != actor.identity_id:
        raise PermissionRefused(
            _("Only the owner can dispute a ballot entered in their name.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say what is wrong with the ballot."))
    if ballot.meeting.status != Meeting.Status.ANNOUNCED:
        raise DomainError(
            _("The meeting is closed; its protocol can no longer change.")
        )
    if ballot.status != PaperBallot.Status.COUNTED:
        raise Conflict(_("This ballot cannot be disputed in its current state."))
    ballot.status = PaperBallot.Status.DISPUTED
    ballot.dispute_reason = reason[:2000]
    ballot.disputed_at = now or timezone.now()
    ballot.save(update_fields=["status", "dispute_reason", "disputed_at", "updated_at"])
    meeting = ballot.meeting
    notify(
        kind="buildings.paper_ballot_disputed",
        recipients=_administrators(meeting.building),
        municipality=meeting.municipality,
        title=lambda: (
            _("An owner disputes a paper ballot: %(title)s") % {"title": meeting.title}
        ),
        body=reason[:300],
        url=lambda: meeting.get_absolute_url() + "manage/",
    )
    return ballot


@transaction.atomic
def paper_ballot_resolve(
    *, actor, ballot: PaperBallot, withdraw: bool, answer: str
) -> PaperBallot:
    """The administrator answers a dispute: confirms the ballot or withdraws its votes."""
    require(actor, "buildings.enter_paper_ballot", ballot.meeting)
    ballot = (
        PaperBallot.objects.select_for_update()
        .select_related("meeting")
        .get(pk=ballot.pk)
    )
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(_("Give your answer to the owner."))
    if ballot.meeting.status != Meeting.Status.ANNOUNCED:
        raise DomainError(
            _("The meeting is closed; its protocol can no longer change.")
        )
    if ballot.status not in (PaperBallot.Status.DISPUTED, PaperBallot.Status.COUNTED):
        raise Conflict(_("This ballot cannot be changed in its current state."))
    before = {"status": ballot.status}
    ballot.status = (
        PaperBallot.Status.WITHDRAWN if withdraw else PaperBallot.Status.COUNTED
    )
    ballot.resolution = answer[:2000]
    ballot.save(update_fields=["status", "resolution", "updated_at"])
    if withdraw:
        ballot.votes.all().delete()
    audit_record(
        actor=actor,
        municipality=ballot.meeting.municipality,
        action="buildings.paper_ballot_resolved",
        target=ballot,
        before=before,
        after={"status": ballot.status},
        reason=answer,
    )
    meeting = ballot.meeting
    notify(
        kind="buildings.paper_ballot_entered",
        recipients=_users_of_owners([ballot.owner]),
        municipality=meeting.municipality,
        title=lambda: (
            _("Your paper ballot was withdrawn")
            if withdraw
            else _("Your paper ballot stays counted")
        ),
        body=answer[:300],
        url=lambda: meeting.get_absolute_url() + "#my-ballot",
    )
    return ballot


@transaction.atomic
def meeting_close(
    *, actor, meeting: Meeting, now: dt.datetime | None = None
) -> Protocol:
    """After voting ends the administrator closes the meeting and the protocol is published.

    The protocol (PDF) holds the decisions, the turnout and the list of votes;
    the platform signs its SHA-256 digest so anyone can check a copy.
    """
    from .protocol import render_protocol
    from .selectors import meeting_results

    require(actor, "buildings.change_meeting", meeting)
    meeting = (
        Meeting.objects.select_for_update()
        .select_related("building__municipality")
        .get(pk=meeting.pk)
    )
    check_transition(MEETING_TRANSITIONS, meeting.status, Meeting.Status.CLOSED)
    now = now or timezone.now()
    if not meeting.voting_over(now):
        raise DomainError(_("The meeting can be closed once voting has ended."))
    if PaperBallot.objects.filter(
        meeting=meeting, status=PaperBallot.Status.DISPUTED
    ).exists():
        raise Conflict(
            _("Answer the disputed paper ballots before closing the meeting.")
        )
    meeting.status = Meeting.Status.CLOSED
    meeting.closed_at = now
    meeting.save(update_fields=["status", "closed_at", "updated_at"])
    protocol = Protocol(meeting=meeting)
    pdf = render_protocol(meeting, public_id=protocol.public_id, generated_at=now)
    protocol.sha256 = signing.digest_of(pdf)
    protocol.signature, protocol.key_id = signing.sign_digest(
        protocol.sha256, subject=f"protocol:{protocol.public_id}"
    )
    protocol.document.save(
        f"protocol-{protocol.public_id.hex}.pdf",
        ContentFile(pdf),
        save=False,
    )
    protocol.save()
    results = meeting_results(meeting)
    audit_record(
        actor=actor,
        municipality=meeting.municipality,
        action="buildings.meeting_closed",
        target=meeting,
        before={"status": Meeting.Status.ANNOUNCED},
        after={
            "status": meeting.status,
            "sha256": protocol.sha256,
            "adopted": [r.item.position for r in results.items if r.adopted],
        },
    )
    notify(
        kind="buildings.meeting_closed",
        recipients=_owner_users(meeting.building),
        municipality=meeting.municipality,
        title=lambda: (
            _("Results of the general meeting: %(title)s") % {"title": meeting.title}
        ),
        body=lambda: _("The protocol is published and signed by the platform."),
        url=meeting.get_absolute_url,
    )
    return protocol


# --- building cabinet -----------------------------------------------------------------


@transaction.atomic
def announcement_publish(
    *, actor, building: Building, title: str, body: str
) -> Announcement:
    """The administrator posts an announcement; the building's owners are told in-app."""
    require(actor, "buildings.add_announcement", building)
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("Give the announcement a title.")]
    if not body:
        errors["body"] = [_("Write the announcement.")]
    if errors:
        raise ValidationError(errors)
    announcement = Announcement.objects.create(
        building=building, title=title[:200], body=body, author=actor
    )
    audit_record(
        actor=actor,
        municipality=building.municipality,
        action="buildings.announcement_published",
        target=announcement,
    )
    notify(
        kind="buildings.announcement_published",
        recipients=_owner_users(building),
        municipality=building.municipality,
        title=lambda: (
            _("Announcement for %(address)s: %(title)s")
            % {"address": building.address, "title": announcement.title}
        ),
        body=body[:300],
        url=building.get_absolute_url,
    )
    return announcement


def board_post(*, actor, building: Building, body: str, parent=None):
    """An owner writes on the neighbours' board (the platform's moderated comments)."""
    from edem.participation.services import comment_create

    require(actor, "buildings.view_cabinet", building)
    return comment_create(actor=actor, target=building, body=body, parent=parent)


def fault_report(*, actor, building: Building, category, description: str, photos=()):
    """An owner reports a fault; it goes to the open city, routed to the building's management.

    Without an open-city organisation of the management the report is routed
    as any other report of the municipality.
    """
    from opencity.services import report_create

    require(actor, "buildings.view_cabinet", building)
    return report_create(
        actor=actor,
        municipality=building.municipality,
        category=category,
        description=description,
        lat=building.lat,
        lon=building.lon,
        address=building.address,
        photos=photos,
        route_to=building.management.organisation,
    )


def _months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


@transaction.atomic
def reading_submit(
    *,
    actor,
    premises: Premises,
    kind: str,
    period: dt.date,
    value,
    now: dt.datetime | None = None,
) -> MeterReading:
    """An owner submits a meter reading of their premises for a month.

    Plausibility: a reading never goes below the previous month's nor above
    the next one's, and the use since the previous reading stays within the
    largest plausible monthly use of that meter. A second reading of the same
    month corrects the first.
    """
    building = premises.building
    require(actor, "buildings.submit_reading", building)
    owner = owner_of(user=actor, building=building)
    if (
        owner is None
        or not Ownership.objects.filter(owner=owner, premises=premises).exists()
    ):
        raise PermissionRefused(
            _("You can submit readings only for your own premises.")
        )
    if kind not in MeterKind.values:
        raise ValidationError({"kind": [_("Choose a meter from the list.")]})
    today = timezone.localdate(now or timezone.now())
    period = period.replace(day=1)
    if period > today:
        raise ValidationError(
            {"period": [_("Readings are submitted for this or a past month.")]}
        )
    try:
        value = Decimal(str(value).replace(",", ".")).quantize(Decimal("0.001"))
    except InvalidOperation as exc:
        raise ValidationError({"value": [_("Enter the reading as a number.")]}) from exc
    if not value.is_finite() or value < 0 or value >= Decimal("1000000000"):
        raise ValidationError({"value": [_("Enter the reading as a number.")]})
    Premises.objects.select_for_update().filter(pk=premises.pk).first()
    readings = MeterReading.objects.filter(premises=premises, kind=kind)
    previous = readings.filter(period__lt=period).order_by("-period").first()
    following = readings.filter(period__gt=period).order_by("period").first()
    if previous is not None:
        if value < previous.value:
            raise ValidationError(
                {
                    "value": [
                        _(
                            "The reading is lower than the previous one (%(value)s for %(month)s)."
                        )
                        % {
                            "value": previous.value,
                            "month": previous.period.strftime("%m.%Y"),
                        }
                    ]
                }
            )
        limit = MAX_MONTHLY_USE[kind] * max(_months_between(previous.period, period), 1)
        if value - previous.value > limit:
            raise ValidationError(
                {
                    "value": [
                        _(
                            "The use since the previous reading (%(use)s) is implausibly high: at most "
                            "%(limit)s is expected. Check the number or contact the administrator."
                        )
                        % {"use": value - previous.value, "limit": limit}
                    ]
                }
            )
    if following is not None and value > following.value:
        raise ValidationError(
            {
                "value": [
                    _("The reading is higher than the next month's (%(value)s).")
                    % {"value": following.value}
                ]
            }
        )
    reading, _created = MeterReading.objects.update_or_create(
        premises=premises,
        kind=kind,
        period=period,
        defaults={"value": value, "submitted_by": owner},
    )
    return reading


def readings_csv(*, actor, building: Building, period: dt.date) -> str:
    """The month's meter readings of the building as CSV, for the management."""
    require(actor, "buildings.export_readings", building)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "premises",
            "kind",
            "meter",
            "period",
            "value",
            "previous",
            "use",
            "submitted_by",
            "submitted_at",
        ]
    )
    period = period.replace(day=1)
    rows = (
        MeterReading.objects.filter(premises__building=building, period=period)
        .select_related("premises", "submitted_by")
        .order_by("premises__number", "kind")
    )
    for reading in rows:
        previous = (
            MeterReading.objects.filter(
                premises=reading.premises, kind=reading.kind, period__lt=period
            )
            .order_by("-period")
            .values_list("value", flat=True)
            .first()
        )
        writer.writerow(
            [
                reading.premises.number,
                reading.premises.kind,
                reading.kind,
                reading.period.strftime("%Y-%m"),
                reading.value,
                previous if previous is not None else "",
                reading.value - previous if previous is not None else "",
                reading.submitted_by.full_name,
                timezone.localtime(reading.updated_at).isoformat(),
            ]
        )
    return out.getvalue()


# --- staff of the municipality: managements, buildings, administrators ------------------


def _changes(instance, data: Mapping, fields: Iterable[str]) -> tuple[dict, dict]:
    before = {name: getattr(instance, name, None) for name in fields}
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])
    after = {name: getattr(instance, name) for name in fields}
    return (
        {k: str(v) for k, v in before.items() if before[k] != after[k]},
        {k: str(v) for k, v in after.items() if before[k] != after[k]},
    )


MANAGEMENT_FIELDS = ("name", "kind", "organisation", "payment_url", "email", "phone")
BUILDING_FIELDS = (
    "management",
    "address",
    "lat",
    "lon",
    "notice_days",
    "votes_changeable",
    "paper_rule",
)


@transaction.atomic
def management_save(*, actor, municipality, data: Mapping, management=None):
    """A municipality admin registers or changes a building management.

    Its open-city organisation must be of the same municipality.
    """
    from .models import Management

    require(actor, "buildings.change_management", municipality)
    management = management or Management(municipality=municipality)
    organisation = data.get("organisation")
    if organisation is not None and organisation.municipality_id != municipality.pk:
        raise ValidationError(
            {"organisation": [_("Choose an organisation of the same municipality.")]}
        )
    creating = management.pk is None
    before, after = _changes(management, data, MANAGEMENT_FIELDS)
    management.full_clean()
    management.save()
    audit_record(
        actor=actor,
        municipality=municipality,
        action="buildings.management_created"
        if creating
        else "buildings.management_changed",
        target=management,
        before=before,
        after=after,
    )
    return management


@transaction.atomic
def building_save(
    *, actor, municipality, data: Mapping, building: Building | None = None
) -> Building:
    """A municipality admin registers a building or changes its rules.

    The notice period is at least 10 days. A meeting keeps the rules it was
    announced with, so changing them here never touches a running vote.
    """
    require(actor, "buildings.change_management", municipality)
    building = building or Building(municipality=municipality)
    management = data.get("management")
    if management is not None and management.municipality_id != municipality.pk:
        raise ValidationError(
            {"management": [_("Choose a management of the same municipality.")]}
        )
    creating = building.pk is None
    before, after = _changes(building, data, BUILDING_FIELDS)
    building.full_clean()
    building.save()
    audit_record(
        actor=actor,
        municipality=municipality,
        action="buildings.building_created"
        if creating
        else "buildings.building_changed",
        target=building,
        before=before,
        after=after,
    )
    return building


@transaction.atomic
def management_role_grant(*, actor, management, user, role: str):
    """A municipality admin makes a person the administrator (or a board member)."""
    from .models import ManagementRole

    require(actor, "buildings.change_management", management.municipality)
    if role not in ManagementRole.Role.values:
        raise ValidationError({"role": [_("Choose a role from the list.")]})
    grant, created = ManagementRole.objects.get_or_create(
        management=management, user=user, role=role
    )
    if not created:
        raise Conflict(_("This person already holds this role."))
    audit_record(
        actor=actor,
        municipality=management.municipality,
        action="buildings.role_granted",
        target=grant,
        after={"user": user.get_username(), "role": role},
    )
    return grant


@transaction.atomic
def management_role_revoke(*, actor, grant) -> None:
    require(actor, "buildings.change_management", grant.management.municipality)
    audit_record(
        actor=actor,
        municipality=grant.management.municipality,
        action="buildings.role_revoked",
        target=grant,
        before={"user": grant.user.get_username(), "role": grant.role},
    )
    grant.delete()


# --- linking by a match the administrator confirms ------------------------------------------


@transaction.atomic
def owner_claim(*, actor, building: Building, premises_number: str):
    """A verified person without an invitation code asks to be matched to an owner.

    The administrators are told; they compare the person's verified name with
    the register. One open request per person and building.
    """
    from .models import OwnerClaim

    require(actor, "buildings.link_owner")
    premises_number = (premises_number or "").strip()[:20]
    if not premises_number:
        raise ValidationError(
            {"premises_number": [_("Give the number of your premises.")]}
        )
    if owner_of(user=actor, building=building) is not None:
        raise Conflict(_("You are already an owner in this building's register."))
    try:
        with transaction.atomic():
            claim = OwnerClaim.objects.create(
                building=building,
                identity_id=actor.identity_id,
                premises_number=premises_number,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("Your request is already waiting for the administrator.")
        ) from exc
    notify(
        kind="buildings.owner_claimed",
        recipients=_administrators(building),
        municipality=building.municipality,
        title=lambda: (
            _("A person asks to be linked as an owner of %(address)s")
            % {"address": building.address}
        ),
        body=lambda: _("Premises %(number)s.") % {"number": premises_number},
        url=lambda: reverse(
            "buildings:manage",
            kwargs={"municipality": building.municipality.slug, "pk": building.pk},
        ),
    )
    return claim


@transaction.atomic
def owner_claim_decide(*, actor, claim, owner: Owner | None = None, reason: str = ""):
    """The administrator confirms the match with an owner of the register, or refuses it."""
    from edem.accounts.models import User

    from .models import OwnerClaim

    require(actor, "buildings.change_building", claim.building)
    claim = (
        OwnerClaim.objects.select_for_update()
        .select_related("building")
        .get(pk=claim.pk)
    )
    if claim.status != OwnerClaim.Status.PENDING:
        raise Conflict(_("This request is already decided."))
    if owner is None:
        reason = (reason or "").strip()
        if not reason:
            raise DomainError(_("Give the reason for refusing the request."))
        claim.status, claim.reason = OwnerClaim.Status.REFUSED, reason[:500]
    else:
        if owner.building_id != claim.building_id:
            raise DomainError(_("This owner is not in the building's register."))
        owner = _locked_owner(owner)
        if owner.identity_id:
            raise Conflict(_("This owner is already linked to a verified person."))
        if Owner.objects.filter(
            building=claim.building, identity_id=claim.identity_id
        ).exists():
            raise Conflict(
                _("This person is already an owner in this building's register.")
            )
        owner.identity_id = claim.identity_id
        owner.linked_at = timezone.now()
        owner.invitation_digest = ""
        owner.invitation_expires_at = None
        owner.save(
            update_fields=[
                "identity",
                "linked_at",
                "invitation_digest",
                "invitation_expires_at",
                "updated_at",
            ]
        )
        claim.status, claim.owner = OwnerClaim.Status.CONFIRMED, owner
    claim.decided_by = actor
    claim.save(update_fields=["status", "reason", "owner", "decided_by", "updated_at"])
    audit_record(
        actor=actor,
        municipality=claim.building.municipality,
        action="buildings.owner_claim_decided",
        target=claim,
        after={"status": claim.status, "owner": owner.pk if owner else None},
        reason=claim.reason,
    )
    building = claim.building
    notify(
        kind="buildings.owner_claimed",
        recipients=User.objects.filter(identity_id=claim.identity_id, is_active=True),
        municipality=building.municipality,
        title=lambda: (
            (
                _("You are linked as an owner of %(address)s")
                if owner
                else _("Your request to be linked to %(address)s is refused")
            )
            % {"address": building.address}
        ),
        body=claim.reason,
        url=building.get_absolute_url,
    )
    return claim


def meetings_opening_notify(*, now: dt.datetime | None = None) -> int:
    """Tell the owners of each announced meeting once that its voting has opened.

    Idempotent: a meeting is claimed with a conditional update, so two
    workers never tell the owners twice. Returns how many meetings were told.
    """
    now = now or timezone.now()
    told = 0
    due = Meeting.objects.filter(
        status=Meeting.Status.ANNOUNCED,
        voting_starts_at__lte=now,
        voting_ends_at__gt=now,
        opening_notified_at__isnull=True,
    ).values_list("pk", flat=True)
    for pk in list(due[:500]):
        with transaction.atomic():
            claimed = Meeting.objects.filter(
                pk=pk, opening_notified_at__isnull=True
            ).update(opening_notified_at=now)
            if not claimed:
                continue
            meeting = Meeting.objects.select_related("building__municipality").get(
                pk=pk
            )
            ends = meeting.voting_ends_at
            notify(
                kind="buildings.meeting_announced",
                recipients=_owner_users(meeting.building),
                municipality=meeting.municipality,
                title=lambda m=meeting: (
                    _("Voting is open: %(title)s") % {"title": m.title}
                ),
                body=lambda e=ends: (
                    _("Vote online until %(end)s.")
                    % {"end": timezone.localtime(e).strftime("%d.%m.%Y %H:%M")}
                ),
                url=meeting.get_absolute_url,
            )
            told += 1
    return told
