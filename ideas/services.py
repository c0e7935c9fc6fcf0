"""Every write and state change of the module: <entity>_<verb>(*, actor, ...).

A campaign's phases decide what residents may do: ideas are proposed and
edited while proposals are open, supported and commented while discussion
runs. Moderators hide ideas with a public reason and merge duplicates; the
commission shortlists and selects once the selection phase has begun, with a
public decision per idea; selected ideas receive dated implementation
updates that their followers hear about. Every staff step is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from edem.accounts.eligibility import Eligibility, eligibility_check
from edem.accounts.models import Identity
from edem.core.errors import Conflict, DomainError, PermissionRefused
from edem.core.geo import area_contains
from edem.core.transitions import check_transition
from edem.core.uploads import clean_image
from edem.municipalities.models import Municipality
from edem.notifications.services import notify
from edem.participation.audit import audit_record
from edem.participation.models import Comment, Feature, Follow, Phase, Process
from edem.participation.permissions import require
from edem.participation.selectors import follower_list
from edem.participation.services import comment_create, follow_set

from .models import (
    PHASE_FEATURES,
    PHASE_ORDER,
    SUPPORTABLE_STATUSES,
    TRANSITIONS,
    Campaign,
    CommissionMember,
    Idea,
    ImplementationUpdate,
    PhaseKind,
    SubTopic,
    Support,
)

logger = logging.getLogger(__name__)

Status = Idea.Status

TITLE_MIN_LENGTH = 10
TITLE_MAX_LENGTH = 200
TEXT_MIN_LENGTH = 30
TEXT_MAX_LENGTH = 5000
# Markup of any kind: ideas are shown as plain text and never rewritten, so
# anything that looks like HTML is refused instead of silently escaped away.
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]|javascript\s*:", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- phases and eligibility ---------------------------------------------------------


def phase_kind_now(campaign: Campaign, at: dt.datetime | None = None) -> str | None:
    phase = campaign.current_phase(at)
    return phase.kind if phase else None


def _phase(campaign: Campaign, kind: str) -> Phase | None:
    return campaign.process.phases.filter(kind=kind).first()


def _require_open(campaign: Campaign, feature: str, refusal: str) -> None:
    if not campaign.is_published or not campaign.is_open_for(feature):
        raise DomainError(refusal, code="phase_closed")


def eligibility_for(actor, campaign: Campaign, action: str = "ideas.take_part") -> Eligibility:
    """The eligibility answer shown next to the buttons (no exception)."""
    identity = getattr(actor, "identity", None) if actor.is_authenticated else None
    return eligibility_check(identity, campaign.municipality, action, process=campaign.process)


def _require_eligible(actor, campaign: Campaign, action: str) -> None:
    result = eligibility_check(
        actor.identity, campaign.municipality, action, process=campaign.process
    )
    if not result.allowed:
        raise PermissionRefused(result.reason, code=result.code)


def _require_author(actor, idea: Idea) -> None:
    """The author's steps are the author's alone, even for a platform admin."""
    if getattr(actor, "pk", None) != idea.author_id:
        raise PermissionRefused(_("Only the author can do this."))


def _locked(idea: Idea) -> Idea:
    return (
        Idea.objects.select_for_update(of=("self",))
        .select_related("municipality", "campaign", "campaign__process")
        .get(pk=idea.pk)
    )


def _snapshot(idea: Idea) -> dict[str, Any]:
    return {"status": idea.status, "supports": idea.support_count}


# --- campaigns (municipality admins) ------------------------------------------------


def _clean_phases(
    phases: Mapping[str, tuple[dt.datetime, dt.datetime]],
) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """Four phases in their order; each ends after it starts and none overlap."""
    errors: dict[str, list[str]] = {}
    ordered = []
    for kind in PHASE_ORDER:
        window = phases.get(kind)
        if not window or window[0] is None or window[1] is None:
            errors.setdefault("phases", []).append(
                _("Set the start and the end of the %(phase)s phase.")
                % {"phase": PhaseKind(kind).label}
            )
            continue
        starts, ends = window
        if ends <= starts:
            errors.setdefault("phases", []).append(
                _("The %(phase)s phase must end after it starts.")
                % {"phase": PhaseKind(kind).label}
            )
        ordered.append((kind, starts, ends))
    for (kind_a, _s, ends_a), (kind_b, starts_b, _e) in zip(
        ordered, ordered[1:], strict=False
    ):
        if starts_b < ends_a:
            errors.setdefault("phases", []).append(
                _("The %(next)s phase may start only when the %(previous)s phase ends.")
                % {"next": PhaseKind(kind_b).label, "previous": PhaseKind(kind_a).label}
            )
    if errors:
        raise ValidationError(errors)
    return ordered


def _clean_campaign_fields(
    *, title: str, description: str, ideas_per_person: int, subtopics: Iterable[str]
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    description = (description or "").strip()
    topics = []
    for topic in subtopics or ():
        topic = (topic or "").strip()
        if topic and topic not in topics:
            topics.append(topic[:200])
    if not title:
        errors.setdefault("title", []).append(_("Write the theme of the campaign."))
    if not description:
        errors.setdefault("description", []).append(_("Describe the campaign."))
    if not topics:
        errors.setdefault("subtopics", []).append(
            _("Give at least one sub-topic or question.")
        )
    if ideas_per_person is None or not 0 <= int(ideas_per_person) <= 100:
        errors.setdefault("ideas_per_person", []).append(
            _("The limit of ideas per person must be between 0 and 100.")
        )
    if errors:
        raise ValidationError(errors)
    return {"title": title[:200], "description": description,
            "ideas_per_person": int(ideas_per_person), "subtopics": topics}


def campaign_validate(
    *,
    campaign: Campaign | None = None,
    title: str,
    description: str,
    ideas_per_person: int,
    subtopics: Iterable[str],
    phases: Mapping[str, tuple[dt.datetime, dt.datetime]],
) -> tuple[dict[str, Any], list]:
    """Check a campaign's fields, phases and sub-topics; every problem is reported.

    A sub-topic that already has ideas cannot be dropped. Forms call this to
    show the problems next to the fields; the services call it before writing.
    """
    errors: dict[str, list] = {}
    fields, ordered = {}, []
    try:
        fields = _clean_campaign_fields(
            title=title, description=description, ideas_per_person=ideas_per_person,
            subtopics=subtopics,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        ordered = _clean_phases(phases)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if campaign is not None and campaign.pk and fields:
        kept = set(fields["subtopics"])
        for subtopic in campaign.subtopics.exclude(title__in=kept).filter(
            ideas__isnull=False
        ).distinct():
            errors.setdefault("subtopics", []).append(
                _("The sub-topic “%(title)s” has ideas and cannot be removed.")
                % {"title": subtopic.title}
            )
    if errors:
        raise ValidationError(errors)
    return fields, ordered


def _set_phases(process: Process, ordered) -> None:
    existing = {phase.kind: phase for phase in process.phases.all()}
    for kind, starts, ends in ordered:
        phase = existing.get(kind) or Phase(process=process, kind=kind)
        phase.title = str(PhaseKind(kind).label)
        phase.starts_at, phase.ends_at = starts, ends
        phase.features = list(PHASE_FEATURES[kind])
        phase.save()


def _set_subtopics(campaign: Campaign, topics: list[str]) -> None:
    """Keep the named sub-topics in the given order; one with ideas is never removed."""
    existing = {s.title: s for s in campaign.subtopics.all()}
    for order, title in enumerate(topics):
        subtopic = existing.pop(title, None) or SubTopic(campaign=campaign, title=title)
        subtopic.order = order
        subtopic.save()
    for subtopic in existing.values():
        if subtopic.ideas.exists():
            raise ValidationError(
                {"subtopics": _("The sub-topic “%(title)s” has ideas and cannot be removed.")
                 % {"title": subtopic.title}}
            )
        subtopic.delete()


def _store_cover(campaign: Campaign, cover) -> None:
    if cover:
        content = clean_image(cover)
        campaign.cover.save(content.name, content, save=False)


def _campaign_state(campaign: Campaign) -> dict[str, Any]:
    return {
        "title": campaign.title,
        "ideas_per_person": campaign.ideas_per_person,
        "published": campaign.is_published,
        "subtopics": list(campaign.subtopics.values_list("title", flat=True)),
        "phases": {
            p.kind: [p.starts_at, p.ends_at] for p in campaign.process.phases.all()
        },
        "min_age": campaign.process.min_age,
        "residency_required": campaign.process.residency_required,
        "accepted_auth_methods": campaign.process.accepted_auth_methods,
    }


@transaction.atomic
def campaign_create(
    *,
    actor,
    municipality: Municipality,
    title: str,
    description: str,
    subtopics: Iterable[str],
    phases: Mapping[str, tuple[dt.datetime, dt.datetime]],
    ideas_per_person: int = 3,
    cover=None,
    min_age: int | None = None,
    residency_required: bool | None = None,
    accepted_auth_methods: Iterable[str] = (),
    publish: bool = False,
) -> Campaign:
    """A municipality admin opens a campaign: theme, sub-topics, phase dates, rules.

    The campaign's eligibility narrows the municipality's policy (a higher
    minimum age, residents only, fewer login methods), never widens it.
    """
    require(actor, "ideas.change_campaign", municipality)
    fields, ordered = campaign_validate(
        title=title, description=description, ideas_per_person=ideas_per_person,
        subtopics=subtopics, phases=phases,
    )
    process = Process.objects.create(
        municipality=municipality, module="ideas", title=fields["title"],
        description=fields["description"], min_age=min_age,
        residency_required=residency_required,
        accepted_auth_methods=list(accepted_auth_methods or []),
    )
    campaign = Campaign(
        municipality=municipality, process=process, title=fields["title"],
        description=fields["description"], ideas_per_person=fields["ideas_per_person"],
        published_at=timezone.now() if publish else None,
    )
    _store_cover(campaign, cover)
    campaign.save()
    _set_phases(process, ordered)
    _set_subtopics(campaign, fields["subtopics"])
    audit_record(
        actor=actor, municipality=municipality, action="ideas.campaign_created",
        target=campaign, after=_campaign_state(campaign),
    )
    return campaign


@transaction.atomic
def campaign_update(
    *,
    actor,
    campaign: Campaign,
    title: str,
    description: str,
    subtopics: Iterable[str],
    phases: Mapping[str, tuple[dt.datetime, dt.datetime]],
    ideas_per_person: int,
    cover=None,
    min_age: int | None = None,
    residency_required: bool | None = None,
    accepted_auth_methods: Iterable[str] = (),
    publish: bool = False,
) -> Campaign:
    """A municipality admin changes the campaign; before and after go to the audit log."""
    require(actor, "ideas.change_campaign", campaign)
    campaign = Campaign.objects.select_for_update().select_related("process").get(
        pk=campaign.pk
    )
    fields, ordered = campaign_validate(
        campaign=campaign, title=title, description=description,
        ideas_per_person=ideas_per_person, subtopics=subtopics, phases=phases,
    )
    before = _campaign_state(campaign)
    campaign.title = fields["title"]
    campaign.description = fields["description"]
    campaign.ideas_per_person = fields["ideas_per_person"]
    if publish and not campaign.published_at:
        campaign.published_at = timezone.now()
    elif not publish and campaign.published_at:
        if campaign.ideas.exists():
            raise ValidationError(
                {"publish": _("A campaign with ideas cannot be taken off the site.")}
            )
        campaign.published_at = None
    _store_cover(campaign, cover)
    campaign.save()
    process = campaign.process
    process.title, process.description = campaign.title, campaign.description
    process.min_age = min_age
    process.residency_required = residency_required
    process.accepted_auth_methods = list(accepted_auth_methods or [])
    process.save()
    _set_phases(process, ordered)
    _set_subtopics(campaign, fields["subtopics"])
    audit_record(
        actor=actor, municipality=campaign.municipality, action="ideas.campaign_changed",
        target=campaign, before=before, after=_campaign_state(campaign),
    )
    return campaign


@transaction.atomic
def commission_member_add(*, actor, campaign: Campaign, user) -> CommissionMember:
    """A municipality admin appoints a staff member to the campaign's commission."""
    require(actor, "ideas.change_campaign", campaign)
    if not user.municipality_roles.filter(municipality=campaign.municipality).exists():
        raise DomainError(_("Only the municipality's staff can sit on the commission."))
    try:
        with transaction.atomic():
            member = CommissionMember.objects.create(campaign=campaign, user=user)
    except IntegrityError as exc:
        raise Conflict(_("This person is already on the commission.")) from exc
    audit_record(
        actor=actor, municipality=campaign.municipality,
        action="ideas.commission_member_added", target=campaign,
        after={"member": user.get_username()},
    )
    return member


