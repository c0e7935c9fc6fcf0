"""Reads of the module: <entity>_list(*, municipality, ...), always scoped."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from edem.core.similar import similar_by_title
from edem.core.worker_cache import WorkerCache
from edem.municipalities.calendar import WorkingCalendar
from edem.municipalities.models import Municipality
from edem.municipalities.rules import is_municipality_moderator, is_platform_admin

from .models import (
    PUBLIC_STATUSES,
    SIGNABLE_STATUSES,
    Petition,
    PetitionCounter,
    Signature,
)

Status = Petition.Status


def petition_list(
    *, municipality: Municipality, filters: dict | None = None
) -> QuerySet[Petition]:
    """Public petitions of the municipality (never drafts, moderation or withdrawn)."""
    qs = Petition.objects.filter(
        municipality=municipality, status__in=PUBLIC_STATUSES
    ).select_related("municipality")
    if filters:
        from .filters import PetitionFilter

        qs = PetitionFilter(filters, queryset=qs).qs
    return qs


def can_moderate(user, municipality: Municipality) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (is_platform_admin(user) or is_municipality_moderator(user, municipality))
    )


def petition_get(*, municipality: Municipality, pk: int, viewer=None) -> Petition:
    """One petition of the municipality as ``viewer`` may see it, else 404.

    Drafts and petitions on moderation are the author's and the moderators';
    a withdrawn petition only the author's.
    """
    petition = (
        Petition.objects.select_related("municipality", "author_identity")
        .filter(municipality=municipality, pk=pk)
        .first()
    )
    if petition is None:
        raise Http404(_("There is no such petition here."))
    if petition.status in PUBLIC_STATUSES:
        return petition
    is_author = getattr(viewer, "pk", None) == petition.author_id
    if is_author or (
        petition.status == Status.MODERATION and can_moderate(viewer, municipality)
    ):
        return petition
    raise Http404(_("There is no such petition here."))


# Per process: (municipality id, petition id) -> signable petition.
_signing_petitions = WorkerCache()


def petition_for_signing(*, municipality: Municipality, pk: int) -> Petition:
    """A public petition of the municipality with what signing needs, else 404.

    The hot path of a signing rush. What signing reads of a published
    petition (its period, threshold and eligibility) was frozen at
    publication, so a signable petition is kept per process for
    ``PETITION_SIGNING_CACHE_SECONDS``; its status may change meanwhile, and
    the signing statement itself re-checks it in the database. A petition
    that is not signable is always read afresh.
    """
    key = (municipality.pk, pk)
    kept = _signing_petitions.get(key)
    if kept is not None:
        return kept
    petition = (
        Petition.objects.filter(municipality=municipality, pk=pk, status__in=PUBLIC_STATUSES)
        .defer("text", "answer_text", "rejection_reason")
        .first()
    )
    if petition is None:
        raise Http404(_("There is no such petition here."))
    petition.municipality = municipality
    if petition.status in SIGNABLE_STATUSES:
        _signing_petitions.put(key, petition, settings.PETITION_SIGNING_CACHE_SECONDS)
    return petition


def forget_signing_petition(petition_id: int | None = None) -> None:
    """Drop this process's copies (all, or one petition's) after a staff change."""
    _signing_petitions.forget(None if petition_id is None else lambda key: key[1] == petition_id)


def signature_count(petition: Petition) -> int:
    """The exact count: the sum of the petition's shards."""
    return signature_counts([petition.pk]).get(petition.pk, 0)


def signature_counts(petition_ids: Iterable[int]) -> dict[int, int]:
    """Exact counts of several petitions in one query."""
    rows = (
        PetitionCounter.objects.filter(petition_id__in=list(petition_ids))
        .values("petition_id")
        .annotate(n=Coalesce(Sum("count"), 0))
        .values_list("petition_id", "n")
    )
    return dict(rows)


def with_counts(petitions: Iterable[Petition]) -> list[Petition]:
    """Attach ``count`` and ``percent`` (of the threshold) to each petition."""
    petitions = list(petitions)
    counts = signature_counts(p.pk for p in petitions)
    for p in petitions:
        p.count = counts.get(p.pk, p.signature_count)
        threshold = p.signature_threshold or 1
        p.percent = min(100, int(p.count * 100 / threshold))
    return petitions


@dataclass(frozen=True)
class Deadline:
    kind: str  # "moderation" or "answer"
    due: dt.date
    working_days_left: int

    @property
    def overdue(self) -> bool:
        return self.working_days_left < 0

    @property
    def label(self) -> str:
        n = self.working_days_left
        if self.kind == "moderation":
            if n < 0:
                return ngettext(
                    "Moderation overdue by %(n)d working day",
                    "Moderation overdue by %(n)d working days", -n,
                ) % {"n": -n}
            if n == 0:
                return _("Moderation due today")
            return ngettext(
                "Moderation due in %(n)d working day",
                "Moderation due in %(n)d working days", n,
            ) % {"n": n}
        if n < 0:
            return ngettext(
                "Answer overdue by %(n)d working day",
                "Answer overdue by %(n)d working days", -n,
            ) % {"n": -n}
        if n == 0:
            return _("Answer due today")
        return ngettext(
            "Answer due in %(n)d working day", "Answer due in %(n)d working days", n
        ) % {"n": n}


def petition_deadline(
    petition: Petition, *, today: dt.date | None = None, calendar=None
) -> Deadline | None:
    """The deadline running now: moderation, or the answer once the threshold is met."""
    if petition.status == Status.MODERATION and petition.moderation_due:
        kind, due = "moderation", petition.moderation_due
    elif (
        petition.status in (Status.THRESHOLD_REACHED, Status.UNDER_CONSIDERATION)
        and petition.answer_due
    ):
        kind, due = "answer", petition.answer_due
    else:
        return None
    municipality = petition.municipality
    today = today or municipality.local_today()
    calendar = calendar or WorkingCalendar(municipality)
    return Deadline(kind, due, calendar.working_days_between(today, due))


