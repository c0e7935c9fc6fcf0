"""Reads of the module: <entity>_list(*, municipality, ...), always scoped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from edem.core.similar import similar_by_title
from edem.municipalities.models import Municipality
from edem.participation.models import Comment, Phase

from .models import (
    LISTED_STATUSES,
    PHASE_ORDER,
    PUBLIC_STATUSES,
    Campaign,
    Idea,
    ImplementationUpdate,
    PhaseKind,
    Support,
)

# --- campaigns ----------------------------------------------------------------------


def campaign_list(*, municipality: Municipality) -> QuerySet[Campaign]:
    """Published campaigns of the municipality, newest first."""
    return (
        Campaign.objects.filter(municipality=municipality, published_at__isnull=False)
        .select_related("municipality", "process")
        .order_by("-published_at", "-pk")
    )


def campaign_get(*, municipality: Municipality, pk: int, viewer=None) -> Campaign:
    """A published campaign of the municipality (staff also see drafts), else 404."""
    campaign = (
        Campaign.objects.select_related("municipality", "process")
        .filter(municipality=municipality, pk=pk)
        .first()
    )
    if campaign is None:
        raise Http404(_("There is no such campaign here."))
    if campaign.is_published or (
        viewer is not None and viewer.has_perm("ideas.change_campaign", campaign)
    ):
        return campaign
    raise Http404(_("There is no such campaign here."))


@dataclass(frozen=True)
class PhaseView:
    """A phase as the landing page shows it."""

    phase: Phase
    state: str  # "past", "current" or "future"

    @property
    def kind(self) -> str:
        return self.phase.kind

    @property
    def label(self) -> str:
        return phase_label(self.phase)


def phase_label(phase: Phase | None) -> str:
    """The phase's name in the reader's language (the stored title is the fallback)."""
    if phase is None:
        return ""
    if phase.kind in PhaseKind.values:
        return str(PhaseKind(phase.kind).label)
    return phase.title


def phase_timeline(campaign: Campaign, at: dt.datetime | None = None) -> list[PhaseView]:
    """The campaign's phases in order, each marked past, current or future."""
    at = at or timezone.now()
    order = {kind: n for n, kind in enumerate(PHASE_ORDER)}
    phases = sorted(campaign.process.phases.all(), key=lambda p: order.get(p.kind, 99))
    views = []
    for phase in phases:
        if phase.ends_at <= at:
            state = "past"
        elif phase.starts_at <= at:
            state = "current"
        else:
            state = "future"
        views.append(PhaseView(phase, state))
    return views


def campaign_countdown(
    campaign: Campaign, at: dt.datetime | None = None
) -> tuple[Phase | None, str, dt.datetime | None]:
    """What the countdown counts to: the end of the current phase, else the next start.

    Returns (phase, "ends" or "starts", moment); (None, "", None) once all
    phases are over.
    """
    at = at or timezone.now()
    for view in phase_timeline(campaign, at):
        if view.state == "current":
            return view.phase, "ends", view.phase.ends_at
        if view.state == "future":
            return view.phase, "starts", view.phase.starts_at
    return None, "", None


def subtopic_list(*, campaign: Campaign):
    """The campaign's sub-topics in order, each with its number of listed ideas."""
    return campaign.subtopics.annotate(
        idea_count=Count("ideas", filter=Q(ideas__status__in=LISTED_STATUSES))
    ).order_by("order", "pk")


# --- ideas ---------------------------------------------------------------------------


def idea_list(
    *, municipality: Municipality, campaign: Campaign | None = None,
    filters: dict | None = None,
) -> QuerySet[Idea]:
    """Listed ideas of the municipality (hidden and merged ones are not listed)."""
    qs = Idea.objects.filter(
        municipality=municipality, status__in=LISTED_STATUSES,
        campaign__published_at__isnull=False,
    ).select_related("municipality", "subtopic", "campaign", "author_identity")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if filters:
        from .filters import IdeaFilter

        qs = IdeaFilter(filters, queryset=qs, campaign=campaign).qs
    return qs


def idea_get(*, municipality: Municipality, pk: int) -> Idea:
    """An idea of the municipality; hidden and merged ones too (their page says why)."""
    idea = (
        Idea.objects.select_related(
            "municipality", "campaign", "campaign__process", "subtopic",
            "author_identity", "merged_into",
        )
        .filter(municipality=municipality, pk=pk, status__in=PUBLIC_STATUSES,
                campaign__published_at__isnull=False)
        .first()
    )
    if idea is None:
        raise Http404(_("There is no such idea here."))
    return idea


def idea_similar(
    *, campaign: Campaign, title: str, exclude_pk: int | None = None, limit: int = 5
) -> list[Idea]:
    """Listed ideas of the campaign whose titles resemble ``title``.

    The same approach as petitions: on PostgreSQL by trigram word similarity
    (robust to Ukrainian word endings); elsewhere by shared word stems.
    """
    qs = Idea.objects.filter(campaign=campaign, status__in=LISTED_STATUSES)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return similar_by_title(
        qs, title, newest_first="-created_at", tie_break="-support_count",
        limit=limit, max_length=200,
    )


def support_of(*, idea: Idea, user) -> Support | None:
    """The viewer's own support (as any of their accounts), if any."""
    identity_id = getattr(user, "identity_id", None)
    if not identity_id:
        return None
    return Support.objects.filter(idea=idea, identity_id=identity_id).first()


def supported_ids(*, ideas, user) -> set[int]:
    identity_id = getattr(user, "identity_id", None)
    if not identity_id:
        return set()
    return set(
        Support.objects.filter(
            idea__in=[i.pk for i in ideas], identity_id=identity_id
        ).values_list("idea_id", flat=True)
    )