@transaction.atomic
def commission_member_remove(*, actor, member: CommissionMember) -> None:
    require(actor, "ideas.change_campaign", member.campaign)
    audit_record(
        actor=actor, municipality=member.campaign.municipality,
        action="ideas.commission_member_removed", target=member.campaign,
        before={"member": member.user.get_username()},
    )
    member.delete()


# --- residents: ideas ---------------------------------------------------------------


def _clean_point(lat, lon, municipality: Municipality) -> tuple[Decimal | None, Decimal | None]:
    if lat in (None, "") and lon in (None, ""):
        return None, None
    if lat in (None, "") or lon in (None, ""):
        raise ValidationError({"lat": _("Give both the latitude and the longitude.")})
    try:
        lat_d = Decimal(str(lat)).quantize(Decimal("0.000001"))
        lon_d = Decimal(str(lon)).quantize(Decimal("0.000001"))
    except InvalidOperation as exc:
        raise ValidationError({"lat": _("The coordinates must be numbers.")}) from exc
    if not (-90 <= lat_d <= 90 and -180 <= lon_d <= 180):
        raise ValidationError({"lat": _("The coordinates are outside the map.")})
    if municipality.boundary and not area_contains(municipality.boundary, lat_d, lon_d):
        raise ValidationError(
            {"lat": _("The place must be inside %(municipality)s.")
             % {"municipality": municipality.name}}
        )
    return lat_d, lon_d