def petition_overdue_list(
    *, municipality: Municipality, today: dt.date | None = None
) -> QuerySet[Petition]:
    """Petitions whose moderation or answer deadline has passed."""
    today = today or municipality.local_today()
    return Petition.objects.filter(municipality=municipality).filter(
        Q(status=Status.MODERATION, moderation_due__lt=today)
        | Q(
            status__in=(Status.THRESHOLD_REACHED, Status.UNDER_CONSIDERATION),
            answer_due__lt=today,
        )
    )


def petition_statistics(*, municipality: Municipality) -> dict:
    """Public figures: petitions per status, answered late, overdue now."""
    by_status = dict(
        Petition.objects.filter(municipality=municipality, status__in=PUBLIC_STATUSES)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    answered_late = Petition.objects.filter(
        municipality=municipality, status=Status.ANSWERED,
        answered_at__date__gt=F("answer_due"),
    ).count()
    return {
        "by_status": [
            {"status": s, "label": s.label, "count": by_status.get(s, 0)}
            for s in Status if s in PUBLIC_STATUSES
        ],
        "overdue": petition_overdue_list(municipality=municipality).count(),
        "answered_late": answered_late,
    }


def petition_similar(
    *, municipality: Municipality, title: str, exclude_pk: int | None = None,
    limit: int = 5,
) -> list[Petition]:
    """Public petitions of the municipality whose titles resemble ``title``.

    On PostgreSQL by trigram word similarity (robust to Ukrainian word
    endings); elsewhere by shared words of four letters or more.
    """
    qs = Petition.objects.filter(municipality=municipality, status__in=PUBLIC_STATUSES)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return similar_by_title(
        qs, title, newest_first="-published_at", tie_break="-published_at", limit=limit,
    )


def signer_list(*, petition: Petition) -> QuerySet[Signature]:
    """Valid signatures, newest first, with the signers' identities (for names)."""
    return (
        Signature.objects.filter(petition=petition, invalidated_at__isnull=True)
        .select_related("identity")
        .order_by("-created_at")
    )


def signature_of(*, petition: Petition, user) -> Signature | None:
    """The viewer's own valid signature (as any of their accounts), if any."""
    identity_id = getattr(user, "identity_id", None)
    if not identity_id:
        return None
    return Signature.objects.filter(
        petition=petition, identity_id=identity_id, invalidated_at__isnull=True
    ).first()


def signature_counts_by_day(*, petition: Petition) -> list[dict]:
    """Valid signatures per local day of the municipality."""
    rows = (
        Signature.objects.filter(petition=petition, invalidated_at__isnull=True)
        .annotate(day=TruncDate("created_at", tzinfo=petition.municipality.tz))
        .values("day")
        .annotate(count=Count("pk"))
        .order_by("day")
    )
    return [{"day": r["day"], "count": r["count"]} for r in rows]


def my_petitions(*, user) -> QuerySet[Petition]:
    return Petition.objects.filter(author=user).select_related("municipality").order_by(
        "-created_at"
    )


def my_signatures(*, user) -> QuerySet[Signature]:
    """The person's signatures (made from any of their accounts)."""
    identity_id = getattr(user, "identity_id", None)
    if not identity_id:
        return Signature.objects.none()
    return (
        Signature.objects.filter(identity_id=identity_id)
        .select_related("petition", "petition__municipality", "invalidation")
        .order_by("-created_at")
    )


def moderation_queue(*, municipalities) -> QuerySet[Petition]:
    """What staff must act on: moderation, then enough signatures, by deadline."""
    return (
        Petition.objects.filter(
            municipality__in=municipalities,
            status__in=(Status.MODERATION, Status.THRESHOLD_REACHED,
                        Status.UNDER_CONSIDERATION),
        )
        .select_related("municipality", "author_identity")
        .order_by("status", "moderation_due", "answer_due", "submitted_at")
    )


def fraud_report(
    *, municipality: Municipality, since: dt.datetime | None = None,
    petition: Petition | None = None, limit: int = 50,
) -> dict:
    """Addresses and subnets with the most valid signatures since ``since``.

    An entry is flagged when it signed faster than the statute's
    ``suspicious_per_hour``.
    """
    from .services import statute_for

    now = timezone.now()
    since = since or now - dt.timedelta(hours=24)
    hours = max((now - since).total_seconds() / 3600, 1 / 60)
    qs = Signature.objects.filter(
        petition__municipality=municipality, invalidated_at__isnull=True,
        created_at__gte=since, ip__isnull=False,
    )
    if petition is not None:
        qs = qs.filter(petition=petition)
    per_hour = statute_for(municipality).suspicious_per_hour

    def rows(field: str) -> list[dict]:
        result = []
        grouped = (
            qs.values(field, "petition_id", "petition__title")
            .annotate(n=Count("pk"))
            .order_by("-n")[:limit]
        )
        for row in grouped:
            try:
                ipaddress.ip_network(row[field], strict=False)
            except ValueError:
                continue
            rate = row["n"] / hours
            result.append({
                "network": row[field], "petition_id": row["petition_id"],
                "petition_title": row["petition__title"], "count": row["n"],
                "per_hour": round(rate, 1), "flagged": rate > per_hour,
            })
        return result

    return {"since": since, "by_ip": rows("ip"), "by_subnet": rows("subnet"),
            "per_hour": per_hour}
