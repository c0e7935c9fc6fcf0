"""Factories of the participatory budget; ``SCOPED`` joins the tenancy tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from edem.municipalities.models import MunicipalityRole
from edem.participation.models import Phase, Process
from participatory_budget.models import (
    MODULE,
    PHASE_FEATURES,
    PHASE_ORDER,
    Adjustment,
    Assessment,
    Ballot,
    BallotChoice,
    Coauthor,
    CommissionMember,
    CostItem,
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
from tests.factories import CitizenFactory, UserFactory

DESCRIPTION = (
    "Облаштувати сучасний дитячий майданчик у дворі з безпечним покриттям, "
    "гойдалками, гіркою та лавками для батьків."
)


def schedule(cycle: Cycle, current: str | None) -> None:
    """Ten-day phases one after another, ``current`` running now (None: all ahead)."""
    now = timezone.now()
    if current is None:
        base = now + dt.timedelta(days=1)
    else:
        base = now - dt.timedelta(days=10 * PHASE_ORDER.index(current) + 5)
    cycle.process.phases.all().delete()
    for n, kind in enumerate(PHASE_ORDER):
        Phase.objects.create(
            process=cycle.process, kind=kind, title=kind,
            starts_at=base + dt.timedelta(days=10 * n),
            ends_at=base + dt.timedelta(days=10 * (n + 1)),
            features=list(PHASE_FEATURES[kind]),
        )


def cycle_in(municipality, phase: str | None = PhaseKind.VOTING, *, budget="1000000",
             units: list[tuple[str, str]] | None = None, **rules) -> Cycle:
    """A cycle in ``phase`` with one unit per (name, budget), default the whole city."""
    process = Process.objects.create(municipality=municipality, module=MODULE,
                                     title="Бюджет участі 2027")
    cycle = Cycle.objects.create(municipality=municipality, process=process,
                                 title="Бюджет участі 2027", total_budget=Decimal(budget),
                                 **rules)
    for n, (name, amount) in enumerate(units or [("Уся громада", budget)]):
        Unit.objects.create(cycle=cycle, name_uk=name, name_en=name, budget=Decimal(amount),
                            order=n)
    if phase is not None:
        schedule(cycle, phase)
    return cycle


def project(cycle: Cycle, *, cost="100000", status=Project.Status.ADMITTED, unit=None,
            author=None, title=None, lat="50.254650", lon="28.658667") -> Project:
    author = author or CitizenFactory()
    unit = unit or cycle.units.first()
    p = Project.objects.create(
        municipality=cycle.municipality, cycle=cycle, unit=unit, author=author,
        author_identity=author.identity, title=title or f"Майданчик {Project.objects.count() + 1}",
        description=DESCRIPTION, status=status, cost=Decimal(cost), lat=lat, lon=lon,
        decision_reason="Не на комунальній землі" if status == Project.Status.REJECTED else "",
    )
    CostItem.objects.create(project=p, description="Обладнання", amount=Decimal(cost))
    return p


def commission_member(cycle: Cycle, user=None) -> CommissionMember:
    return CommissionMember.objects.create(cycle=cycle, user=user or UserFactory())


def admin_of(municipality):
    user = UserFactory(is_staff=True)
    MunicipalityRole.objects.create(municipality=municipality, user=user,
                                    role=MunicipalityRole.Role.ADMIN)
    return user


def official_of(municipality):
    user = UserFactory(is_staff=True)
    MunicipalityRole.objects.create(municipality=municipality, user=user,
                                    role=MunicipalityRole.Role.OFFICIAL)
    return user


def ballot(unit: Unit, projects, *, voter=None, points=None) -> Ballot:
    voter = voter or CitizenFactory()
    b = Ballot.objects.create(municipality=unit.cycle.municipality, cycle=unit.cycle,
                              unit=unit, identity=voter.identity, user=voter,
                              age_band="30-44")
    for n, p in enumerate(projects):
        BallotChoice.objects.create(
            ballot=b, project=p, points=points[n] if points else None,
            rank=n + 1 if unit.cycle.ballot_type == "ordinal" else None,
        )
    return b


def _counted(municipality):
    cycle = cycle_in(municipality, PhaseKind.RESULTS)
    p = project(cycle)
    result = UnitResult.objects.create(unit=cycle.units.first(), rule="greedy", voters=1,
                                       budget=Decimal("1000000"), spent="100000")
    return ProjectResult.objects.create(result=result, project=p, support="1",
                                        selected=True, reason="taken", position=1)


def _image(municipality):
    from django.core.files.base import ContentFile

    img = ProjectImage(project=project(cycle_in(municipality)))
    img.image.save("a.png", ContentFile(_png()), save=True)
    return img


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 128, 0)).save(out, "PNG")
    return out.getvalue()


def _project(municipality, public=False, **kwargs):
    return project(cycle_in(municipality))


def _cycle(municipality, public=False, **kwargs):
    return cycle_in(municipality)


SCOPED = {
    Cycle: _cycle,
    Unit: lambda m, **kw: cycle_in(m).units.first(),
    CommissionMember: lambda m, **kw: commission_member(cycle_in(m)),
    Project: _project,
    CostItem: lambda m, **kw: project(cycle_in(m)).cost_items.first(),
    ProjectImage: lambda m, **kw: _image(m),
    Coauthor: lambda m, **kw: Coauthor.objects.create(
        project=project(cycle_in(m)), identity=(u := CitizenFactory()).identity, user=u),
    Assessment: lambda m, **kw: Assessment.objects.create(
        project=project(cycle_in(m)), criterion="Законність", feasible=True,
        member=UserFactory()),
    ReviewMessage: lambda m, **kw: ReviewMessage.objects.create(
        project=project(cycle_in(m)), author=UserFactory(), body="Уточніть кошторис"),
    ProgressReport: lambda m, **kw: ProgressReport.objects.create(
        project=project(cycle_in(m), status=Project.Status.IMPLEMENTATION),
        date=timezone.localdate(), progress=10, money_spent=Decimal(1000), note="Почали",
        actor=UserFactory()),
    ProjectSupport: lambda m, **kw: ProjectSupport.objects.create(
        project=project(cycle_in(m)), identity=(u := CitizenFactory()).identity, user=u),
    Ballot: lambda m, **kw: ballot((c := cycle_in(m)).units.first(), [project(c)]),
    BallotChoice: lambda m, **kw: ballot((c := cycle_in(m)).units.first(),
                                         [project(c)]).choices.first(),
    UnitResult: lambda m, **kw: _counted(m).result,
    ProjectResult: lambda m, **kw: _counted(m),
    Adjustment: lambda m, **kw: Adjustment.objects.create(
        project=_counted(m).project, selected=False, reason="Місцеве правило",
        actor=UserFactory()),
}