def _clean_idea(
    campaign: Campaign, *, title: str, text: str, subtopic_id
) -> dict[str, Any]:
    """Validate the author's fields; every problem is reported, nothing is rewritten."""
    title = (title or "").strip()
    text = (text or "").strip()
    errors: dict[str, list[str]] = {}
    if len(title) < TITLE_MIN_LENGTH:
        errors.setdefault("title", []).append(
            _("The title must have at least %(n)d characters.") % {"n": TITLE_MIN_LENGTH}
        )
    elif len(title) > TITLE_MAX_LENGTH:
        errors.setdefault("title", []).append(
            _("The title may have at most %(n)d characters (now %(len)d).")
            % {"n": TITLE_MAX_LENGTH, "len": len(title)}
        )
    if len(text) < TEXT_MIN_LENGTH:
        errors.setdefault("text", []).append(
            _("Describe the idea in at least %(n)d characters.") % {"n": TEXT_MIN_LENGTH}
        )
    elif len(text) > TEXT_MAX_LENGTH:
        errors.setdefault("text", []).append(
            _("The text may have at most %(n)d characters (now %(len)d).")
            % {"n": TEXT_MAX_LENGTH, "len": len(text)}
        )
    for name, value in (("title", title), ("text", text)):
        if _MARKUP.search(value) or _CONTROL.search(value):
            errors.setdefault(name, []).append(
                _("Use plain text only: HTML tags and scripts are not allowed.")
            )
    subtopic = None
    try:
        subtopic = campaign.subtopics.filter(pk=int(subtopic_id)).first()
    except (TypeError, ValueError):
        subtopic = None
    if subtopic is None:
        errors.setdefault("subtopic", []).append(
            _("Choose a sub-topic of this campaign.")
        )
    if errors:
        raise ValidationError(errors)
    return {"title": title, "text": text, "subtopic": subtopic}


