"""Demo participatory budget for the demo municipalities.

One cycle per municipality, taken through its whole life by the services as
real people would: residents submit projects, the commission admits or
rejects them, residents vote, the count is published and a winner is being
built. The phase dates are moved along as the story goes (the only thing a
demo may do that staff would not); they end with implementation running now.

Idempotent: a municipality that already has the demo cycle is left alone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from edem.accounts.models import Identity
from edem.core.demo import DEMO_PASSWORD
from edem.municipalities.models import Municipality, MunicipalityRole

from . import services
from .models import PHASE_ORDER, Cycle, PhaseKind, Project
from .services import Choice, CostLine

TITLE = "Бюджет участі 2026 (демо)"

# (unit index, title, description, (dlat, dlon), [(item, amount)])
PROJECTS = [
    (0, "Вуличні тренажери біля школи",
     "Комплекс вуличних тренажерів для підлітків і дорослих біля шкільного стадіону, "
     "з гумовим покриттям і освітленням.", (0.004, -0.006),
     [("Тренажери (6 шт.)", "180000"), ("Гумове покриття", "70000"), ("Монтаж", "30000")]),
    (0, "Книжкова шафа-буккросинг у сквері",
     "Захищена від дощу шафа для обміну книжками та лавки поруч, щоб читати на місці.",
     (-0.003, 0.005), [("Шафа", "25000"), ("Лавки (3 шт.)", "36000")]),
    (0, "Велопарковки біля поліклініки",
     "Десять безпечних велопарковок типу «П» біля поліклініки та аптеки, щоб пацієнти "
     "і лікарі могли приїхати велосипедом.", (0.002, 0.009),
     [("Велопарковки (10 шт.)", "40000"), ("Встановлення", "10000")]),
    (1, "Інклюзивний дитячий майданчик",
     "Майданчик, доступний дітям на візках: широкі доріжки, карусель на рівні землі, "
     "сенсорні панелі та тіньові навіси.", (-0.006, -0.002),
     [("Обладнання", "900000"), ("Покриття", "350000"), ("Навіси", "150000")]),
    (1, "Відновлення фонтану в парку",
     "Ремонт чаші та насосної станції старого фонтану, нове освітлення і лавки довкола.",
     (0.007, 0.001), [("Ремонт чаші", "600000"), ("Насос", "250000"),
                      ("Освітлення", "120000")]),
]


def _user(username: str, **extra):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@e-dem.local", **extra})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _resident(municipality: Municipality, n: int):
    """A demo resident with a verified identity living in the municipality."""
    identity, _created = Identity.objects.get_or_create(
        key=f"demo-pb:{municipality.slug}:{n}",
        defaults={"key_kind": Identity.KeyKind.TAX_NUMBER, "given_name": "Мешканець",
                  "family_name": f"Демо{n}", "birth_date": dt.date(1960 + n % 45, 3, 1),
                  "locality_code": (municipality.locality_codes or [""])[0],
                  "auth_method": Identity.AuthMethod.BANKID, "verified_at": timezone.now()},
    )
    return _user(f"{municipality.slug}-pb-resident{n}", identity=identity)


def _shift_to(cycle: Cycle, kind: str) -> None:
    """Move the ten-day phases so that ``kind`` runs now (demo time travel)."""
    now = timezone.now()
    base = now - dt.timedelta(days=10 * PHASE_ORDER.index(kind) + 5)
    for phase in cycle.process.phases.all():
        n = PHASE_ORDER.index(phase.kind)
        phase.starts_at = base + dt.timedelta(days=10 * n)
        phase.ends_at = base + dt.timedelta(days=10 * (n + 1))
        phase.save(update_fields=["starts_at", "ends_at"])


@transaction.atomic
def seed_budget(municipality: Municipality) -> Cycle | None:
    """A demo cycle in implementation, with projects, ballots and a winner being built."""
    if Cycle.objects.filter(municipality=municipality, title=TITLE).exists():
        return None
    admin = _user(f"{municipality.slug}-admin", is_staff=True)
    MunicipalityRole.objects.get_or_create(municipality=municipality, user=admin,
                                           role=MunicipalityRole.Role.ADMIN)
    official = _user(f"{municipality.slug}-official", is_staff=True)
    MunicipalityRole.objects.get_or_create(municipality=municipality, user=official,
                                           role=MunicipalityRole.Role.OFFICIAL)
    cycle = services.cycle_create(
        actor=admin, municipality=municipality, title=TITLE, total_budget="3000000",
        description="Мешканці громади пропонують і обирають, на що витратити 3 млн грн.",
        ballot_type="approval", max_picks=3, counting_rule="greedy",
    )
    city = cycle.units.get()
    services.unit_save(actor=admin, cycle=cycle, unit=city, data={
        "kind": "category", "name_uk": "Малі проєкти", "name_en": "Small projects",
        "budget": "500000", "min_cost": "10000", "max_cost": "300000"})
    big = services.unit_save(actor=admin, cycle=cycle, data={
        "kind": "category", "name_uk": "Великі проєкти", "name_en": "Large projects",
        "budget": "2500000", "min_cost": "300000", "max_cost": "1500000", "order": 1})
    units = [city, big]
    now = timezone.now()
    services.cycle_schedule(actor=admin, cycle=cycle, dates={
        kind: (now + dt.timedelta(days=10 * n + 1), now + dt.timedelta(days=10 * n + 11))
        for n, kind in enumerate(PHASE_ORDER)})
    member = _user(f"{municipality.slug}-pb-commission")
    services.commission_member_add(actor=admin, cycle=cycle, user=member,
                                   position="Голова бюджетної комісії")
    _shift_to(cycle, PhaseKind.SUBMISSION)
    lat0, lon0 = float(municipality.centre_lat), float(municipality.centre_lon)
    projects = []
    for n, (unit_index, title, description, (dlat, dlon), items) in enumerate(PROJECTS):
        projects.append(services.project_submit(
            actor=_resident(municipality, n), cycle=cycle, unit=units[unit_index],
            title=title, description=description,
            cost_items=[CostLine(d, a) for d, a in items],
            lat=f"{lat0 + dlat:.6f}", lon=f"{lon0 + dlon:.6f}"))
    _shift_to(cycle, PhaseKind.REVIEW)
    for project in projects:
        rejected = project.title.startswith("Відновлення фонтану")
        for criterion in cycle.review_criteria:
            failed = rejected and criterion == cycle.review_criteria[-1]
            services.project_assess(
                actor=member, project=project, criterion=criterion, feasible=not failed,
                comment="Фонтан на балансі обласного підприємства, не громади."
                if failed else "")
        if rejected:
            services.project_reject(actor=member, project=project,
                                    reason="Фонтан не належить громаді.")
        else:
            services.project_admit(actor=member, project=project)
    _shift_to(cycle, PhaseKind.VOTING)
    admitted = {u.pk: list(u.projects.filter(status=Project.Status.ADMITTED).order_by("pk"))
                for u in units}
    for n in range(24):
        voter = _resident(municipality, 100 + n)
        for unit in units:
            choices = admitted[unit.pk]
            picks = [choices[(n + k) % len(choices)] for k in range(1 + n % 2)]
            picks = list(dict.fromkeys(picks))
            services.ballot_submit(actor=voter, unit=unit,
                                   selection=[Choice(p.pk) for p in picks])
    _shift_to(cycle, PhaseKind.RESULTS)
    services.cycle_tally(actor=admin, cycle=cycle)
    services.results_publish(actor=admin, cycle=cycle)
    _shift_to(cycle, PhaseKind.IMPLEMENTATION)
    winner = cycle.projects.filter(status=Project.Status.SELECTED).order_by("-cost").first()
    if winner is not None:
        services.implementation_start(actor=official, project=winner,
                                      contractor="ТОВ «Міськбуд»")
        services.progress_report(
            actor=official, project=winner, date=municipality.local_today(), progress=40,
            money_spent=str((winner.cost * Decimal("0.35")).quantize(Decimal("1"))),
            note="Підготовлено основу, завезено обладнання.")
    return Cycle.objects.get(pk=cycle.pk)
