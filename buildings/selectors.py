"""Reads of the module; every selector is given the municipality (or a scoped object)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.http import Http404

from edem.municipalities.models import Municipality

from .models import (
    THRESHOLD_FRACTIONS,
    AgendaItem,
    Building,
    Choice,
    Meeting,
    Owner,
    Ownership,
    PaperBallot,
    Vote,
)
from .services import building_total_area, owner_of, owner_weight


def building_list(*, municipality: Municipality) -> QuerySet[Building]:
    return Building.objects.filter(municipality=municipality).select_related(
        "management"
    )


def building_get(*, municipality: Municipality, pk: int) -> Building:
    building = building_list(municipality=municipality).filter(pk=pk).first()
    if building is None:
        raise Http404
    return building


def meeting_list(
    *,
    municipality: Municipality,
    building: Building | None = None,
    public_only: bool = True,
) -> QuerySet[Meeting]:
    """Meetings of the municipality; drafts only for those who prepare them."""
    qs = Meeting.objects.filter(municipality=municipality).select_related("building")
    if building is not None:
        qs = qs.filter(building=building)
    if public_only:
        qs = qs.exclude(status=Meeting.Status.DRAFT)
    return qs


def meeting_get(
    *, municipality: Municipality, pk: int, public_only: bool = True
) -> Meeting:
    meeting = (
        meeting_list(municipality=municipality, public_only=public_only)
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def my_buildings(*, user) -> list[Owner]:
    """The register entries of the person (any of their accounts) in every building."""
    if not getattr(user, "is_authenticated", False) or not user.identity_id:
        return []
    return list(
        Owner.objects.filter(identity_id=user.identity_id)
        .select_related("building__municipality", "building__management")
        .order_by("building__address")
    )


def owner_premises(owner: Owner) -> list[Ownership]:
    return list(
        Ownership.objects.filter(owner=owner)
        .select_related("premises")
        .order_by("premises__number")
    )


def register_rows(building: Building) -> list[Ownership]:
    return list(
        Ownership.objects.filter(premises__building=building)
        .select_related("premises", "owner__identity")
        .order_by("premises__number", "owner__full_name")
    )


def _fraction_met(value: Decimal, total: Decimal, threshold: str) -> bool:
    """``value`` of ``total`` reaches the threshold (majority strictly above one half)."""
    numerator, denominator, strict = THRESHOLD_FRACTIONS[threshold]
    if total <= 0:
        return False
    if strict:
        return value * denominator > total * numerator
    return value * denominator >= total * numerator


@dataclass
class ItemResult:
    item: AgendaItem
    weights: dict[str, Decimal] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    total_area: Decimal = Decimal(0)

    @property
    def voted_weight(self) -> Decimal:
        return sum(self.weights.values(), Decimal(0))

    @property
    def needed_share(self) -> float:
        numerator, denominator, _strict = THRESHOLD_FRACTIONS[self.item.threshold]
        return numerator / denominator

    @property
    def adopted(self) -> bool:
        """Adopted when "for" reaches the threshold of ALL co-owners' area."""
        return _fraction_met(
            self.weights.get(Choice.FOR, Decimal(0)),
            self.total_area,
            self.item.threshold,
        )

    def percent(self, choice: str) -> float:
        if self.total_area <= 0:
            return 0.0
        return float(self.weights.get(choice, Decimal(0)) * 100 / self.total_area)

    @property
    def percent_for(self) -> float:
        return self.percent(Choice.FOR)

    @property
    def percent_against(self) -> float:
        return self.percent(Choice.AGAINST)

    @property
    def percent_abstain(self) -> float:
        return self.percent(Choice.ABSTAIN)


@dataclass
class MeetingResults:
    meeting: Meeting
    total_area: Decimal
    turnout_weight: Decimal
    voters: int
    owners: int
    items: list[ItemResult]

    @property
    def turnout_percent(self) -> float:
        if self.total_area <= 0:
            return 0.0
        return float(self.turnout_weight * 100 / self.total_area)