def _require_within_limit(actor, campaign: Campaign) -> None:
    """At most ``ideas_per_person`` ideas per person (merged ones do not count).

    The person's identity row is locked, so two ideas sent at once by the
    same person (from any of their accounts) are counted one after the other.
    """
    if not campaign.ideas_per_person:
        return
    Identity.objects.select_for_update().filter(pk=actor.identity_id).first()
    count = (
        Idea.objects.filter(campaign=campaign, author_identity_id=actor.identity_id)
        .exclude(status=Status.MERGED)
        .count()
    )
    if count >= campaign.ideas_per_person:
        raise DomainError(
            _("You have already proposed %(n)d ideas in this campaign, the most allowed.")
            % {"n": count},
            code="limit_reached",
        )


@transaction.atomic
def idea_create(
    *,
    actor,
    campaign: Campaign,
    title: str,
    text: str,
    subtopic_id,
    image=None,
    lat=None,
    lon=None,
) -> Idea:
    """An eligible resident proposes an idea while the proposal phase is open.

    The idea is public at once (moderators hide what breaks the rules); the
    author follows it, so they hear about comments, decisions and updates.
    """
    require(actor, "ideas.add_idea", campaign)
    _require_open(
        campaign, Feature.SUBMIT,
        _("Ideas can be proposed only while the proposal phase is open."),
    )
    _require_eligible(actor, campaign, "ideas.propose")
    fields = _clean_idea(campaign, title=title, text=text, subtopic_id=subtopic_id)
    lat_d, lon_d = _clean_point(lat, lon, campaign.municipality)
    _require_within_limit(actor, campaign)
    idea = Idea(
        municipality=campaign.municipality, campaign=campaign, author=actor,
        author_identity_id=actor.identity_id, lat=lat_d, lon=lon_d, **fields,
    )
    if image:
        content = clean_image(image)
        idea.image.save(content.name, content, save=False)
    idea.save()
    follow_set(actor=actor, target=idea, following=True)
    return idea