# A campaign map shows at most this many ideas (the most supported): one
# response stays small even for a city-wide campaign with thousands of ideas.
MAP_LIMIT = 2000


def idea_points(*, ideas: QuerySet[Idea]) -> tuple[list[dict], bool]:
    """The listed ideas among ``ideas`` that have a place, most supported first.

    Returns plain rows (no model instances) and whether the map limit cut the
    list short.
    """
    rows = list(
        ideas.filter(lat__isnull=False, lon__isnull=False)
        .order_by("-support_count", "-pk")
        .values("pk", "title", "status", "lat", "lon", "support_count",
                "subtopic__title")[: MAP_LIMIT + 1]
    )
    return rows[:MAP_LIMIT], len(rows) > MAP_LIMIT


def has_points(*, campaign: Campaign) -> bool:
    """True when at least one listed idea of the campaign marks a place."""
    return Idea.objects.filter(
        campaign=campaign, status__in=LISTED_STATUSES, lat__isnull=False
    ).exists()


def selection_started(campaign: Campaign) -> bool:
    """True once the commission's selection phase has begun (ideas are then final)."""
    selection = campaign.process.phases.filter(kind=PhaseKind.SELECTION).first()
    return selection is not None and timezone.now() >= selection.starts_at


def update_list(*, idea: Idea) -> QuerySet[ImplementationUpdate]:
    return idea.updates.order_by("-happened_on", "-created_at")


def ideas_of_person(*, campaign: Campaign, user) -> int:
    """How many ideas the person has proposed in the campaign (merged ones aside)."""
    identity_id = getattr(user, "identity_id", None)
    if not identity_id:
        return 0
    return (
        Idea.objects.filter(campaign=campaign, author_identity_id=identity_id)
        .exclude(status=Idea.Status.MERGED)
        .count()
    )


def results_list(*, campaign: Campaign) -> QuerySet[Idea]:
    """Selected ideas with their decisions and implementation, most supported first."""
    return (
        Idea.objects.filter(campaign=campaign, status=Idea.Status.SELECTED)
        .select_related("subtopic", "author_identity", "municipality")
        .prefetch_related("updates")
        .order_by("-support_count", "pk")
    )


def merge_candidates(*, idea: Idea) -> QuerySet[Idea]:
    """Ideas of the same campaign a duplicate may be merged into."""
    return (
        Idea.objects.filter(
            campaign=idea.campaign,
            status__in=(Idea.Status.PUBLISHED, Idea.Status.SHORTLISTED),
        )
        .exclude(pk=idea.pk)
        .order_by("-support_count", "title")
    )


def staff_idea_list(*, municipalities, campaign: Campaign | None = None) -> QuerySet[Idea]:
    """Every idea of the staff's municipalities for the review screens."""
    qs = Idea.objects.filter(municipality__in=municipalities).select_related(
        "municipality", "campaign", "subtopic", "author_identity"
    )
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs


# --- statistics ----------------------------------------------------------------------


def campaign_statistics(*, campaign: Campaign) -> dict:
    """Public figures: participants, ideas by status, and per local day the ideas,
    supports and comments."""
    tz = campaign.municipality.tz
    ideas = Idea.objects.filter(campaign=campaign)
    supports = Support.objects.filter(idea__campaign=campaign)
    comments = Comment.objects.filter(
        content_type=ContentType.objects.get_for_model(Idea),
        object_id__in=ideas.values("pk"),
    )
    by_status = dict(
        ideas.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    # A participant is a person who proposed, supported or commented; UNION
    # drops the people who did more than one of these.
    participants = (
        ideas.order_by().values_list("author_identity_id")
        .union(
            supports.order_by().values_list("identity_id"),
            comments.filter(author__identity__isnull=False)
            .order_by()
            .values_list("author__identity_id"),
        )
        .count()
    )

    def per_day(qs, field: str) -> dict[dt.date, int]:
        return dict(
            qs.annotate(day=TruncDate(field, tzinfo=tz))
            .values("day")
            .annotate(n=Count("pk"))
            .values_list("day", "n")
        )

    ideas_day = per_day(ideas, "created_at")
    supports_day = per_day(supports, "created_at")
    comments_day = per_day(comments, "created_at")
    days = sorted(set(ideas_day) | set(supports_day) | set(comments_day))
    peak = max(
        [*ideas_day.values(), *supports_day.values(), *comments_day.values(), 1]
    )
    return {
        "participants": participants,
        "ideas": ideas.count(),
        "listed": ideas.filter(status__in=LISTED_STATUSES).count(),
        "supports": supports.count(),
        "comments": comments.count(),
        "by_status": [
            {"status": s, "label": s.label, "count": by_status.get(s, 0)}
            for s in Idea.Status
        ],
        "per_day": [
            {"day": d, "ideas": ideas_day.get(d, 0), "supports": supports_day.get(d, 0),
             "comments": comments_day.get(d, 0)}
            for d in days
        ],
        "peak": peak,
    }


def campaign_counts(campaign: Campaign) -> dict[str, int]:
    """Headline counts for the landing page, read with one query."""
    return Idea.objects.filter(campaign=campaign).aggregate(
        ideas=Count("pk", filter=Q(status__in=LISTED_STATUSES)),
        selected=Count("pk", filter=Q(status=Idea.Status.SELECTED)),
    )


def my_ideas(*, user) -> QuerySet[Idea]:
    return (
        Idea.objects.filter(author=user)
        .select_related("municipality", "campaign")
        .order_by("-created_at")
    )


def my_supports(*, user) -> QuerySet[Support]:
    identity_id = getattr(user, "identity_id", None)
    if not identity_id:
        return Support.objects.none()
    return (
        Support.objects.filter(identity_id=identity_id)
        .select_related("idea", "idea__municipality")
        .order_by("-created_at")
    )