def meeting_total_area(meeting: Meeting) -> Decimal:
    """The total area frozen at the announcement (the register's for a draft)."""
    return (
        meeting.total_area
        if meeting.total_area is not None
        else building_total_area(meeting.building)
    )


def meeting_results(meeting: Meeting) -> MeetingResults:
    """Weights per item and choice over all co-owners' area, with the turnout.

    Read with two aggregate queries whatever the number of votes.
    """
    total = meeting_total_area(meeting)
    items = list(meeting.items.all())
    results = {item.pk: ItemResult(item=item, total_area=total) for item in items}
    for row in (
        Vote.objects.filter(item__meeting=meeting)
        .values("item_id", "choice")
        .annotate(weight=Sum("weight"), n=Count("pk"))
    ):
        result = results[row["item_id"]]
        result.weights[row["choice"]] = Decimal(row["weight"])
        result.counts[row["choice"]] = row["n"]
    voters = dict(
        Vote.objects.filter(item__meeting=meeting)
        .values_list("owner_id", "weight")
        .distinct()
    )
    return MeetingResults(
        meeting=meeting,
        total_area=total,
        turnout_weight=sum(voters.values(), Decimal(0)),
        voters=len(voters),
        owners=meeting.building.owners.count(),
        items=[results[item.pk] for item in items],
    )


def turnout_data(meeting: Meeting) -> dict:
    """What the live turnout bar shows: the share of all co-owners' area that has voted."""
    results = meeting_results(meeting)
    return {
        "turnout_percent": round(results.turnout_percent, 2),
        "turnout_area": str(results.turnout_weight.quantize(Decimal("0.01"))),
        "total_area": str(results.total_area.quantize(Decimal("0.01"))),
        "voters": results.voters,
        "owners": results.owners,
        "voting_open": meeting.voting_open(),
        # Turnout only while voting runs: results per item appear when it ends.
        "thresholds_percent": sorted(
            {round(r.needed_share * 100, 2) for r in results.items}
        ),
    }


def vote_list(meeting: Meeting) -> list[dict]:
    """Every counted vote of the meeting by owner, for the protocol and the staff screen."""
    rows: dict[int, dict] = {}
    for vote in (
        Vote.objects.filter(item__meeting=meeting)
        .select_related("owner", "item")
        .order_by("owner__full_name", "item__position")
    ):
        row = rows.setdefault(
            vote.owner_id,
            {
                "owner": vote.owner,
                "weight": vote.weight,
                "channel": vote.channel,
                "choices": {},
            },
        )
        row["choices"][vote.item.position] = vote.choice
    return list(rows.values())


def my_meeting_state(*, user, meeting: Meeting) -> dict:
    """The viewer's place in the meeting: owner entry, weight, votes, paper ballot."""
    owner = owner_of(user=user, building=meeting.building)
    if owner is None:
        return {"owner": None}
    votes = {
        v.item_id: v for v in Vote.objects.filter(item__meeting=meeting, owner=owner)
    }
    ballot = (
        PaperBallot.objects.filter(meeting=meeting, owner=owner)
        .order_by("-created_at")
        .first()
    )
    return {
        "owner": owner,
        "weight": owner_weight(owner),
        "votes": votes,
        "ballot": ballot,
        "paper_counts": ballot is not None
        and ballot.status in (PaperBallot.Status.COUNTED, PaperBallot.Status.DISPUTED),
    }


def my_paper_ballots(*, user) -> list[PaperBallot]:
    """Paper ballots entered in the person's name, in every building."""
    if not getattr(user, "is_authenticated", False) or not user.identity_id:
        return []
    return list(
        PaperBallot.objects.filter(owner__identity_id=user.identity_id)
        .select_related("meeting__municipality", "meeting__building")
        .order_by("-created_at")[:20]
    )