@transaction.atomic
def idea_update(
    *,
    actor,
    idea: Idea,
    title: str,
    text: str,
    subtopic_id,
    image=None,
    remove_image: bool = False,
    lat=None,
    lon=None,
) -> Idea:
    """The author changes their idea while the proposal phase is open."""
    require(actor, "ideas.change_idea", idea)
    _require_author(actor, idea)
    idea = _locked(idea)
    campaign = idea.campaign
    _require_open(
        campaign, Feature.SUBMIT,
        _("Ideas can be changed only while the proposal phase is open."),
    )
    if idea.status != Status.PUBLISHED:
        raise DomainError(
            _("This idea can no longer be changed."), code="transition_refused"
        )
    fields = _clean_idea(campaign, title=title, text=text, subtopic_id=subtopic_id)
    idea.lat, idea.lon = _clean_point(lat, lon, campaign.municipality)
    for name, value in fields.items():
        setattr(idea, name, value)
    if image:
        content = clean_image(image)
        idea.image.save(content.name, content, save=False)
    elif remove_image and idea.image:
        idea.image.delete(save=False)
        idea.image = ""
    idea.save()
    return idea


@transaction.atomic
def idea_withdraw(*, actor, idea: Idea, reason: str = "") -> Idea:
    """The author withdraws their idea before the commission's selection begins.

    The idea leaves the lists but keeps its page, which says that the author
    withdrew it (and why, if they said); supports and comments stay as they
    were. It still counts towards the author's limit of ideas, so withdrawing
    is no way round the limit. The people following the idea (its supporters)
    are told, and the step is in the audit log.
    """
    require(actor, "ideas.change_idea", idea)
    _require_author(actor, idea)
    reason = (reason or "").strip()
    if len(reason) > TEXT_MAX_LENGTH:
        raise DomainError(
            _("The reason may have at most %(n)d characters.") % {"n": TEXT_MAX_LENGTH}
        )
    if _MARKUP.search(reason) or _CONTROL.search(reason):
        raise DomainError(_("Use plain text only: HTML tags and scripts are not allowed."))
    idea = _locked(idea)
    selection = _phase(idea.campaign, PhaseKind.SELECTION)
    if selection is not None and timezone.now() >= selection.starts_at:
        raise DomainError(
            _("An idea can be withdrawn only before the commission's selection begins."),
            code="phase_closed",
        )
    if idea.status != Status.PUBLISHED:
        raise DomainError(
            _("Only a published idea can be withdrawn."), code="transition_refused"
        )
    check_transition(TRANSITIONS, idea.status, Status.WITHDRAWN)
    before = _snapshot(idea)
    idea.status = Status.WITHDRAWN
    idea.withdrawal_reason = reason
    idea.save(update_fields=["status", "withdrawal_reason", "updated_at"])
    audit_record(
        actor=actor, municipality=idea.municipality, action="ideas.idea_withdrawn",
        target=idea, before=before, after={"status": idea.status}, reason=reason,
    )
    notify(
        kind="ideas.idea_withdrawn",
        recipients=[u for u in follower_list(target=idea) if u.pk != actor.pk],
        municipality=idea.municipality,
        title=lambda: _("The author withdrew the idea: %(title)s") % {"title": idea.title},
        body=reason[:300], url=idea.get_absolute_url,
    )
    return idea


# --- residents: supports and comments ------------------------------------------------


@transaction.atomic
def support_create(*, actor, idea: Idea) -> Support:
    """An eligible person supports an idea once, while discussion runs.

    The idea's row is locked first, so a support never lands on an idea that
    a moderator is merging or hiding at the same moment; a second support of
    the same person (from any of their accounts, also two at once) is refused
    by the unique constraint and answered "already supported".
    """
    require(actor, "ideas.support_idea", idea)
    idea = _locked(idea)
    campaign = idea.campaign
    _require_open(
        campaign, Feature.SUPPORT,
        _("Ideas can be supported only while the discussion phase is open."),
    )
    if idea.status not in SUPPORTABLE_STATUSES:
        raise DomainError(_("This idea cannot be supported."), code="transition_refused")
    if idea.author_identity_id == actor.identity_id:
        raise DomainError(_("You cannot support your own idea."), code="own_idea")
    _require_eligible(actor, campaign, "ideas.support")
    try:
        with transaction.atomic():
            support = Support.objects.create(
                idea=idea, identity_id=actor.identity_id, user=actor
            )
    except IntegrityError as exc:
        raise Conflict(
            _("You have already supported this idea."), code="already_supported"
        ) from exc
    Idea.objects.filter(pk=idea.pk).update(support_count=F("support_count") + 1)
    follow_set(actor=actor, target=idea, following=True)
    return support


