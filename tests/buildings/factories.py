"""Factories of the buildings module; ``SCOPED`` joins the tenancy tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone

from buildings.models import (
    AgendaItem,
    Announcement,
    Building,
    InitiativeMember,
    Management,
    ManagementRole,
    Meeting,
    MeterReading,
    Owner,
    OwnerClaim,
    Ownership,
    PaperBallot,
    Premises,
    Protocol,
    Vote,
)
from tests.factories import CitizenFactory, MunicipalityFactory, UserFactory


class ManagementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Management

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"ОСББ «Затишок-{n}»")
    payment_url = "https://pay.example.org/osbb"


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    municipality = factory.SubFactory(MunicipalityFactory)
    management = factory.LazyAttribute(
        lambda b: ManagementFactory(municipality=b.municipality)
    )
    address = factory.Sequence(lambda n: f"вул. Київська, {n + 1}")
    lat = Decimal("50.254650")
    lon = Decimal("28.658667")


def add_premises(
    building, number: str, area: str, owners=(), kind=Premises.Kind.APARTMENT
):
    """A premises with its owners: ``owners`` is a list of (owner, "1/2")."""
    premises = Premises.objects.create(
        building=building, number=number, kind=kind, area=Decimal(area)
    )
    for owner, share in owners:
        numerator, denominator = (int(x) for x in share.split("/"))
        Ownership.objects.create(
            premises=premises,
            owner=owner,
            share_numerator=numerator,
            share_denominator=denominator,
        )
    return premises


def add_owner(building, name: str, *, user=None, reference: str | None = None) -> Owner:
    return Owner.objects.create(
        building=building,
        full_name=name,
        reference=reference
        or f"O-{Owner.objects.filter(building=building).count() + 1}",
        identity=user.identity if user is not None else None,
        linked_at=timezone.now() if user is not None else None,
    )


def make_meeting(
    building,
    *,
    status=Meeting.Status.ANNOUNCED,
    open_now=True,
    items=1,
    thresholds=("majority",),
    created_by=None,
    **kwargs,
) -> Meeting:
    """A meeting whose voting runs now (or ended, ``open_now=False``), frozen rules."""
    from buildings.services import building_total_area

    now = timezone.now()
    starts = now - dt.timedelta(days=1) if open_now else now - dt.timedelta(days=8)
    ends = now + dt.timedelta(days=6) if open_now else now - dt.timedelta(hours=1)
    meeting = Meeting.objects.create(
        municipality=building.municipality,
        building=building,
        title=kwargs.pop("title", "Ремонт покрівлі"),
        created_by=created_by or UserFactory(),
        voting_starts_at=starts,
        voting_ends_at=ends,
        status=status,
        announced_at=starts - dt.timedelta(days=12),
        total_area=building_total_area(building),
        votes_changeable=kwargs.pop("votes_changeable", building.votes_changeable),
        paper_rule=kwargs.pop("paper_rule", building.paper_rule),
        **kwargs,
    )
    for n in range(1, items + 1):
        AgendaItem.objects.create(
            meeting=meeting,
            position=n,
            title=f"Питання {n}",
            proposed_decision=f"Затвердити рішення {n}",
            threshold=thresholds[(n - 1) % len(thresholds)],
        )
    return meeting


def _building(m, **kw):
    return BuildingFactory(municipality=m)


def _premises(m, **kw):
    return add_premises(BuildingFactory(municipality=m), "1", "50.00")


def _owner(m, **kw):
    return add_owner(BuildingFactory(municipality=m), "Іваненко Іван")


def _ownership(m, **kw):
    building = BuildingFactory(municipality=m)
    owner = add_owner(building, "Іваненко Іван")
    return add_premises(building, "1", "50.00", [(owner, "1/1")]).ownerships.first()


def _meeting(m, **kw):
    building = BuildingFactory(municipality=m)
    add_premises(building, "1", "50.00")
    return make_meeting(building)


def _vote(m, **kw):
    building = BuildingFactory(municipality=m)
    owner = add_owner(building, "Іваненко Іван")
    add_premises(building, "1", "50.00", [(owner, "1/1")])
    meeting = make_meeting(building)
    return Vote.objects.create(
        item=meeting.items.first(),
        owner=owner,
        choice="for",
        channel="online",
        weight=Decimal("50"),
        cast_by=UserFactory(),
    )


def _ballot(m, **kw):
    building = BuildingFactory(municipality=m)
    owner = add_owner(building, "Іваненко Іван")
    meeting = make_meeting(building)
    ballot = PaperBallot(
        meeting=meeting,
        owner=owner,
        scan_kind="png",
        entered_by=UserFactory(),
        choices={},
    )
    ballot.scan.save("scan.png", ContentFile(b"png"), save=False)
    ballot.save()
    return ballot


def _protocol(m, **kw):
    meeting = _meeting(m)
    protocol = Protocol(meeting=meeting, sha256="0" * 64, signature="x", key_id="k")
    protocol.document.save("p.pdf", ContentFile(b"%PDF-"), save=False)
    protocol.save()
    return protocol


def _reading(m, **kw):
    building = BuildingFactory(municipality=m)
    owner = add_owner(building, "Іваненко Іван")
    premises = add_premises(building, "1", "50.00", [(owner, "1/1")])
    return MeterReading.objects.create(
        premises=premises,
        kind="cold_water",
        period=dt.date(2026, 10, 1),
        value=Decimal("10"),
        submitted_by=owner,
    )


def _board_comment(m, **kw):
    from edem.participation.models import Comment

    building = BuildingFactory(municipality=m)
    return Comment.objects.create(
        municipality=m,
        content_type=ContentType.objects.get_for_model(building),
        object_id=building.pk,
        author=CitizenFactory(),
        body="Хто залишив візок у під'їзді?",
    )


SCOPED = {
    Management: lambda m, **kw: ManagementFactory(municipality=m),
    ManagementRole: lambda m, **kw: ManagementRole.objects.create(
        management=ManagementFactory(municipality=m),
        user=UserFactory(),
        role=ManagementRole.Role.ADMINISTRATOR,
    ),
    Building: _building,
    Premises: _premises,
    Owner: _owner,
    Ownership: _ownership,
    Meeting: _meeting,
    AgendaItem: lambda m, **kw: _meeting(m).items.first(),
    Vote: _vote,
    PaperBallot: _ballot,
    Protocol: _protocol,
    Announcement: lambda m, **kw: Announcement.objects.create(
        building=BuildingFactory(municipality=m),
        title="Відключення води",
        body="У четвер з 9:00 до 12:00.",
        author=UserFactory(),
    ),
    MeterReading: _reading,
}


def _claim(m, **kw):
    return OwnerClaim.objects.create(
        building=BuildingFactory(municipality=m),
        identity=CitizenFactory().identity,
        premises_number="5",
    )


SCOPED[OwnerClaim] = _claim


def _initiative_member(m, **kw):
    building = BuildingFactory(municipality=m)
    meeting = make_meeting(
        building,
        status=Meeting.Status.DRAFT,
        initiator=Meeting.Initiator.INITIATIVE_GROUP,
    )
    return InitiativeMember.objects.create(
        meeting=meeting, owner=add_owner(building, "Іваненко Іван")
    )


SCOPED[InitiativeMember] = _initiative_member