@transaction.atomic
def support_withdraw(*, actor, idea: Idea) -> None:
    """A person takes their support back while discussion still runs."""
    require(actor, "ideas.support_idea", idea)
    idea = _locked(idea)
    _require_open(
        idea.campaign, Feature.SUPPORT,
        _("Supports can be changed only while the discussion phase is open."),
    )
    deleted, _rows = Support.objects.filter(
        idea=idea, identity_id=actor.identity_id
    ).delete()
    if not deleted:
        raise DomainError(_("You have not supported this idea."), code="not_supported")
    Idea.objects.filter(pk=idea.pk).update(support_count=F("support_count") - deleted)


@transaction.atomic
def idea_comment(*, actor, idea: Idea, body: str, parent: Comment | None = None) -> Comment:
    """An eligible person comments on an idea (or replies) while discussion runs.

    The idea's author hears about it, unless they wrote the comment.
    """
    require(actor, "ideas.comment_idea", idea)
    campaign = idea.campaign
    _require_open(
        campaign, Feature.COMMENT,
        _("Ideas can be discussed only while the discussion phase is open."),
    )
    if idea.status not in SUPPORTABLE_STATUSES:
        raise DomainError(
            _("This idea is closed for comments."), code="transition_refused"
        )
    _require_eligible(actor, campaign, "ideas.comment")
    comment = comment_create(actor=actor, target=idea, body=body, parent=parent)
    Idea.objects.filter(pk=idea.pk).update(comment_count=F("comment_count") + 1)
    if idea.author_id != actor.pk and (parent is None or parent.author_id != idea.author_id):
        notify(
            kind="ideas.idea_commented", recipients=[idea.author],
            municipality=idea.municipality,
            title=lambda: _("New comment on your idea: %(title)s") % {"title": idea.title},
            body=comment.body[:300], url=idea.get_absolute_url,
        )
    return comment


# --- moderators ---------------------------------------------------------------------


@transaction.atomic
def idea_hide(*, actor, idea: Idea, reason: str) -> Idea:
    """A moderator hides an idea that breaks the rules, with a public reason.

    The text is kept unchanged; the page shows the reason in its place and
    the author is told.
    """
    require(actor, "ideas.moderate_idea", idea)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for hiding the idea."))
    idea = _locked(idea)
    check_transition(TRANSITIONS, idea.status, Status.HIDDEN)
    before = _snapshot(idea)
    idea.status = Status.HIDDEN
    idea.hidden_reason = reason
    idea.save(update_fields=["status", "hidden_reason", "updated_at"])
    audit_record(
        actor=actor, municipality=idea.municipality, action="ideas.idea_hidden",
        target=idea, before=before, after={"status": idea.status}, reason=reason,
    )
    notify(
        kind="ideas.idea_hidden", recipients=[idea.author],
        municipality=idea.municipality,
        title=lambda: _("Your idea was hidden by a moderator: %(title)s") % {"title": idea.title},
        body=reason, url=idea.get_absolute_url,
    )
    return idea


@transaction.atomic
def idea_restore(*, actor, idea: Idea, reason: str = "") -> Idea:
    """A moderator shows a hidden idea again."""
    require(actor, "ideas.moderate_idea", idea)
    idea = _locked(idea)
    check_transition(TRANSITIONS, idea.status, Status.PUBLISHED)
    if idea.status != Status.HIDDEN:
        raise DomainError(_("Only a hidden idea can be shown again."),
                          code="transition_refused")
    before = {**_snapshot(idea), "hidden_reason": idea.hidden_reason}
    idea.status = Status.PUBLISHED
    idea.hidden_reason = ""
    idea.save(update_fields=["status", "hidden_reason", "updated_at"])
    audit_record(
        actor=actor, municipality=idea.municipality, action="ideas.idea_restored",
        target=idea, before=before, after={"status": idea.status}, reason=reason,
    )
    return idea


@transaction.atomic
def idea_merge(*, actor, idea: Idea, into: Idea, reason: str) -> Idea:
    """A moderator merges a duplicate into another idea of the same campaign.

    The duplicate's supports move over; a person who supported both keeps one
    support. The duplicate's followers follow the remaining idea; both authors
    are told. Returns the remaining idea.
    """
    require(actor, "ideas.moderate_idea", idea)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the ideas are duplicates."))
    if idea.pk == into.pk:
        raise DomainError(_("An idea cannot be merged into itself."))
    if idea.campaign_id != into.campaign_id:
        raise DomainError(_("Only ideas of the same campaign can be merged."))
    # Lock both rows in a fixed order, so two opposite merges cannot deadlock.
    locked = {
        i.pk: i
        for i in Idea.objects.select_for_update(of=("self",))
        .select_related("municipality", "campaign")
        .filter(pk__in=[idea.pk, into.pk])
        .order_by("pk")
    }
    duplicate, target = locked[idea.pk], locked[into.pk]
    check_transition(TRANSITIONS, duplicate.status, Status.MERGED)
    if target.status not in SUPPORTABLE_STATUSES:
        raise DomainError(_("The idea to merge into must be published."))
    before = {"duplicate": _snapshot(duplicate), "target": _snapshot(target)}
    both = Support.objects.filter(idea=target).values("identity_id")
    moved = Support.objects.filter(idea=duplicate).exclude(identity_id__in=both).update(
        idea=target
    )
    dropped, _rows = Support.objects.filter(idea=duplicate).delete()
    target.support_count = Support.objects.filter(idea=target).count()
    target.save(update_fields=["support_count", "updated_at"])
    duplicate.status = Status.MERGED
    duplicate.merged_into = target
    duplicate.support_count = 0
    duplicate.save(update_fields=["status", "merged_into", "support_count", "updated_at"])
    content_type = ContentType.objects.get_for_model(Idea)
    Follow.objects.bulk_create(
        [
            Follow(municipality=target.municipality, user_id=user_id,
                   content_type=content_type, object_id=target.pk)
            for user_id in Follow.objects.filter(
                content_type=content_type, object_id=duplicate.pk
            ).values_list("user_id", flat=True)
        ],
        ignore_conflicts=True,
    )
    audit_record(
        actor=actor, municipality=duplicate.municipality, action="ideas.idea_merged",
        target=duplicate, before=before,
        after={"merged_into": target.pk, "moved_supports": moved,
               "supports_of_people_who_supported_both": dropped,
               "target_supports": target.support_count},
        reason=reason,
    )
    notify(
        kind="ideas.idea_merged", recipients=[duplicate.author, target.author],
        municipality=duplicate.municipality,
        title=lambda: (_("“%(duplicate)s” was merged into “%(target)s”")
        % {"duplicate": duplicate.title, "target": target.title}),
        body=reason, url=target.get_absolute_url,
    )
    return target


# --- the commission -----------------------------------------------------------------


def _require_selection_started(campaign: Campaign) -> None:
    selection = _phase(campaign, PhaseKind.SELECTION)
    if selection is None or timezone.now() < selection.starts_at:
        raise DomainError(
            _("The commission decides only once the selection phase has begun."),
            code="phase_closed",
        )


@transaction.atomic
def idea_shortlist(*, actor, idea: Idea, shortlisted: bool = True) -> Idea:
    """The commission puts an idea on the shortlist (or takes it off)."""
    require(actor, "ideas.decide_idea", idea)
    idea = _locked(idea)
    _require_selection_started(idea.campaign)
    target = Status.SHORTLISTED if shortlisted else Status.PUBLISHED
    check_transition(TRANSITIONS, idea.status, target)
    if not shortlisted and idea.status != Status.SHORTLISTED:
        raise DomainError(_("The idea is not on the shortlist."), code="transition_refused")
    before = _snapshot(idea)
    idea.status = target
    idea.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, municipality=idea.municipality,
        action="ideas.idea_shortlisted" if shortlisted else "ideas.idea_unshortlisted",
        target=idea, before=before, after={"status": idea.status},
    )
    return idea


@transaction.atomic
def idea_decide(*, actor, idea: Idea, selected: bool, decision: str) -> Idea:
    """The commission selects an idea for implementation, or not, with a public decision.

    Only shortlisted ideas can be selected; any listed idea can be declined.
    The author and the followers (supporters follow) are told.
    """
    require(actor, "ideas.decide_idea", idea)
    decision = (decision or "").strip()
    if not decision:
        raise DomainError(_("Write the commission's decision: it is published."))
    idea = _locked(idea)
    _require_selection_started(idea.campaign)
    target = Status.SELECTED if selected else Status.NOT_SELECTED
    check_transition(TRANSITIONS, idea.status, target)
    before = _snapshot(idea)
    idea.status = target
    idea.decision_text = decision
    idea.decided_at = timezone.now()
    if selected:
        idea.implementation = Idea.Implementation.PLANNED
    idea.save(update_fields=["status", "decision_text", "decided_at", "implementation",
                             "updated_at"])
    audit_record(
        actor=actor, municipality=idea.municipality,
        action="ideas.idea_selected" if selected else "ideas.idea_not_selected",
        target=idea, before=before, after={"status": idea.status}, reason=decision,
    )
    def title() -> str:
        text = (
            _("The idea was selected for implementation: %(title)s")
            if selected else _("The idea was not selected: %(title)s")
        )
        return text % {"title": idea.title}

    notify(
        kind="ideas.idea_decided",
        recipients=[idea.author, *follower_list(target=idea)],
        municipality=idea.municipality, title=title, body=decision[:300],
        url=idea.get_absolute_url,
    )
    return idea


@transaction.atomic
def implementation_update_create(
    *,
    actor,
    idea: Idea,
    text: str,
    implementation: str,
    happened_on: dt.date | None = None,
) -> ImplementationUpdate:
    """The commission or an official reports progress on a selected idea.

    The update is dated (the day the work happened, never in the future) and
    sets the idea's implementation status; the author and the idea's
    followers (supporters follow) hear about it.
    """
    require(actor, "ideas.report_implementation", idea)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write what has been done."))
    if implementation not in Idea.Implementation.values:
        raise DomainError(_("Choose the implementation status."))
    idea = _locked(idea)
    if idea.status != Status.SELECTED:
        raise DomainError(
            _("Only a selected idea receives implementation updates."),
            code="transition_refused",
        )
    today = idea.municipality.local_today()
    happened_on = happened_on or today
    if happened_on > today:
        raise DomainError(_("The date of an update cannot be in the future."))
    update = ImplementationUpdate.objects.create(
        idea=idea, author=actor, happened_on=happened_on,
        implementation=implementation, text=text,
    )
    before = {"implementation": idea.implementation}
    idea.implementation = implementation
    idea.save(update_fields=["implementation", "updated_at"])
    audit_record(
        actor=actor, municipality=idea.municipality,
        action="ideas.implementation_updated", target=idea, before=before,
        after={"implementation": implementation, "update": update.pk,
               "happened_on": happened_on},
    )
    notify(
        kind="ideas.implementation_updated",
        recipients=[idea.author, *follower_list(target=idea)],
        municipality=idea.municipality,
        title=lambda: _("Implementation update: %(title)s") % {"title": idea.title},
        body=lambda: f"{idea.get_implementation_display()}. {text[:300]}",
        url=idea.get_absolute_url,
    )
    return update


# --- counters -----------------------------------------------------------------------


def idea_counts_reconcile(*, fix: bool = True) -> list[dict[str, int]]:
    """Compare every idea's support and comment copies with the rows; report drift.

    Comments count whether visible or hidden by a moderator (the discussion
    took place). Drift means a bug or a manual edit: it is logged and, with
    ``fix``, the copies are set from the rows, one idea at a time under its
    lock.
    """
    content_type = ContentType.objects.get_for_model(Idea)
    supports = Support.objects.filter(idea=OuterRef("pk")).values("idea").annotate(
        n=Count("pk")
    ).values("n")
    comments = Comment.objects.filter(
        content_type=content_type, object_id=OuterRef("pk")
    ).values("object_id").annotate(n=Count("pk")).values("n")
    drifted = (
        Idea.objects.annotate(
            rows_supports=Coalesce(Subquery(supports), 0),
            rows_comments=Coalesce(Subquery(comments), 0),
        )
        .filter(~Q(support_count=F("rows_supports")) | ~Q(comment_count=F("rows_comments")))
        .values_list("pk", "support_count", "rows_supports", "comment_count",
                     "rows_comments")
    )
    drift = []
    for pk, counted_s, rows_s, counted_c, rows_c in drifted:
        drift.append({"idea": pk, "supports": rows_s, "counted_supports": counted_s,
                      "comments": rows_c, "counted_comments": counted_c})
        logger.error(
            "idea %s count drift: supports rows=%s counted=%s, comments rows=%s counted=%s",
            pk, rows_s, counted_s, rows_c, counted_c,
        )
        if fix:
            with transaction.atomic():
                Idea.objects.select_for_update().filter(pk=pk).first()
                Idea.objects.filter(pk=pk).update(
                    support_count=Support.objects.filter(idea_id=pk).count(),
                    comment_count=Comment.objects.filter(
                        content_type=content_type, object_id=pk
                    ).count(),
                )
    return drift
